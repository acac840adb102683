"""MWA011: Pool used by tasks that a new MWAA environment does not have"""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.analysis.dags import const_str
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class UndefinedPoolRule(PythonRule):
    """
    ## What it does
    Reports tasks (and `default_args`) that use a pool other than `default_pool`. When the
    project defines the pool (a pool export, a `pools*.csv` table of `pool_name,slots`,
    `airflow_settings.yaml`, an `airflow pools set` line), the message names that file and the
    slot count; otherwise it says the pool is defined nowhere.

    ## Why it matters on MWAA
    A new MWAA environment has only `default_pool`, and nothing creates the others: MWAA reads
    no pool files and runs no setup scripts. Airflow does not schedule tasks of a pool that does
    not exist, so they sit in the scheduled state. The `airflow pools` commands are not
    available through MWAA's CLI endpoint, so pools must be created in the UI or through the
    REST API before the DAGs run.

    ## Example
    ```python
    BashOperator(task_id="stage", bash_command="...", pool="warehouse_pool")
    ```

    ## Fix
    Create the pool in the MWAA environment with the slot count of the on-prem pool, in the UI
    (Admin > Pools) or through the REST API:
    `aws mwaa invoke-rest-api --name ENV --method POST --path /pools --body '{"name": "warehouse_pool", "slots": 4}'`.
    Keep a pool export in the project so the pools can be recreated.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-cli-command-reference.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/access-mwaa-apache-airflow-rest-api.html
    - https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/pools.html
    """

    id = "MWA011"
    name = "undefined-pool"
    severity = Severity.WARNING
    summary = "Pool used by tasks that a new MWAA environment does not have"
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="default_pool")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="warehouse_pool")
        """, line=3, contains="'warehouse_pool' is not defined anywhere in the project"),
        # Defined in a pool table the team loads on-prem: MWAA does not read it, the pool must
        # still be created there.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="warehouse_pool")
        """, files={"config/pools_info.csv": "pool_name,slots\nwarehouse_pool,4\n"}, line=3,
            contains="defined in config/pools_info.csv:2 (4 slots), which MWAA does not apply"),
        # The same for a pool export.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="warehouse_pool")
        """, files={"pools.json": '{"warehouse_pool": {"slots": 4, "description": ""}}'}, line=3,
            contains='--path /pools --body \'{"name": "warehouse_pool", "slots": 4}\''),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name != "pool" or site.owner == "dag":
                continue
            pool = const_str(site.value)
            if pool is None or pool in compat.worker_environment().default_pools:
                continue
            definition = ctx.index.pool_definition(pool)
            if definition is None:
                yield self.at_node(
                    module, site.node,
                    f"pool '{pool}' is not defined anywhere in the project: create it in the MWAA "
                    f"environment (Admin > Pools, or POST /pools through the REST API) before these tasks "
                    f"run, or they are never scheduled")
                continue
            slots = {None: "slots not given", 1: "1 slot"}.get(definition.slots, f"{definition.slots} slots")
            yield self.at_node(
                module, site.node,
                f"pool '{pool}' is defined in {definition.path}:{definition.line} ({slots}), which MWAA "
                f"does not apply: a new environment has only default_pool, so create it before these "
                f"tasks run or they are never scheduled: "
                f"{compat.create_pool_command(pool, definition.slots)} (or Admin > Pools)")
