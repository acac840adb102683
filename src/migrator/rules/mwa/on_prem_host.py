"""MWA003: Host only reachable from the on-prem network, or the Airflow host itself"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.dags import const_str
from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.analysis.strings import host_kind, host_references
from migrator.findings import Finding, Severity, line_anchor
from migrator.rules._common import inside, location_in_literal
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import (
    _EMR_WRAPPERS,
    _container_calls,
    _descriptive_literals,
    _dict_keys_and_links,
    _keyword,
    _ssh_calls,
    _task_limit,
)


def _unused_hook(module: ModuleFacts, call: ast.Call, name: str) -> bool:
    """A hook whose object nothing uses: bound to names the module never reads, where no other
    module can import them (a function's local, or a name of a DAG file). A hook's constructor
    opens no connection (SSHHook connects in ``get_conn``), so an unused one reaches no host."""
    if not name.endswith("Hook"):
        return False
    parent = module.parents.get(call)
    if not isinstance(parent, (ast.Assign, ast.AnnAssign)) or parent.value is not call:
        return False
    targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    if module.enclosing_function(call) is None and not module.dags:
        return False  # a helper module's hook may be imported and used elsewhere
    read = _names_read(module)
    return not any(t.id in read for t in targets)


def _names_read(module: ModuleFacts) -> frozenset[str]:
    return module.memo("names_read", lambda m: frozenset(
        n.id for n in m.nodes_of(ast.Name) if isinstance(n.ctx, ast.Load)))


def _ssh_tunnels(module: ModuleFacts) -> list[tuple[ast.AST | None, ast.Call]]:
    """(enclosing function or None, call) of each call that opens an SSH tunnel on the worker."""
    def compute(m: ModuleFacts) -> list[tuple[ast.AST | None, ast.Call]]:
        return [(m.enclosing_function(call), call) for call, qualname in m.calls
                if qualname in compat.worker_environment().ssh_tunnel_openers
                or isinstance(call.func, ast.Attribute) and call.func.attr in compat.worker_environment().ssh_tunnel_methods]

    return module.memo("ssh_tunnels", compute)


def _tunnel_local_end(module: ModuleFacts, node: ast.AST) -> bool:
    """Whether a literal is in a function that opened an SSH tunnel, from the opening call on
    (its arguments, its ``with`` block, the code after ``tunnel.start()``): a loopback address
    there is the tunnel's local end, on the worker that runs the task."""
    tunnels = _ssh_tunnels(module)
    if not tunnels:
        return False
    function = module.enclosing_function(node)
    return any(scope is function and (node.lineno, node.col_offset) >= (call.lineno, call.col_offset)
               for scope, call in tunnels)


class OnPremHostRule(PythonRule):
    """
    ## What it does
    Reports SSH/SFTP operators, sensors and hooks, and host names or addresses in code that an
    MWAA environment cannot reach as they are: `localhost`/`127.0.0.1` and
    `host.docker.internal` (errors: on MWAA they name the worker itself), private IP ranges and
    internal DNS names (`*.local`, `*.internal`, `*.corp`, `*.lan`, ...). A hook that no task
    or callable uses is left alone: its constructor opens no connection.

    ## Why it matters on MWAA
    MWAA runs tasks in private subnets of your VPC. Services next to the old Airflow host are
    not there, and on-prem systems are reachable only after network work: a VPN, Direct Connect
    or Transit Gateway route, security groups and NACLs that allow the traffic, and DNS
    resolution of on-prem names (Route 53 Resolver outbound endpoints).

    ## Example
    ```python
    HIVE_JDBC = "jdbc:hive2://hive-srv01.corp.acme.local:10000/default"
    requests.post("http://localhost:8080/hooks/run")
    ```

    ## Fix
    Move the service next to MWAA (an AWS endpoint, RDS, an ALB) or route the VPC to the
    on-prem network and resolve its DNS; keep the host in an Airflow connection (stored in
    Secrets Manager) rather than in code. A public SSH host (a cloud VM, a supercomputer's
    login node) needs no VPN: the VPC's NAT gateway reaches it. Replace `localhost` and
    `host.docker.internal` with the service's real address.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/networking-about.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "MWA003"
    name = "on-prem-host"
    severity = Severity.WARNING
    summary = "Host only reachable from the on-prem network, or the Airflow host itself"
    needs_airflow_import = False
    valid = (
        Valid('''
            """Runbook: https://wiki.corp.acme.local/display/DE/ingest"""
            import logging

            logging.getLogger(__name__).info("connecting to db01.corp.acme.local")
            API = "https://api.example.com/v1"
            EMAIL = "alerts@data.corp.local"
        '''),
        Valid("""
            from airflow.datasets import Dataset

            ORDERS = Dataset("postgres://dwh-pg01.corp.acme.local:5432/dwh/public/orders")
        """),
        Valid("""
            ENDPOINT = "vpce-0abc.execute-api.us-east-1.vpce.amazonaws.com"
            NODE = "ip-10-0-1-12.ec2.internal"
        """),
        # The local end of an SSH tunnel the task opens on the worker: a loopback address there
        # is right on MWAA (the SSH hop itself is reported on the hook).
        Valid("""
            import sqlalchemy
            from sshtunnel import SSHTunnelForwarder

            def export(ssh_hook, db_host):
                with ssh_hook.get_tunnel(5432, remote_host=db_host) as tunnel:
                    sqlalchemy.create_engine(f"postgresql://etl@127.0.0.1:{tunnel.local_bind_port}/dw")

            def load(gateway, db_host):
                forwarder = SSHTunnelForwarder(gateway, remote_bind_address=(db_host, 5432),
                                               local_bind_address=("127.0.0.1", 6543))
                forwarder.start()
                return sqlalchemy.create_engine("postgresql://etl@localhost:6543/dw")
        """),
        # A docker command the project's own wrapper runs on an EMR node (its base builds the EMR
        # step): localhost there is that node, also when a helper builds the command.
        Valid("""
            from common.emr import DockerRunEmrTask

            def client_command():
                return "docker run --net host bench -u localhost:8001"

            def bench_command():
                return "docker run -d server; " + client_command()

            BENCH = DockerRunEmrTask("bench", bench_command())
        """, files=_EMR_WRAPPERS),
        # A hook no task or callable uses connects to nothing: its constructor opens no connection.
        Valid("""
            from airflow import DAG
            from airflow.operators.bash import BashOperator
            from airflow.providers.ssh.hooks.ssh import SSHHook

            archive_hook = SSHHook(remote_host="archive01", username="etl")

            def report():
                spare_hook = SSHHook(ssh_conn_id="archive")
                return 1

            with DAG(dag_id="report") as dag:
                BashOperator(task_id="stats", bash_command="echo ok")
        """),
    )
    invalid = (
        # The hook a task uses is reported where it is built.
        Invalid("""
            from airflow import DAG
            from airflow.providers.ssh.hooks.ssh import SSHHook
            from airflow.providers.ssh.operators.ssh import SSHOperator

            unused_hook = SSHHook(remote_host="archive01", username="etl")
            hpc_hook = SSHHook(remote_host="login01", username="etl")

            with DAG(dag_id="report") as dag:
                SSHOperator(task_id="stats", ssh_hook=hpc_hook, command="qstat")
        """, line=6, contains="SSHHook connects to login01 over SSH"),
        Invalid("""
            HIVE_JDBC = "jdbc:hive2://hive-srv01.corp.acme.local:10000/default"
        """, line=1, contains="hive-srv01.corp.acme.local"),
        Invalid("""
            import requests

            requests.post("http://localhost:8080/hooks/run", timeout=5)
        """, line=3, contains="the MWAA worker itself"),
        # A tunnel opened in one function makes no other function's loopback address its end.
        Invalid("""
            import requests

            def export(ssh_hook):
                with ssh_hook.get_tunnel(5432, remote_host="db.example.com"):
                    pass

            def notify():
                requests.post("http://localhost:8080/hooks/run", timeout=5)
        """, line=8, contains="the MWAA worker itself"),
        Invalid("""
            ENV = {"MLFLOW_TRACKING_URI": "http://host.docker.internal:5000"}
        """, contains="host.docker.internal"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="audit", bash_command="psql -h 10.20.30.40 -c 'select 1'")
        """, line=3, contains="10.20.30.40"),
        Invalid("""
            from airflow.contrib.operators.ssh_operator import SSHOperator

            SSHOperator(task_id="seal", ssh_conn_id="gw", remote_host="etl-gw01.corp.acme.local", command="x")
        """, line=3, contains="etl-gw01.corp.acme.local and connection gw over SSH, a host of the on-prem network"),
        # A public login node is reached through the NAT gateway, not a route to an on-prem network.
        Invalid("""
            from airflow.providers.ssh.operators.ssh import SSHOperator

            SSHOperator(task_id="submit", ssh_conn_id="hpc", remote_host="login.hpc.example.edu", command="qsub j.sh")
        """, line=3, contains="a public host: MWAA's private subnets reach it through the VPC's NAT gateway"),
        Invalid("""
            from airflow.providers.sftp.hooks.sftp import SFTPHook

            def fetch():
                return SFTPHook(ssh_conn_id="vendor_sftp").list_directory("/outbound")
        """, line=4, contains="a public host is reached through the VPC's NAT gateway, a private or on-prem one"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        ssh_calls = _ssh_calls(module, ctx.target)
        for call, name in ssh_calls:
            if _unused_hook(module, call, name):
                continue
            conn = next((const_str(k.value) for k in call.keywords
                         if k.arg and k.arg.endswith("conn_id") and const_str(k.value)), None)
            host = next((const_str(k.value) for k in call.keywords
                         if k.arg in ("remote_host", "host") and const_str(k.value)), None)
            target = " and ".join(p for p in (host, f"connection {conn}" if conn else None) if p)
            yield self.at_node(
                module, call.func,
                f"{name} connects to {target or 'a remote host'} over SSH{self._ssh_route(host)}, allow "
                f"it in security groups and add the ssh/sftp provider to requirements.txt")
        skipped = set(_descriptive_literals(module))
        skipped_roots = [call for call, _ in ssh_calls]
        for task in module.tasks:
            if _task_limit(task, ctx.target) == "docker":
                keyword = _keyword(task.node, "docker_url")
                if keyword is not None:
                    skipped_roots.append(keyword)
        for root in skipped_roots:
            skipped.update(walk(root))
        skipped.update(_dict_keys_and_links(module))
        remote = _container_calls(module, ctx)
        for node, text in module.string_literals:
            if node in skipped or ("." not in text and "localhost" not in text):
                continue
            for reference in host_references(text, compat.worker_environment().internal_host_suffixes,
                                             compat.worker_environment().aws_internal_suffixes):
                if reference.kind == "loopback" and _tunnel_local_end(module, node):
                    continue
                # In a container's or a remote node's command, the loopback is that machine.
                if reference.kind in ("loopback", "docker-host") and inside(module, node, remote):
                    continue
                location = location_in_literal(module, node, text, reference.start, reference.end)
                yield self.finding(module.path, location, self._message(reference),
                                   anchor=f"{reference.host}\x1f{line_anchor(module.line_text(location.line), location.column)}",
                                   severity=Severity.ERROR if reference.kind in ("loopback", "docker-host")
                                   else None)

    @staticmethod
    def _ssh_route(host: str | None) -> str:
        """How MWAA's private subnets reach an SSH host: a private or on-prem one (private
        address, internal DNS suffix, single-label name) through a route to that network, a
        public one (a cloud VM, a university's login node) through the VPC's NAT gateway."""
        environment = compat.worker_environment()
        kind = host_kind(host, environment.internal_host_suffixes, environment.aws_internal_suffixes) if host else None
        if host and (kind is not None or "." not in host):
            return (", a host of the on-prem network: MWAA's private subnets reach it only through a VPN, "
                    "Direct Connect or Transit Gateway route to that network")
        if host:
            return (", a public host: MWAA's private subnets reach it through the VPC's NAT gateway "
                    "(public egress)")
        return (" from MWAA's private subnets: a public host is reached through the VPC's NAT gateway, a "
                "private or on-prem one only through a VPN, Direct Connect or Transit Gateway route")

    @staticmethod
    def _message(reference) -> str:
        host = reference.host
        if reference.kind == "loopback":
            return (f"{host} is the MWAA worker itself, not the service the on-prem Airflow host ran; "
                    "point at the service's real address (kept in an Airflow connection)")
        if reference.kind == "docker-host":
            return (f"{host} names the Docker host of the old setup; on MWAA it is the worker itself "
                    "and resolves to nothing useful: point at the service's real address")
        what = "a private IP address" if reference.kind == "private-ip" else "an internal DNS name"
        return (f"{host} is {what} of the on-prem network: MWAA reaches it only through a VPN, Direct "
                "Connect or Transit Gateway route, security groups that allow it, and (for names) "
                "Route 53 Resolver forwarding; keep it in an Airflow connection, not in code")
