"""Hook for the ERP's general-ledger schema (Oracle 19c), read by the finance exports.

cx_Oracle loads the Oracle Instant Client the VMs have in /opt/oracle (packages.txt).
"""
import cx_Oracle

from airflow.hooks.base import BaseHook


class ErpOracleHook(BaseHook):
    """Connections to the ERP database, by the `erp_oracle` Airflow connection."""

    conn_name_attr = "erp_conn_id"
    default_conn_name = "erp_oracle"
    conn_type = "oracle"
    hook_name = "ACME ERP (Oracle)"

    def __init__(self, erp_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.erp_conn_id = erp_conn_id

    def get_conn(self):
        conn = self.get_connection(self.erp_conn_id)
        dsn = cx_Oracle.makedsn(conn.host, conn.port or 1521, service_name=conn.schema)
        return cx_Oracle.connect(user=conn.login, password=conn.password, dsn=dsn)
