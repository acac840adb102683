"""Store-level data-quality check with CloudWatch metrics.

Wraps the row-count check from the DAG folder's common package and adds the
store-coverage check the replenishment team asked for: every open store must
appear in the table for the day. Results are also pushed to CloudWatch so the
ops dashboard can show DQ next to the infrastructure graphs.
"""
from airflow.contrib.hooks.aws_hook import AwsHook
from airflow.exceptions import AirflowException
from airflow.hooks.postgres_hook import PostgresHook

# Lives in dags/common/; importable because the DAG folder is on sys.path.
from common.alerts import notify_failure
from common.dq import RowCountCheckOperator

OPEN_STORES_SQL = """
SELECT store_id FROM dwh.dim_store WHERE is_open_on(DATE %(ds)s)
EXCEPT
SELECT DISTINCT store_id FROM {table} WHERE {date_column} = DATE %(ds)s
"""


class StoreDataQualityOperator(RowCountCheckOperator):
    """Row-count check plus "every open store is present" for one day."""

    template_fields = RowCountCheckOperator.template_fields + ("ds_value",)

    def __init__(self, date_column="business_date", ds_value="{{ ds }}", *args, **kwargs):
        kwargs.setdefault("on_failure_callback", notify_failure)
        super(StoreDataQualityOperator, self).__init__(*args, **kwargs)
        self.date_column = date_column
        self.ds_value = ds_value

    def _publish(self, name, value):
        cloudwatch = AwsHook(aws_conn_id="aws_default").get_client_type("cloudwatch")
        cloudwatch.put_metric_data(
            Namespace="Acme/DataQuality",
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": "Table", "Value": self.table}],
                    "Value": value,
                }
            ],
        )

    def execute(self, context):
        rows = super(StoreDataQualityOperator, self).execute(context)
        self._publish("RowCount", rows)

        hook = PostgresHook(postgres_conn_id=self.conn_id)
        sql = OPEN_STORES_SQL.format(table=self.table, date_column=self.date_column)
        missing = [r[0] for r in hook.get_records(sql, parameters={"ds": self.ds_value})]
        self._publish("MissingStores", len(missing))
        if missing:
            raise AirflowException(
                "{} open stores missing from {} on {}: {}".format(
                    len(missing), self.table, self.ds_value, ", ".join(map(str, missing[:20]))
                )
            )
        return rows
