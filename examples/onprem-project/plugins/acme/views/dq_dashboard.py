"""Store DQ dashboard: a Flask-AppBuilder view inside the Airflow UI.

Shows the last N days of data-quality results per table, read from the
``audit.dq_results`` table the DQ operators write to.
"""
from collections import OrderedDict, namedtuple
from datetime import date, timedelta

from flask import request
from flask_appbuilder import BaseView, expose

from airflow.hooks.postgres_hook import PostgresHook

DQ_SQL = """
SELECT table_name, run_date, row_count, failed, message
  FROM audit.dq_results
 WHERE run_date >= %(since)s
 ORDER BY table_name, run_date
"""

Result = namedtuple("Result", "row_count failed message")
EMPTY = Result(None, False, "no run")


class DataQualityDashboard(BaseView):
    """Registered by acme_plugin as Acme -> Store DQ."""

    route_base = "/acme/dq"
    default_view = "index"

    @expose("/")
    def index(self):
        days = min(int(request.args.get("days", 14)), 60)
        since = date.today() - timedelta(days=days - 1)
        day_list = [since + timedelta(days=i) for i in range(days)]

        hook = PostgresHook(postgres_conn_id="acme_dwh_postgres")
        records = hook.get_records(DQ_SQL, parameters={"since": since})

        by_table = OrderedDict()
        for table_name, run_date, row_count, failed, message in records:
            by_table.setdefault(table_name, {})[run_date] = Result(row_count, failed, message)

        rows = [
            (table, [results.get(day, EMPTY) for day in day_list])
            for table, results in by_table.items()
        ]
        return self.render_template(
            "dq_dashboard.html",
            rows=rows,
            days=days,
            day_labels=[d.strftime("%m-%d") for d in day_list],
        )
