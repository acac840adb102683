"""Upload of a bundle to a real S3 API: moto's HTTP server on 127.0.0.1 (fixture in conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import pytest
from migrator.compat import get_version

from migrator.bundle.build import build_bundle
from migrator.cli import main
from migrator.config import Settings
from migrator.engine import scan
from migrator.errors import InputError
from migrator.s3upload import (
    BucketNotReady,
    S3Location,
    UploadFailed,
    make_s3_client,
    update_environment_input,
    upload_bundle,
)

PROJECT = {
    "dags/sales.py": (
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "from helpers.util import label\n"
        "with DAG('sales', start_date=datetime(2024, 1, 1), schedule=None):\n"
        "    pass\n"
    ),
    "dags/orders.py": (
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "with DAG('orders', start_date=datetime(2024, 1, 1), schedule=None):\n"
        "    pass\n"
    ),
    "dags/helpers/__init__.py": "",
    "dags/helpers/util.py": "def label():\n    return 'x'\n",
    "dags/sql/report.sql": "select 1;\n",
    "plugins/acme_plugin.py": "VALUE = 1\n",
    "requirements.txt": "requests==2.32.3\n",
}


@pytest.fixture
def s3(moto_reset):
    return make_s3_client(endpoint_url=moto_reset, region="us-east-1")


@pytest.fixture
def bucket(s3):
    """A bucket MWAA accepts: versioning on, every public access block set."""
    s3.create_bucket(Bucket="mwaa-bundles")
    s3.put_bucket_versioning(Bucket="mwaa-bundles",
                             VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket="mwaa-bundles", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    return "mwaa-bundles"


@pytest.fixture
def bundle_dir(make_project, tmp_path):
    root = make_project(PROJECT)
    out = tmp_path / "bundle"
    build_bundle(scan(root, Settings(), get_version("3.3.1")), out)
    return out


def _reader(endpoint: str):
    """An independent boto3 client, to read back what the uploader wrote."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        config=botocore.config.Config(s3={"addressing_style": "path"}))


def test_upload_writes_every_object_with_sha256_metadata_and_versions(bucket, bundle_dir,
                                                                      moto_reset, s3):
    location = S3Location.parse("s3://mwaa-bundles/envs/prod")
    result = upload_bundle(bundle_dir, location, s3)

    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    expected = sorted(f"envs/prod/{row['path']}" for row in manifest["files"]
                      if "!" not in row["path"] and row["path"] not in
                      ("mwaa-config.json", "manifest.json"))
    assert sorted(result.uploaded) == expected
    assert result.unchanged == [] and result.deleted == []
    # The versioned parts go first: they change nothing until update-environment uses them.
    assert result.uploaded[:2] == ["envs/prod/plugins.zip", "envs/prod/requirements.txt"]

    reader = _reader(moto_reset)
    for row in manifest["files"]:
        key = f"envs/prod/{row['path']}"
        if key not in expected:
            continue
        obj = reader.get_object(Bucket=bucket, Key=key)
        body = obj["Body"].read()
        assert body == (bundle_dir / row["path"]).read_bytes()
        assert obj["Metadata"]["sha256"] == row["sha256"]
    for part in ("plugins.zip", "requirements.txt"):
        versions = reader.list_object_versions(Bucket=bucket, Prefix=f"envs/prod/{part}")
        assert result.versions[part] == versions["Versions"][0]["VersionId"]
        assert result.versions[part]
    assert result.versions["startup.sh"] is None  # the bundle has none
    listed = reader.list_objects_v2(Bucket=bucket)["Contents"]
    assert all(item["Key"].startswith("envs/prod/") for item in listed)


def test_second_upload_uploads_nothing(bucket, bundle_dir, s3):
    location = S3Location.parse("s3://mwaa-bundles/envs/prod")
    first = upload_bundle(bundle_dir, location, s3)
    second = upload_bundle(bundle_dir, location, s3)
    assert second.uploaded == []
    assert sorted(second.unchanged) == sorted(first.uploaded)
    assert second.versions == first.versions


