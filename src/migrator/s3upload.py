"""Upload a built bundle to the S3 bucket an MWAA environment reads, and say how to point the
environment at it.

MWAA requires the bucket to have versioning on and all public access blocked
(UG mwaa-s3-bucket); plugins.zip, requirements.txt and startup.sh are referenced by object
version (UG working-dags-dependencies), so the versions are what this module reports.

Objects carry the sha256 of their content in their metadata (``x-amz-meta-sha256``) and are
sent with an S3 SHA-256 checksum, which S3 verifies on receipt. An object whose stored sha256
matches is not sent again, which also makes an interrupted upload resumable: running again
sends only what is missing or changed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from migrator.bundle.model import DAGS, MANIFEST, MWAA_CONFIG, PLUGINS_ZIP, REQUIREMENTS, STARTUP
from migrator.errors import InputError, MigratorError
from migrator.report_file import write_report

# What MWAA reads from the bucket besides dags/; manifest.json and mwaa-config.json stay local
# (the configuration goes into the update-environment call instead). They are sent before
# dags/: they change nothing until update-environment points the environment at their new
# versions, whereas MWAA syncs dags/ within about 30 s (UG configuring-dag-folder).
VERSIONED_PARTS = (PLUGINS_ZIP, REQUIREMENTS, STARTUP)
DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes
# Requests in flight while sending dags/: S3 latency, not bandwidth, bounds many small files.
UPLOAD_WORKERS = 8
SHA256_METADATA = "sha256"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""  # no leading or trailing "/"

    @classmethod
    def parse(cls, url: str) -> S3Location:
        if not url.startswith("s3://"):
            raise InputError(f"{url}: an upload target is written s3://bucket/prefix")
        bucket, _, prefix = url[len("s3://"):].partition("/")
        prefix = prefix.strip("/")
        if not bucket or not _valid_bucket(bucket):
            raise InputError(f"{url}: {bucket!r} is not a valid S3 bucket name (3-63 lowercase "
                             "letters, digits, dots and hyphens)")
        if any(part in (".", "..") for part in prefix.split("/") if part) or "//" in prefix:
            raise InputError(f"{url}: the prefix must not contain '.', '..' or empty segments")
        return cls(bucket, prefix)

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def _valid_bucket(name: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    return (3 <= len(name) <= 63 and set(name) <= allowed and name[0].isalnum()
            and name[-1].isalnum() and ".." not in name)


class BucketNotReady(InputError):
    """The bucket exists but MWAA would refuse it; the message says what to run."""


@dataclass
class UploadResult:
    bucket: str
    prefix: str
    uploaded: list[str] = field(default_factory=list)  # keys
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    versions: dict[str, str | None] = field(default_factory=dict)
    not_uploaded: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # old objects under dags/ kept (no --delete)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "uploaded": self.uploaded,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "versions": self.versions,
        }
        if self.stale:
            document["stale"] = self.stale
        if not self.complete:
            document["error"] = self.error
            document["not_uploaded"] = self.not_uploaded
        return document


class UploadFailed(MigratorError):
    """The upload stopped part-way; ``result`` says what was and was not uploaded."""

    exit_code = 3

    def __init__(self, message: str, result: UploadResult) -> None:
        super().__init__(message)
        self.result = result


def make_s3_client(endpoint_url: str | None = None, region: str | None = None,
                   profile: str | None = None) -> Any:
    """A boto3 S3 client from the shared factory, which turns profile, region and endpoint
    problems into one-line input errors."""
    from migrator.aws import AwsOptions, client  # boto3 only when an upload is asked for

    return client("s3", AwsOptions(profile=profile, region=region, endpoint_url=endpoint_url))


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def check_bucket(client: Any, bucket: str) -> None:
    """Refuse a bucket MWAA cannot use, with the command that fixes it."""
    import botocore.exceptions

    try:
        versioning = client.get_bucket_versioning(Bucket=bucket)
    except botocore.exceptions.ClientError as exc:
        code = _error_code(exc)
        if code in ("NoSuchBucket", "404"):
            raise InputError(f"s3://{bucket}: bucket does not exist (create it in the "
                             "environment's Region, with versioning on and public access "
                             "blocked)") from None
        if code in ("AccessDenied", "403"):
            raise InputError(f"s3://{bucket}: access denied reading the bucket's versioning "
                             "(the uploader needs s3:GetBucketVersioning and "
                             "s3:GetBucketPublicAccessBlock)") from None
        raise
    except botocore.exceptions.NoCredentialsError:
        raise InputError("no AWS credentials found (set a profile with --profile, or the "
                         "AWS_* environment variables)") from None
    if versioning.get("Status") != "Enabled":
        raise BucketNotReady(
            f"s3://{bucket}: versioning is not enabled; MWAA requires it. Fix: aws s3api "
            f"put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled")
    fix = (f"aws s3api put-public-access-block --bucket {bucket} "
           "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
           "BlockPublicPolicy=true,RestrictPublicBuckets=true")
    try:
        block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except botocore.exceptions.ClientError as exc:
        if _error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
            raise BucketNotReady(f"s3://{bucket}: public access is not blocked; MWAA requires "
                                 f"it. Fix: {fix}") from None
        raise
    missing = [name for name in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                 "RestrictPublicBuckets") if not block.get(name)]
    if missing:
        raise BucketNotReady(f"s3://{bucket}: public access is not fully blocked ({', '.join(missing)} "
                             f"off); MWAA requires all four. Fix: {fix}")


@dataclass(frozen=True)
class LocalObject:
    rel: str  # path in the bundle: "dags/x.py", "plugins.zip", ...
    path: Path
    sha256: str
    size: int


def bundle_objects(bundle_dir: Path) -> list[LocalObject]:
    """The files of a bundle MWAA reads, checked against the bundle's manifest."""
    manifest_path = bundle_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        rows = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{manifest_path}: not a bundle manifest ({exc}); run "
                         "`migrator package` first") from None
    objects = []
    for row in rows:
        rel = row["path"]
        if "!" in rel or rel in (MWAA_CONFIG, MANIFEST):
            continue
        if not (rel.startswith(DAGS + "/") or rel in VERSIONED_PARTS):
            continue
        path = bundle_dir / rel
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != row["sha256"]:
            raise InputError(f"{path}: changed since the bundle was built (sha256 differs from "
                             f"{MANIFEST}); run `migrator package` again")
        objects.append(LocalObject(rel, path, digest, len(data)))
    order = {name: index for index, name in enumerate(VERSIONED_PARTS)}
    return sorted(objects, key=lambda o: (order.get(o.rel, len(order)), o.rel))


