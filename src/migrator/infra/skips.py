"""The checkov checks the generated bucket does not meet on purpose, each with its reason. Both
renderers write them as inline skips (CloudFormation ``Metadata``, Terraform ``#checkov:skip``
comments), so a team's own checkov run reads why instead of a failure."""

from __future__ import annotations

# (check id, reason); checkov 3.3.
BUCKET_SKIPS: tuple[tuple[str, str], ...] = (
    ("CKV_AWS_18", ("server access logging needs a second bucket to write to; the bundle bucket holds "
                   "code and configuration whose changes S3 versioning and CloudTrail record")),
    ("CKV_AWS_144", ("no cross-Region replica: the bundle is rebuilt from the repository by "
                    "migrator package, and MWAA reads it only in the environment's Region")),
    ("CKV_AWS_145", ("SSE-S3 on purpose: the execution role reads the bundle without a KMS grant; "
                    "SSE-KMS needs the customer-managed-key variant of the role (MWAA UG mwaa-create-role)")),
    ("CKV2_AWS_62", ("no event notifications: nothing consumes the bundle's uploads; MWAA reads the "
                    "object versions the environment names")),
)

LOG_GROUP_SKIPS: tuple[tuple[str, str], ...] = (
    ("CKV_AWS_158", ("CloudWatch Logs' own encryption: a KMS key needs a key policy for the logs service, "
                    "which the environment's customer-managed-key variant would bring")),
)
REPOSITORY_SKIPS: tuple[tuple[str, str], ...] = (
    ("CKV_AWS_51", ("tags stay mutable: the DAGs name images by tag (often latest), which a rebuild pushes "
                   "again under the same tag")),
    ("CKV_AWS_136", ("ECR's AES-256 encryption: a KMS key would need grants for the task execution role, "
                    "as the environment's customer-managed-key variant")),
)
TASK_DEFINITION_SKIPS: tuple[tuple[str, str], ...] = (
    ("CKV_AWS_336", ("the root filesystem stays writable: the images were built for Docker, where it is, "
                    "and may write there")),
)
VPC_SKIPS: tuple[tuple[str, str], ...] = (
    ("CKV2_AWS_11", ("no flow logs: the VPC has no route to the internet, only to AWS services through its "
                    "endpoints; add a flow log when your network policy asks for one")),
)
ZONES_SKIPS: tuple[tuple[str, str], ...] = (
    ("CKV_AWS_394", ("the subnets take the first two zones of the Region by position; a zone AWS adds "
                    "later does not change them, and zone names differ per Region and account")),
)
