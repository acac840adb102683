"""MWA005: Local path that does not exist on MWAA workers"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis import platform
from migrator.analysis.commands import command_lines
from migrator.analysis.dags import ArgumentSite
from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.analysis.shell import comment_spans
from migrator.analysis.strings import (
    UNKNOWN,
    Piece,
    StaticString,
    absolute_paths,
    is_under,
    name_value,
    static_string,
)
from migrator.findings import Finding, FixSafety, Severity, line_anchor
from migrator.rules._common import call_arguments, inside, location_in_static, short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import (
    _EMR_WRAPPERS,
    _allowed_path,
    _container_calls,
    _custom_queues,
    _descriptive_literals,
    _dict_keys_and_links,
    _in_mwaa_folder,
    _on_routed_host,
    _ssh_calls,
)
from migrator.rules.mwa._paths import (
    _PATH_ARGUMENT,
    _PATH_CONSTANT,
    _PATH_FUNCTION_PREFIXES,
    _PATH_FUNCTIONS,
    _PATH_METHOD,
    _REMOTE_ARGUMENT,
    _container_classes,
    _container_side_values,
    _dict_items,
    _routed_queue,
    _scope,
    _strings_in,
    _to_mwaa_folder,
)


class LocalFilesystemPathRule(PythonRule):
    """
    ## What it does
    Reports absolute local paths outside the folders MWAA fills (`/usr/local/airflow/dags`,
    `plugins`, `requirements`) and `/tmp` that task code reads or writes: arguments of `open`, `os`/`os.path`/`shutil`/`pathlib`/`glob`, pandas readers and
    writers, `FileSensor(filepath=...)`, operator arguments that name files or folders
    (`filepath`, `files`, `cwd`, `template_searchpath`, `*_dir`, ...), paths in bash commands,
    and module constants such as `DATA_DIR = "/data/landing"`; paths into the folders other
    platforms mount (Cloud Composer's `/home/airflow/gcs/{dags,plugins,data}`) are named as such.
    Paths on another machine are left alone: inside a container, pod or EMR step (also when its
    arguments are gathered in a dict beside the image), or parameters documented as another
    host's path (an SFTP transfer's remote side, HDFS); a path a task routed to an on-prem
    queue uses is reported as that host's.

    ## Why it matters on MWAA
    MWAA workers have only the DAG folder and plugins under `/usr/local/airflow` (synced from S3;
    other folders an on-prem image kept there, such as `/usr/local/airflow/data`, are not) and an
    ephemeral, per-container `/tmp`. NFS shares, `/data`, `/opt/etl` and home directories of
    the on-prem workers do not exist, and a file one task writes to `/tmp` may not be there for
    the next task, which can run on another worker.

    ## Example
    ```python
    FileSensor(task_id="wait", filepath="/data/landing/pos/{{ ds_nodash }}/_DONE")
    ```

    ## Fix
    Keep data in S3 (`S3Hook`, `S3KeySensor`, `S3ToSqlOperator`, ...); ship small reference
    files and scripts in the DAG folder and build their path from
    `os.path.dirname(__file__)`; keep keys and keytabs in Secrets Manager. A path into another
    platform's DAG or plugins folder (Cloud Composer's `/home/airflow/gcs/dags`, the
    docker-compose stack's `/opt/airflow/dags`) names a file the bundle ships too: `migrator fix`
    rewrites the literal to MWAA's folder (`/usr/local/airflow/dags/...`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "MWA005"
    name = "local-filesystem-path"
    severity = Severity.ERROR
    summary = "Local path that does not exist on MWAA workers"
    fix_safety = FixSafety.SAFE
    needs_airflow_import = False
    valid = (
        Valid("""
            import os

            SQL_DIR = os.path.join(os.path.dirname(__file__), "sql")
            with open("/tmp/report.csv", "w") as fh:
                fh.write("x")
            CONFIG = "/usr/local/airflow/dags/config/feeds.yaml"
        """),
        Valid("""
            from airflow.providers.sftp.operators.sftp import SFTPOperator

            SFTPOperator(task_id="get", ssh_conn_id="v", remote_filepath="/outbound/rma.txt",
                         local_filepath="/tmp/rma.txt", operation="get")
        """),
        Valid("""
            import requests

            requests.get("https://api.example.com/api/v1/dags", timeout=5)
            ROUTE = "/api/v2/feeds"
        """),
        # Parameters documented as a path on another machine: the SFTP server, HDFS.
        Valid("""
            from airflow.providers.apache.hdfs.sensors.web_hdfs import WebHdfsSensor
            from airflow.providers.google.cloud.transfers.sftp_to_gcs import SFTPToGCSOperator

            SFTPToGCSOperator(task_id="pull", source_path="/outbound/rma/*.csv", destination_bucket="landing")
            WebHdfsSensor(task_id="wait", filepath="/data/warehouse/pos/_SUCCESS")
        """),
        # Where a bind mount or a pod volume appears inside the container is no worker path.
        Valid("""
            from docker.types import Mount
            from kubernetes.client import models as k8s

            CERTS = [Mount(target="/usr/local/share/ca-certificates/corp.crt", source="corp_certs"),
                     Mount("/opt/app/data", "landing", type="volume")]
            VOLUME_MOUNT = k8s.V1VolumeMount(name="models", mount_path="/mnt/models", read_only=True)
            CONTAINER = {"name": "serve", "volumeMounts": [{"name": "cfg", "mountPath": "/etc/serve/config"}]}
        """),
        # A pod's mount path, also read in the value of a constant only the pod's environment
        # reads (in the module that defines both): the container's path.
        Valid("""
            from kubernetes.client import models as k8s
            from pods.paths import CFG_PATH, MOUNT_PATH

            MOUNT = k8s.V1VolumeMount(name="cfg", mount_path=MOUNT_PATH)
            ENV = k8s.V1EnvVar(name="APP_CFG", value=CFG_PATH)
        """, files={"dags/pods/__init__.py": "",
                    "dags/pods/paths.py": 'MOUNT_PATH = "/env/config"\nCFG_PATH = MOUNT_PATH + "/app/root_cfg.py"\n'}),
        # Paths into a pod's mount point (derived from it, or the same folder in the module that
        # defines it) are the pod's even where an environment dict, not a pod model, reads them.
        Valid("""
            from airflow.kubernetes.volume_mount import VolumeMount
            from pods.config import CFG_FILE, MOUNT_PATH, PYTHON_PATH

            CONFIG_MOUNT = VolumeMount("cfg", mount_path=MOUNT_PATH, sub_path=None, read_only=False)

            def pod_args(args):
                env = {"APP_CFG": CFG_FILE, "PYTHONPATH": PYTHON_PATH}
                args.setdefault("env_vars", env).update(env)
                return args
        """, files={"dags/pods/__init__.py": "",
                    "dags/pods/config.py": 'MOUNT_PATH = "/env/config"\nCFG_FILE = MOUNT_PATH + "/app/cfg.py"\n'
                                           'PYTHON_PATH = "/env/config"\n'}),
        # Given the image it runs, a call describes a container: an EMR step run in an image, a
        # DockerOperator subclass's environment; a pod operator subclass's mount point likewise.
        Valid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
            from airflow.providers.docker.operators.docker import DockerOperator
            from acme.emr import PySparkEmrStep

            class AlertingDockerOperator(DockerOperator):
                pass

            class ReportPodOperator(KubernetesPodOperator):
                config_mount_path = "/opt/report/etc/"

            PySparkEmrStep(name="score", image_name="ml/score", entry_point_path="/opt/application/main.py")
            AlertingDockerOperator(task_id="stac", image="geo/stac:3",
                                   environment={"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"})
        """),
        # An ECS override and an EMR configuration built apart from the task: their request shapes.
        Valid("""
            def overrides(payload):
                return {"containerOverrides": [{"name": "ingest", "command": ["/var/lang/bin/python", "handler.py"]}]}

            SPARK_ENV = [{"Classification": "spark-env", "Properties": {"JAVA_HOME": "/home/hadoop/jdk"}}]
        """),
        # ECS and EMR run these commands on their own machines: the paths are theirs.
        Valid("""
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator
            from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

            EcsRunTaskOperator(task_id="load", cluster="etl", task_definition="load",
                               overrides={"containerOverrides": [{"name": "load", "command": ["/app/run.sh"]}]})
            EmrAddStepsOperator(task_id="spark", job_flow_id="j-1",
                                steps=[{"Name": "s", "HadoopJarStep": {"Jar": "command-runner.jar",
                                        "Args": ["spark-submit", "/home/hadoop/jobs/score.py"]}}])
        """),
        # The project's wrappers around EMR run their arguments on the cluster: a script-runner
        # step's arguments, a docker command a helper returns, the command another helper builds.
        Valid("""
            from common.emr import EmrJobTask, docker_job

            def train_arguments(date):
                return ["--nproc-per-node=4", "/opt/application/app/train.py", f"--date={date}"]

            PUBLISH = EmrJobTask("publish", args=["--source", "/mnt/models", "--date", "{{ ds }}"])
            TRAIN = docker_job("train", " ".join(["torchrun", *train_arguments("{{ ds }}")]))
        """, files=_EMR_WRAPPERS),
        # A helper module's path constants that only a pod spec uses (the destination of an
        # init container's cp on the pod's volume, the image's own folder): the container's.
        Valid("""
            from kubernetes.client import models as k8s
            from pods.paths import CONFIG_DIR, IMAGE_CONFIG_DIR

            COPY_CONFIG = k8s.V1Container(name="copy-config", image="acme/config:1", command=["cp"],
                                          args=["-r", IMAGE_CONFIG_DIR, CONFIG_DIR])
        """, files={"dags/pods/__init__.py": "",
                    "dags/pods/paths.py": 'CONFIG_DIR = "/env/config/app"\nIMAGE_CONFIG_DIR = "/opt/acme-config/app"\n'}),
        # The keyword arguments of a step that runs an image, gathered in a dict: the
        # entry point is a path inside that image, on the cluster.
        Valid("""
            from acme.emr import PySparkEmrTask

            STEP_KWARGS = {"entry_point_path": "/home/hadoop/app/score.py", "image_name": "ml/score",
                           "image_tag": "3"}
            SCORE = PySparkEmrTask(name="score", **STEP_KWARGS)
        """),
        # A shell comment runs nothing; what ssh runs is on the remote host.
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="refresh", bash_command='''
                echo "disabled"
                # bash /data/legacy/refresh.sh \\
                #   /data/legacy/out
                ssh hpc "ls /rds/project/runs" > /tmp/runs.txt
            ''')
        """),
    )
    invalid = (
        Invalid("""
            from airflow.contrib.sensors.file_sensor import FileSensor

            FileSensor(task_id="wait", filepath="/data/landing/pos/{{ ds_nodash }}/_DONE")
        """, line=3, contains="S3KeySensor"),
        Invalid("""
            import pandas as pd

            STORE_MASTER = "/data/landing/reference/store_master.csv"

            def load():
                return pd.read_csv(STORE_MASTER)
        """, line=3, contains="/data/landing/reference/store_master.csv"),
        Invalid("""
            def stats(ds):
                manifest = "/data/landing/pos/{}/manifest.csv".format(ds)
                with open(manifest) as fh:
                    return fh.read()
        """, line=2),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="prune", bash_command="find /data/reports -mtime +60 -delete")
        """, line=3, contains="/data/reports"),
        Invalid("""
            REPORT_DIR = "/data/reports/vendor_returns"
        """, line=1),
        # A mount point that worker code reads too is a worker path.
        Invalid("""
            import os
            from kubernetes.client import models as k8s
            from pods.config import MOUNT_PATH

            CONFIG_MOUNT = k8s.V1VolumeMount(name="cfg", mount_path=MOUNT_PATH)
            REPORTS = os.listdir(MOUNT_PATH)
        """, files={"dags/pods/__init__.py": "", "dags/pods/config.py": 'MOUNT_PATH = "/data/shared"\n'},
            line=1, contains="/data/shared"),
        # A constant a pod spec uses but worker code reads too is a worker path.
        Invalid("""
            from kubernetes.client import models as k8s
            from pods.paths import CONFIG_DIR

            COPY_CONFIG = k8s.V1Container(name="copy", image="acme/config:1", command=["cp"], args=["-r", "/cfg", CONFIG_DIR])
        """, files={"dags/pods/__init__.py": "",
                    "dags/pods/paths.py": 'CONFIG_DIR = "/data/config/app"\n',
                    "dags/report.py": "import os\nfrom pods.paths import CONFIG_DIR\n\ndef files():\n    return os.listdir(CONFIG_DIR)\n"},
            line=1, contains="/data/config/app"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="cat /opt/airflow/dags/sql/x.sql")
        """, contains="/usr/local/airflow/dags"),
        # Cloud Composer's mount of the DAG bucket is MWAA's DAG folder under another path.
        Invalid("""
            import json

            with open("/home/airflow/gcs/dags/schemas/orders.json") as fh:
                SCHEMA = json.load(fh)
        """, line=3, contains="use /usr/local/airflow/dags/schemas/orders.json", fixed="""
            import json

            with open("/usr/local/airflow/dags/schemas/orders.json") as fh:
                SCHEMA = json.load(fh)
        """),
        # An Astro project's include/ is on MWAA only when the bundle carries it: no fix.
        Invalid("""
            from cosmos.config import ProjectConfig

            DBT_PROJECT = ProjectConfig(dbt_project_path="/usr/local/airflow/include/dbt/")
        """, line=3, contains="/usr/local/airflow/plugins/include/dbt/"),
        # Composer's data/ folder is synced from its bucket; MWAA syncs no such folder.
        Invalid("""
            import pandas as pd

            def load():
                return pd.read_csv("/home/airflow/gcs/data/stores.csv")
        """, line=4, contains="data folder of Cloud Composer, which MWAA does not have"),
        # Only the folders MWAA fills exist under AIRFLOW_HOME, not an on-prem image's data folder.
        Invalid("""
            import pandas as pd

            def load():
                return pd.read_csv("/usr/local/airflow/data/stores.csv")
        """, line=4, contains="/usr/local/airflow/data/stores.csv"),
        Invalid("""
            from airflow.operators.email import EmailOperator

            EmailOperator(task_id="mail", to="a@b.example", subject="s", html_content="h",
                          files=["/data/reports/r_{{ ds_nodash }}.csv"])
        """, line=4),
        # Routed to an HPC's queue, the file is on that host: S3 or the DAG folder is no remedy,
        # the work must still run there.
        Invalid("""
            from airflow.operators.python import PythonOperator

            def copy_to_hpc(**context):
                pass

            PythonOperator(task_id="copy", queue="hpc_4G", python_callable=copy_to_hpc,
                           params={"source_path": "/rds/project/archive/lims.accdb"})
        """, line=7, contains="a path on the workers of queue 'hpc_4G', where this task is routed"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        seen: set[tuple[int, int]] = set()
        queues = _custom_queues(module)
        tasks = frozenset(task.node for task in module.tasks)
        for value, fallback, hint, skipped in self._candidates(module, ctx):
            for reference in absolute_paths(value.text):
                path = reference.path
                if _allowed_path(path) or any(s <= reference.start < e for s, e in skipped):
                    continue
                node, location = location_in_static(module, value, reference.start, reference.end, fallback)
                key = (location.line, location.column)
                if key in seen:
                    continue
                seen.add(key)
                folder = next((f for f in platform.OTHER_PLATFORM_FOLDERS if is_under(path, (f.path,))), None)
                routed = _on_routed_host(path.replace(UNKNOWN, "…"), "a path",
                                         _routed_queue(module, fallback, queues, tasks))
                yield self.finding(module.path, location, routed or self._message(path, hint, folder),
                                   anchor=f"{path}\x1f{line_anchor(module.line_text(location.line), location.column)}",
                                   fix=_to_mwaa_folder(node, folder))

    @staticmethod
    def _message(path: str, hint: str, folder: compat.OtherPlatformFolder | None) -> str:
        shown = path.replace(UNKNOWN, "…")
        if folder is not None and folder.mwaa:
            where = "" if folder.always_shipped else " (migrator package carries it there when the code imports from it)"
            return (f"{shown} is the {folder.role} folder of {folder.platform}; on MWAA it is {folder.mwaa}{where}: "
                    f"use {_in_mwaa_folder(shown, folder)} (or build the path from os.path.dirname(__file__))")
        advice = hint or ("keep the data in S3 (S3Hook, S3KeySensor) or ship the file in the DAG folder "
                          "and build its path from os.path.dirname(__file__)")
        if folder is not None:
            return (f"{shown} is the {folder.role} folder of {folder.platform}, which MWAA does not have "
                    f"(its workers only have {platform.WORKER_FOLDERS}): {advice}")
        return (f"{shown} is a local path of the on-prem workers; MWAA workers only have "
                f"{platform.WORKER_FOLDERS}: {advice}")


    def _candidates(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[tuple[StaticString, ast.AST, str, list]]:
        """(value, node to fall back on, advice, spans of the value to leave alone)."""
        target = ctx.target
        remote_calls = set(_container_calls(module, ctx)) | {c for c, _ in _ssh_calls(module, target)}
        # 1. arguments of file-system calls
        for call, qualname in module.calls:
            if inside(module, call, remote_calls):
                continue
            if self._is_path_call(call, qualname, module):
                for name, argument in call_arguments(call):
                    if name is None or _PATH_ARGUMENT.search(name):
                        value = static_string(module, argument)
                        if value is not None:
                            yield value, argument, "", []
        # 2. task and DAG arguments that name files or folders (not those documented as another
        # machine's path)
        remote_parameters = compat.worker_paths().remote_path_parameters
        remote_values = {k.value for call, qualname in module.calls for k in call.keywords
                         if (qualname, k.arg) in remote_parameters}
        for site in module.arguments:
            if site.call is not None and site.call in remote_calls and not site.name.startswith("local"):
                continue
            if site.value in remote_values:
                continue
            for value, node, hint in self._argument_values(module, site):
                yield value, node, hint, []
        # 3. paths in command lines (programs and scripts are MWA004's; comments and what ssh
        # runs on another host are no worker's)
        for line in command_lines(module):
            reported = [(c.program.start, c.program.end) for c in line.commands]
            reported += [(s.start, s.end) for c in line.commands if (s := c.script())]
            reported += [span for c in line.commands if (span := c.remote_command())]
            yield line.value, line.expression, "", reported + comment_spans(line.value.text)
        # 4. module constants and parameter defaults that name a local path (not those only
        # containers use, in this module or others)
        prefix = f"{module.module_name}." if module.module_name else ""
        container_constants = {value_node for name, value_node in module.constants.items()
                               if prefix + name in ctx.index.container_only_constants}
        for name, value_node in module.constants.items():
            if _PATH_CONSTANT.search(name) and value_node not in container_constants:
                value = static_string(module, value_node)
                if value is not None and value.text.startswith("/"):
                    yield value, value_node, "", []
        for function_list in module.function_defs.values():
            for function in function_list:
                arguments = function.args
                positional = arguments.posonlyargs + arguments.args
                pairs = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
                pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
                for argument, default in pairs:
                    if _PATH_ARGUMENT.search(argument.arg) and not _REMOTE_ARGUMENT.search(argument.arg):
                        value = static_string(module, default)
                        if value is not None:
                            yield value, default, "", []
        # 5. any literal that is a path under a folder only on-prem machines have
        skipped = set(_descriptive_literals(module)) | set(_dict_keys_and_links(module))
        for value in container_constants:  # the literals a derived constant's value adds, too
            skipped.update(walk(value))
        for value in remote_values:
            skipped.update(walk(value))
        for value in _container_side_values(module):
            skipped.update(walk(value))
        for line in command_lines(module):  # judged above, word by word
            skipped.update(walk(line.expression))
        remote_arguments = {k.value for call in remote_calls if isinstance(call, ast.Call)
                            for k in call.keywords if not (k.arg or "").startswith("local")}
        # A name given to a container (environment=COMMON_ENV) stands for its value.
        remote_arguments |= {value for node in remote_arguments if isinstance(node, ast.Name)
                             and (value := name_value(module, node)) is not None}
        container_classes = _container_classes(module, target)
        for node, text in module.string_literals:
            if not text.startswith(platform.LOCAL_ROOTS) or node in skipped or \
                    inside(module, node, remote_arguments | {c for c in remote_calls
                                                                  if not isinstance(c, ast.Call)}) or \
                    _scope(module, node) in container_classes:
                continue
            parent = module.parents.get(node)
            if isinstance(parent, ast.keyword) and parent.arg and _REMOTE_ARGUMENT.search(parent.arg):
                continue
            first = absolute_paths(text)
            if first and first[0].start == 0 and first[0].path.count("/") >= 2:
                yield StaticString((Piece(text, node),)), node, "", [(first[0].end, len(text) + 1)]

    @staticmethod
    def _is_path_call(call: ast.Call, qualname: str | None, module: ModuleFacts) -> bool:
        if qualname is None:
            func = call.func
            if isinstance(func, ast.Name):
                return func.id == "open" and "open" not in module.function_defs
            return isinstance(func, ast.Attribute) and bool(_PATH_METHOD.match(func.attr))
        return qualname in _PATH_FUNCTIONS or qualname.startswith(_PATH_FUNCTION_PREFIXES)

    def _argument_values(self, module: ModuleFacts, site: ArgumentSite) -> Iterator[tuple[StaticString, ast.AST, str]]:
        hint = ""
        if site.owner == "task" and short_name(site.qualname).startswith("FileSensor"):
            hint = "wait for the object in S3 with S3KeySensor instead"
        if _PATH_ARGUMENT.search(site.name) and not _REMOTE_ARGUMENT.search(site.name):
            yield from _strings_in(module, site.value, hint)
        elif site.name in ("op_kwargs", "params", "env", "environment", "op_args"):
            for key, value in _dict_items(site.value):
                if key is None or (_PATH_ARGUMENT.search(key) and not _REMOTE_ARGUMENT.search(key)):
                    yield from _strings_in(module, value, hint)
