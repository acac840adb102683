"""LocalExecutor that renews the Kerberos ticket before it starts a task.

The VMs' 8-hourly kinit cron let long Hive tasks run into an expired ticket, so
in 2019 the scheduler got this executor (``executor =
acme_plugin.KerberizedLocalExecutor``). The per-task kinit in the Hadoop DAGs
replaced it (DATA-1104); it stays registered so going back is a config change.
"""
import subprocess

from airflow.executors.local_executor import LocalExecutor

KEYTAB = "/home/airflow/keys/etl.keytab"
PRINCIPAL = "etl@CORP.ACME.LOCAL"


class KerberizedLocalExecutor(LocalExecutor):
    def execute_async(self, key, command, queue=None, executor_config=None):
        subprocess.run(["kinit", "-kt", KEYTAB, PRINCIPAL], check=False)
        super(KerberizedLocalExecutor, self).execute_async(
            key, command, queue=queue, executor_config=executor_config
        )
