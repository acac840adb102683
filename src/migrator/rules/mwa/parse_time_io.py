"""MWA007: Network or database call at DAG parse time"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.dags import const_str
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules._common import short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import _VARIABLE_READS, _parse_time_calls

# Calls that go over the network or to a database: (qualified-name prefix, what it does).
_IO_CALLS = (
    ("requests.", "an HTTP request"), ("httpx.", "an HTTP request"),
    ("urllib.request.urlopen", "an HTTP request"), ("urllib3.", "an HTTP request"),
    ("http.client.", "an HTTP request"), ("aiohttp.", "an HTTP request"),
    ("boto3.", "an AWS API call"), ("botocore.", "an AWS API call"),
    ("psycopg2.connect", "a database connection"), ("pymysql.connect", "a database connection"),
    ("MySQLdb.connect", "a database connection"), ("cx_Oracle.connect", "a database connection"),
    ("oracledb.connect", "a database connection"), ("pyodbc.connect", "a database connection"),
    ("snowflake.connector.connect", "a database connection"),
    ("sqlalchemy.create_engine", "a database connection"), ("pymongo.MongoClient", "a database connection"),
    ("redis.Redis", "a Redis connection"), ("paramiko.", "an SSH connection"),
    ("socket.create_connection", "a network connection"), ("smtplib.SMTP", "an SMTP connection"),
)


# Libraries whose clients connect on first use: building one (``httpx.AsyncClient()``,
# ``aiohttp.ClientSession()``, ``requests.Session()``, ``boto3.client("s3")``) sends nothing.
_LAZY_CLIENT_LIBRARIES = ("requests.", "httpx.", "aiohttp.", "urllib3.", "http.client.", "boto3.", "botocore.")


_CLIENT_FACTORIES = frozenset({"client", "resource"})  # boto3's lower-case ones


# Hook methods that run queries or API calls (called on a hook built at module level).
_HOOK_IO_METHODS = frozenset({"get_records", "get_first", "get_pandas_df", "get_df", "run", "get_conn",
                              "get_connection", "get_client_type", "get_session", "list_keys",
                              "read_key", "check_for_key", "get_key", "load_file", "get_uri"})


class ParseTimeIoRule(PythonRule):
    """
    ## What it does
    Reports connection lookups (`BaseHook.get_connection`), hook queries, HTTP requests, AWS API
    calls and database connections that run when the DAG file is parsed: at module level, in DAG
    or operator arguments, or in functions called while the module is imported.

    ## Why it matters on MWAA
    MWAA's scheduler parses each file every 30 seconds with a 30-second import timeout
    (`dagbag_import_timeout`). Network calls at parse time slow every parse loop, fail the
    import when the remote system is slow or unreachable from MWAA's VPC (the DAG then vanishes
    from the UI), and multiply API and Secrets Manager costs. On Airflow 3 the DAG processor has
    no metadata-database access at all.

    ## Example
    ```python
    FEEDS = requests.get(f"{API}/feeds", timeout=30).json()["feeds"]
    ```

    ## Fix
    Do the call inside a task. For DAGs generated from remote data, fetch the data in a separate
    DAG that writes it to a file in S3 or the DAG folder, and read that file at parse time.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/best-practices.html#top-level-python-code
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html
    """

    id = "MWA007"
    name = "parse-time-io"
    severity = Severity.WARNING
    summary = "Network or database call at DAG parse time"
    valid = (
        Valid("""
            import requests
            from airflow.hooks.base import BaseHook

            def pull(**context):
                conn = BaseHook.get_connection("hub")
                return requests.get(conn.host, timeout=5).json()
        """),
        Valid("""
            import json
            import os
            from airflow import DAG

            with open(os.path.join(os.path.dirname(__file__), "feeds.json")) as fh:
                FEEDS = json.load(fh)
        """),
        # Building an async HTTP client or session sends nothing; its requests run in tasks.
        Valid("""
            import aiohttp
            import httpx
            from airflow import DAG

            CLIENT = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
            SESSION = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

            async def pull(**context):
                return (await CLIENT.get("https://hub.example.com/feeds")).json()
        """),
    )
    invalid = (
        Invalid("""
            from airflow.hooks.base import BaseHook

            _hub = BaseHook.get_connection("supplier_hub_api")
        """, line=3, contains="supplier_hub_api"),
        Invalid("""
            import requests
            from airflow import DAG

            try:
                FEEDS = requests.get("https://hub.example.com/feeds", timeout=30).json()
            except Exception:
                FEEDS = []
        """, line=5, contains="HTTP request"),
        Invalid("""
            from airflow.providers.postgres.hooks.postgres import PostgresHook

            STORES = PostgresHook(postgres_conn_id="dwh").get_records("select id from stores")
        """, line=3, contains="get_records"),
        Invalid("""
            import boto3
            from airflow import DAG

            KEYS = boto3.client("s3").list_objects_v2(Bucket="b")["Contents"]
        """, line=4, contains="AWS API call"),
        Invalid("""
            import httpx
            from airflow import DAG

            HEALTHY = httpx.Client().get("https://hub.example.com/health").is_success
        """, line=4, contains="HTTP request"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for call, qualname in _parse_time_calls(module):
            what = self._what(module, call, qualname)
            if what is None:
                continue
            yield self.at_node(
                module, call,
                f"{what} runs every time MWAA parses this file (every 30 s, within a 30 s import "
                f"timeout): do it inside a task, or fetch the data in another DAG and read a file here")

    @staticmethod
    def _what(module: ModuleFacts, call: ast.Call, qualname: str | None) -> str | None:
        if qualname:
            if qualname.startswith("airflow.") and qualname.endswith(_VARIABLE_READS):
                return None  # MWA006
            if qualname.startswith("airflow.") and short_name(qualname) in ("get_connection",
                                                                          "get_connection_from_secrets"):
                conn = const_str(call.args[0]) if call.args else None
                return f"connection lookup {conn!r}" if conn else "a connection lookup"
            if _builds_lazy_client(qualname):
                return None
            return _io_call(qualname)
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in _HOOK_IO_METHODS:
            receiver = func.value
            if isinstance(receiver, ast.Call):
                name = short_name(module.qualname(receiver.func))
                if name.endswith("Hook"):
                    return f"{name}.{func.attr}()"
                receiver_name = module.qualname(receiver.func) or ""
                if receiver_name.startswith(("boto3.", "botocore.")):
                    return "an AWS API call"
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            # A method of a client built in place: ``httpx.Client().get(...)``.
            client = module.qualname(func.value.func) or ""
            if _builds_lazy_client(client):
                return _io_call(client)
        return None


def _io_call(qualname: str) -> str | None:
    """What a call does over the network (``an HTTP request``, ...), by its qualified name."""
    for prefix, what in _IO_CALLS:
        if qualname == prefix or (prefix.endswith(".") and qualname.startswith(prefix)):
            return what
    return None


def _builds_lazy_client(qualname: str) -> bool:
    """A class (or boto3 factory) of a library whose clients connect on first use."""
    leaf = short_name(qualname)
    return qualname.startswith(_LAZY_CLIENT_LIBRARIES) and (leaf[:1].isupper() or leaf in _CLIENT_FACTORIES)
