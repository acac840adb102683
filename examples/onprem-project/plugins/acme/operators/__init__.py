"""Custom operators. Import them from here or, on 1.10, via airflow.operators.acme_plugin."""
from acme.operators.sftp_to_s3 import SftpToS3Operator
from acme.operators.store_dq import StoreDataQualityOperator

__all__ = ["SftpToS3Operator", "StoreDataQualityOperator"]
