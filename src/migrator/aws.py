"""boto3 sessions and clients for the commands that talk to AWS (Secrets Manager, S3).

One place turns ``--profile``, ``--region`` and ``--endpoint-url`` into clients, and turns
boto3's configuration errors into one-line input errors (no traceback, no credentials).
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.errors import InputError, MigratorError
from migrator.secrets import mask

DEFAULT_RETRIES = {"max_attempts": 3, "mode": "standard"}


class AwsError(MigratorError):
    """An AWS call failed; the message names the operation and AWS's error code.

    Exit code 2: the cause is outside the tool (credentials, permissions, network).
    """

    exit_code = 2


@dataclass(frozen=True)
class AwsOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None


def session(options: AwsOptions):
    """A boto3 session for ``options.profile`` (the default chain when None)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(profile_name=options.profile, region_name=options.region)
    except ProfileNotFound:
        raise InputError(f"AWS profile {options.profile!r} not found in the AWS config files") from None


def client(service: str, options: AwsOptions):
    """A boto3 client for ``service``, honouring the endpoint override (moto, LocalStack, VPC)."""
    from botocore.config import Config
    from botocore.exceptions import NoRegionError

    active = session(options)
    try:
        return active.client(service, endpoint_url=options.endpoint_url,
                             config=Config(retries=DEFAULT_RETRIES, user_agent_extra="mwaa-migrator"))
    except NoRegionError:
        raise InputError("no AWS region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION") from None
    except ValueError as exc:  # e.g. an invalid endpoint URL
        raise InputError(f"cannot create the {service} client: {mask(str(exc))}") from None


def describe_error(exc: Exception, operation: str) -> AwsError:
    """A one-line error for a failed AWS call (never including request parameters)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return AwsError(f"{operation}: no AWS credentials (set a profile with --profile or the AWS_* variables)")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return AwsError(f"{operation}: {error.get('Code', 'error')}: {mask(str(error.get('Message', '')))}")
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{operation}: {mask(str(exc))}")
    return AwsError(f"{operation}: {type(exc).__name__}")
