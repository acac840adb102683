"""SFTP -> S3 copy for vendor drops.

Predates the transfer operator in the amazon provider, and does two things
that one does not: it stages through a local directory (the vendor SFTP
servers drop connections on large files, so we resume from the local copy)
and it can delete the remote file only after the S3 upload is verified.
"""
import hashlib
import os

from airflow.contrib.hooks.sftp_hook import SFTPHook
from airflow.hooks.S3_hook import S3Hook
from airflow.models import BaseOperator
from airflow.utils.decorators import apply_defaults


def _md5(path, chunk=1024 * 1024):
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


class SftpToS3Operator(BaseOperator):
    """Copy one file from an SFTP server to S3, staging it on local disk."""

    template_fields = ("remote_path", "s3_bucket", "s3_key")
    ui_color = "#e8d5f5"

    @apply_defaults
    def __init__(
        self,
        sftp_conn_id,
        remote_path,
        s3_bucket,
        s3_key,
        aws_conn_id="aws_default",
        staging_dir="/data/tmp/sftp_staging",
        delete_remote=False,
        *args,
        **kwargs
    ):
        super(SftpToS3Operator, self).__init__(*args, **kwargs)
        self.sftp_conn_id = sftp_conn_id
        self.remote_path = remote_path
        self.s3_bucket = s3_bucket
        self.s3_key = s3_key
        self.aws_conn_id = aws_conn_id
        self.staging_dir = staging_dir
        self.delete_remote = delete_remote

    def execute(self, context):
        local_path = os.path.join(self.staging_dir, os.path.basename(self.remote_path))
        if not os.path.exists(self.staging_dir):
            os.makedirs(self.staging_dir)

        sftp = SFTPHook(ftp_conn_id=self.sftp_conn_id)
        if not os.path.exists(local_path):
            self.log.info("Downloading %s to %s", self.remote_path, local_path)
            sftp.retrieve_file(self.remote_path, local_path)
        else:
            self.log.info("Reusing staged copy %s", local_path)

        s3 = S3Hook(aws_conn_id=self.aws_conn_id)
        s3.load_file(local_path, self.s3_key, bucket_name=self.s3_bucket, replace=True)

        etag = s3.get_key(self.s3_key, self.s3_bucket).e_tag.strip('"')
        if etag != _md5(local_path):
            raise ValueError("Checksum mismatch after upload of {}".format(self.s3_key))

        if self.delete_remote:
            sftp.delete_file(self.remote_path)
        os.remove(local_path)
        return "s3://{}/{}".format(self.s3_bucket, self.s3_key)
