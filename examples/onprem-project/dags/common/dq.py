"""Data-quality operators used by the warehouse DAGs.

Written before the SQL check operators were any good; still used because the
failure messages are what the analysts are used to.
"""
import logging

from airflow.exceptions import AirflowException
from airflow.hooks.postgres_hook import PostgresHook
from airflow.models import BaseOperator
from airflow.utils.decorators import apply_defaults
from airflow.utils.log.logging_mixin import LoggingMixin

log = logging.getLogger(__name__)


def row_count_between(count, min_rows, max_rows=None):
    """True when ``count`` is inside [min_rows, max_rows] (max optional)."""
    if count < min_rows:
        return False
    return max_rows is None or count <= max_rows


class RowCountCheckOperator(BaseOperator):
    """Fail when a table (or one partition of it) has too few or too many rows."""

    template_fields = ("table", "partition_filter")
    ui_color = "#fff4c2"

    @apply_defaults
    def __init__(
        self,
        conn_id,
        table,
        min_rows,
        max_rows=None,
        partition_filter=None,
        *args,
        **kwargs
    ):
        super(RowCountCheckOperator, self).__init__(*args, **kwargs)
        self.conn_id = conn_id
        self.table = table
        self.min_rows = min_rows
        self.max_rows = max_rows
        self.partition_filter = partition_filter

    def execute(self, context):
        sql = "SELECT COUNT(*) FROM {}".format(self.table)
        if self.partition_filter:
            sql += " WHERE {}".format(self.partition_filter)
        count = PostgresHook(postgres_conn_id=self.conn_id).get_first(sql)[0]
        log.info("%s: %s rows (expected %s..%s)", self.table, count, self.min_rows, self.max_rows)
        if not row_count_between(count, self.min_rows, self.max_rows):
            raise AirflowException(
                "Row count check failed for {}: {} rows, expected at least {}{}".format(
                    self.table,
                    count,
                    self.min_rows,
                    "" if self.max_rows is None else " and at most {}".format(self.max_rows),
                )
            )
        return count


class LockRetryMixin(LoggingMixin):
    """Retry a check while the warehouse holds a lock on the table (nightly vacuum)."""

    def __init__(self, lock_retries=3, *args, **kwargs):
        super(LockRetryMixin, self).__init__(*args, **kwargs)
        self.lock_retries = lock_retries


class LockAwareRowCountCheckOperator(LockRetryMixin, RowCountCheckOperator):
    """The row-count check, retried while the table is locked."""