def _remote_sha256(client: Any, bucket: str, key: str) -> tuple[str | None, str | None]:
    """(sha256 stored in the object's metadata, version id), or (None, None) when absent."""
    import botocore.exceptions

    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None, None
        raise
    return head.get("Metadata", {}).get(SHA256_METADATA), head.get("VersionId")


class _DeleteFailed(Exception):
    """DeleteObjects answered with per-key errors."""


def _send(client: Any, location: S3Location, obj: LocalObject) -> tuple[str, str | None]:
    """Put ``obj`` unless S3 already holds the same content: ("uploaded"|"unchanged", version)."""
    key = location.key(obj.rel)
    remote_sha, version = _remote_sha256(client, location.bucket, key)
    if remote_sha == obj.sha256:
        return "unchanged", version
    with obj.path.open("rb") as body:
        response = client.put_object(
            Bucket=location.bucket, Key=key, Body=body,
            ChecksumSHA256=base64.b64encode(bytes.fromhex(obj.sha256)).decode(),
            Metadata={SHA256_METADATA: obj.sha256}, ContentType=_content_type(obj.rel))
    return "uploaded", response.get("VersionId")


def upload_bundle(bundle_dir: Path, location: S3Location, client: Any, *, delete: bool = False,
                  workers: int = UPLOAD_WORKERS,
                  progress: Callable[[str, str], None] | None = None) -> UploadResult:
    """Upload ``bundle_dir`` under ``location``. Raises UploadFailed (with what was done) when
    S3 fails part-way; BucketNotReady/InputError before anything is sent.

    plugins.zip, requirements.txt and startup.sh go first, one by one; then dags/ with
    ``workers`` requests in flight (boto3 clients are thread-safe). On the first failure no new
    request starts, the ones in flight finish, and the result lists what got through.
    """
    import botocore.exceptions

    failures = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OSError,
                _DeleteFailed)
    objects = bundle_objects(Path(bundle_dir))
    check_bucket(client, location.bucket)
    result = UploadResult(location.bucket, location.prefix)
    result.versions = {name: None for name in VERSIONED_PARTS}
    done: set[str] = set()

    def record(obj: LocalObject, outcome: str, version: str | None) -> None:
        key = location.key(obj.rel)
        (result.uploaded if outcome == "uploaded" else result.unchanged).append(key)
        if obj.rel in VERSIONED_PARTS:
            result.versions[obj.rel] = version
        done.add(key)
        if progress:
            progress(key, outcome)

    error: BaseException | None = None
    try:
        for obj in (o for o in objects if o.rel in VERSIONED_PARTS):
            record(obj, *_send(client, location, obj))
        dag_objects = [o for o in objects if o.rel not in VERSIONED_PARTS]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            pending = {pool.submit(_send, client, location, o): o for o in dag_objects}
            for future in as_completed(pending):
                if future.cancelled():  # never started: stays in not_uploaded
                    continue
                try:
                    record(pending[future], *future.result())
                except failures as exc:
                    error = error or exc
                    for other in pending:
                        other.cancel()
        if error is None:
            stale = _stale_dag_objects(client, location, {location.key(o.rel) for o in objects})
            if delete:
                _delete(client, location, stale, result)
            else:
                result.stale = stale
    except failures as exc:
        error = exc
    if error is not None:
        result.uploaded.sort(key=_upload_order)
        result.unchanged.sort(key=_upload_order)
        result.not_uploaded = [location.key(o.rel) for o in objects
                               if location.key(o.rel) not in done]
        result.error = f"{type(error).__name__}: {error}"
        raise UploadFailed(
            f"upload to {location.url} stopped: {result.error}; {len(result.uploaded)} object(s) "
            f"uploaded, {len(result.not_uploaded)} not; run the same command again to finish",
            result)
    result.uploaded.sort(key=_upload_order)
    result.unchanged.sort(key=_upload_order)
    return result