def test_versioning_off_is_refused_with_the_fix(s3, bundle_dir):
    s3.create_bucket(Bucket="unversioned")
    s3.put_public_access_block(Bucket="unversioned", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    with pytest.raises(BucketNotReady) as caught:
        upload_bundle(bundle_dir, S3Location.parse("s3://unversioned"), s3)
    assert "versioning" in str(caught.value)
    assert "put-bucket-versioning --bucket unversioned" in str(caught.value)
    assert "Contents" not in s3.list_objects_v2(Bucket="unversioned")


def test_suspended_versioning_is_refused(s3, bundle_dir):
    s3.create_bucket(Bucket="suspended")
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(BucketNotReady, match="versioning is not enabled"):
        upload_bundle(bundle_dir, S3Location.parse("s3://suspended"), s3)


def test_public_access_not_blocked_is_refused(s3, bundle_dir):
    s3.create_bucket(Bucket="public")
    s3.put_bucket_versioning(Bucket="public", VersioningConfiguration={"Status": "Enabled"})
    with pytest.raises(BucketNotReady) as caught:
        upload_bundle(bundle_dir, S3Location.parse("s3://public"), s3)
    assert "public access is not blocked" in str(caught.value)
    assert "put-public-access-block --bucket public" in str(caught.value)


def test_partly_blocked_public_access_names_what_is_off(s3, bundle_dir):
    s3.create_bucket(Bucket="partly")
    s3.put_bucket_versioning(Bucket="partly", VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket="partly", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    with pytest.raises(BucketNotReady, match="BlockPublicPolicy, RestrictPublicBuckets"):
        upload_bundle(bundle_dir, S3Location.parse("s3://partly"), s3)


def test_missing_bucket_is_an_input_error(s3, bundle_dir):
    with pytest.raises(InputError, match="does not exist"):
        upload_bundle(bundle_dir, S3Location.parse("s3://no-such-bucket"), s3)


@pytest.mark.parametrize("workers", [1, 8])
def test_fault_mid_upload_is_reported_and_a_rerun_completes(bucket, bundle_dir, s3, moto_reset,
                                                            workers):
    location = S3Location.parse("s3://mwaa-bundles/prod")
    puts = []

    def network_down_from_third_put(**kwargs):
        # Every attempt fails once the "network" is down, so botocore's retries give up too.
        puts.append(1)
        if len(puts) >= 3:
            raise botocore.exceptions.EndpointConnectionError(endpoint_url=moto_reset)

    s3.meta.events.register("before-send.s3.PutObject", network_down_from_third_put)
    with pytest.raises(UploadFailed) as caught:
        upload_bundle(bundle_dir, location, s3, workers=workers)
    s3.meta.events.unregister("before-send.s3.PutObject", network_down_from_third_put)
    assert len(puts) > 3  # the failing put was retried before the upload gave up
    partial = caught.value.result
    assert not partial.complete
    assert len(partial.uploaded) == 2
    assert partial.not_uploaded and partial.not_uploaded[0] not in partial.uploaded
    assert set(partial.uploaded).isdisjoint(partial.not_uploaded)
    assert "run the same command again" in str(caught.value)
    stored = {i["Key"] for i in _reader(moto_reset).list_objects_v2(Bucket=bucket)["Contents"]}
    assert stored == set(partial.uploaded)

    rerun = upload_bundle(bundle_dir, location, s3)
    assert rerun.complete
    assert sorted(rerun.unchanged) == sorted(partial.uploaded)
    assert sorted(rerun.uploaded) == sorted(partial.not_uploaded)
    stored = {i["Key"] for i in _reader(moto_reset).list_objects_v2(Bucket=bucket)["Contents"]}
    assert stored == set(partial.uploaded) | set(partial.not_uploaded)


def test_delete_removes_stale_dag_objects_only_under_the_dags_prefix(bucket, bundle_dir, s3,
                                                                     moto_reset):
    location = S3Location.parse("s3://mwaa-bundles/prod")
    for key in ("prod/dags/old_dag.py", "prod/dags/retired/x.sql", "prod/notes.txt",
                "prod/dagsbackup/keep.py", "other/dags/keep.py"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"old")
    kept = upload_bundle(bundle_dir, location, s3)
    assert kept.deleted == []
    assert kept.stale == ["prod/dags/old_dag.py", "prod/dags/retired/x.sql"]

    result = upload_bundle(bundle_dir, location, s3, delete=True)
    assert result.deleted == ["prod/dags/old_dag.py", "prod/dags/retired/x.sql"]
    assert result.uploaded == []
    remaining = {i["Key"] for i in _reader(moto_reset).list_objects_v2(Bucket=bucket)["Contents"]}
    assert {"prod/notes.txt", "prod/dagsbackup/keep.py", "other/dags/keep.py"} <= remaining
    assert not remaining & {"prod/dags/old_dag.py", "prod/dags/retired/x.sql"}


def test_changed_bundle_file_is_refused_before_sending(bucket, bundle_dir, s3):
    (bundle_dir / "dags" / "orders.py").write_text("tampered\n")
    with pytest.raises(InputError, match="changed since the bundle was built"):
        upload_bundle(bundle_dir, S3Location.parse("s3://mwaa-bundles"), s3)


def test_update_environment_input_points_at_the_uploaded_versions(bucket, bundle_dir, s3):
    location = S3Location.parse("s3://mwaa-bundles/prod")
    result = upload_bundle(bundle_dir, location, s3)
    document = update_environment_input(result, location, "prod-airflow",
                                        {"core.lazy_load_plugins": "False"}, "eu-west-1")
    assert document == {
        "Name": "prod-airflow",
        "SourceBucketArn": "arn:aws:s3:::mwaa-bundles",
        "DagS3Path": "prod/dags",
        "PluginsS3Path": "prod/plugins.zip",
        "PluginsS3ObjectVersion": result.versions["plugins.zip"],
        "RequirementsS3Path": "prod/requirements.txt",
        "RequirementsS3ObjectVersion": result.versions["requirements.txt"],
        "AirflowConfigurationOptions": {"core.lazy_load_plugins": "False"},
    }


@pytest.mark.parametrize("url", ["bucket", "s3://", "s3://UPPER/x", "s3://ok-bucket/a/../b"])
def test_bad_upload_urls_are_input_errors(url):
    with pytest.raises(InputError):
        S3Location.parse(url)


def test_cli_upload_json_and_rerun(bucket, make_project, tmp_path, moto_reset, capsys):
    root = make_project(PROJECT)
    out = tmp_path / "out"
    args = ["package", str(root), "--out", str(out), "--target", "3.3.1", "--format", "json",
            "--upload", "s3://mwaa-bundles/team", "--endpoint-url", moto_reset,
            "--region", "us-east-1", "--environment", "team-env"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["bucket"] == "mwaa-bundles" and first["prefix"] == "team"
    assert "team/plugins.zip" in first["uploaded"] and first["unchanged"] == []
    assert set(first["versions"]) == {"plugins.zip", "requirements.txt", "startup.sh"}
    input_file = Path(first["update_environment"]["cli_input_json"])
    document = json.loads(input_file.read_text())
    assert document["Name"] == "team-env"
    assert document["PluginsS3ObjectVersion"] == first["versions"]["plugins.zip"]

    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["uploaded"] == []
    assert sorted(second["unchanged"]) == sorted(first["uploaded"])


def test_cli_text_upload_prints_versions_and_the_command(bucket, make_project, tmp_path,
                                                         moto_reset, capsys):
    root = make_project(PROJECT)
    out = tmp_path / "out"
    code = main(["package", str(root), "--out", str(out), "--target", "3.3.1",
                 "--upload", "s3://mwaa-bundles/team", "--endpoint-url", moto_reset,
                 "--region", "us-east-1"])
    text = capsys.readouterr().out
    assert code == 0
    version = _reader(moto_reset).head_object(Bucket=bucket, Key="team/plugins.zip")["VersionId"]
    assert version in text
    assert "aws mwaa update-environment --cli-input-json file://" in text
    assert "--plugins-s3-object-version " + version in text


def test_cli_refused_bucket_exits_2_without_success(make_project, tmp_path, moto_reset, s3,
                                                    capsys):
    s3.create_bucket(Bucket="loose")
    root = make_project(PROJECT)
    code = main(["package", str(root), "--out", str(tmp_path / "out"), "--upload", "s3://loose",
                 "--endpoint-url", moto_reset, "--region", "us-east-1"])
    captured = capsys.readouterr()
    assert code == 2
    assert "versioning is not enabled" in captured.err
    assert "uploaded" not in captured.out.lower()


def test_cli_failed_upload_reports_what_was_sent_and_exits_3(bucket, make_project, tmp_path,
                                                            moto_reset, monkeypatch, capsys):
    import migrator.cli.package as package_cli

    def failing_client(endpoint_url, region, profile):
        client = make_s3_client(endpoint_url, region, profile)

        def network_down(**kwargs):
            raise botocore.exceptions.EndpointConnectionError(endpoint_url=endpoint_url)

        client.meta.events.register("before-send.s3.PutObject", network_down)
        return client

    monkeypatch.setattr(package_cli, "make_s3_client", failing_client)
    root = make_project(PROJECT)
    code = main(["package", str(root), "--out", str(tmp_path / "out"), "--upload",
                 "s3://mwaa-bundles/p", "--endpoint-url", moto_reset, "--region", "us-east-1"])
    captured = capsys.readouterr()
    assert code == 3
    assert "Upload incomplete" in captured.out and "not uploaded (" in captured.out
    assert "Uploaded to" not in captured.out and "Ready" not in captured.out
    assert "run the same command again" in captured.err
    assert not (tmp_path / "out-update-environment.json").exists()