def _upload_order(key: str) -> tuple[int, str]:
    name = key.rsplit("/", 1)[-1] if "/dags/" not in f"/{key}" else ""
    order = VERSIONED_PARTS.index(name) if name in VERSIONED_PARTS else len(VERSIONED_PARTS)
    return order, key


def _delete(client: Any, location: S3Location, stale: list[str], result: UploadResult) -> None:
    for start in range(0, len(stale), DELETE_BATCH):
        batch = stale[start:start + DELETE_BATCH]
        response = client.delete_objects(
            Bucket=location.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise _DeleteFailed(f"{first.get('Key')}: {first.get('Code')} "
                                f"{first.get('Message', '')}".strip())
        result.deleted += batch


def _stale_dag_objects(client: Any, location: S3Location, current: set[str]) -> list[str]:
    """Keys under <prefix>/dags/ that the bundle no longer has (never anything outside it)."""
    dags_prefix = location.key(DAGS) + "/"
    stale = []
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=location.bucket, Prefix=dags_prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.startswith(dags_prefix) and key not in current:
                stale.append(key)
    return sorted(stale)


def _content_type(rel: str) -> str:
    suffix = PurePosixPath(rel).suffix
    return {".zip": "application/zip", ".json": "application/json", ".sh": "text/x-shellscript",
            ".txt": "text/plain", ".py": "text/x-python", ".sql": "text/plain"}.get(
                suffix, "application/octet-stream")


# -- pointing the environment at the upload --------------------------------------------------------


def _partition(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def update_environment_input(result: UploadResult, location: S3Location, environment: str,
                             config: dict[str, str], region: str | None = None) -> dict[str, Any]:
    """The ``--cli-input-json`` document of ``aws mwaa update-environment`` for this upload."""
    document: dict[str, Any] = {
        "Name": environment,
        "SourceBucketArn": f"arn:{_partition(region)}:s3:::{location.bucket}",
        "DagS3Path": location.key(DAGS),
    }
    fields = {PLUGINS_ZIP: "Plugins", REQUIREMENTS: "Requirements", STARTUP: "StartupScript"}
    for part, name in fields.items():
        version = result.versions.get(part)
        if version:
            document[f"{name}S3Path"] = location.key(part)
            document[f"{name}S3ObjectVersion"] = version
    if config:
        document["AirflowConfigurationOptions"] = dict(sorted(config.items()))
    return document


def update_environment_command(input_file: Path, region: str | None = None) -> str:
    parts = ["aws", "mwaa", "update-environment", "--cli-input-json", f"file://{input_file}"]
    if region:
        parts += ["--region", region]
    return shlex.join(parts)


def update_environment_flags(document: dict[str, Any], region: str | None = None) -> str:
    """The same call written as flags (configuration options stay in the JSON file: their
    values are marked sensitive by the MWAA API and may be long)."""
    flags = {"Name": "--name", "SourceBucketArn": "--source-bucket-arn",
             "DagS3Path": "--dag-s3-path", "PluginsS3Path": "--plugins-s3-path",
             "PluginsS3ObjectVersion": "--plugins-s3-object-version",
             "RequirementsS3Path": "--requirements-s3-path",
             "RequirementsS3ObjectVersion": "--requirements-s3-object-version",
             "StartupScriptS3Path": "--startup-script-s3-path",
             "StartupScriptS3ObjectVersion": "--startup-script-s3-object-version"}
    parts = ["aws", "mwaa", "update-environment"]
    for key, flag in flags.items():
        if key in document:
            parts += [flag, str(document[key])]
    if region:
        parts += ["--region", region]
    return shlex.join(parts)


def write_update_input(path: Path, document: dict[str, Any]) -> None:
    """Write the --cli-input-json file (as every report file is written)."""
    write_report(path, [json.dumps(document, indent=2, sort_keys=True), "\n"])
