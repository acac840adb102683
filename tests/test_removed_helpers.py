"""compat's definitions of removed Airflow functions do what the functions did (API002 writes
them in place of the import: ``define-removed-helper``)."""

from __future__ import annotations

import http.server
import json
import posixpath
import threading
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from migrator.compat import removed_helper

MAKE_DIRS = "airflow.contrib.operators.sftp_operator._make_intermediate_dirs"


class FakeSftp:
    """paramiko's SFTPClient as the helper uses it: chdir into existing folders (OSError else),
    mkdir relative to the working folder."""

    def __init__(self, existing=()):
        self.folders = {"/", *existing}
        self.cwd = "/"
        self.made = []

    def _path(self, path):
        return posixpath.normpath(posixpath.join(self.cwd, path))

    def chdir(self, path):
        target = self._path(path)
        if target not in self.folders:
            raise OSError(2, "No such file", path)
        self.cwd = target

    def mkdir(self, path):
        target = self._path(path)
        self.folders.add(target)
        self.made.append(target)


@pytest.fixture
def make_dirs():
    namespace = {}
    exec(removed_helper(MAKE_DIRS).definition, namespace)  # noqa: S102 - the tool's own data
    return namespace["_make_intermediate_dirs"]


def test_missing_folders_are_made_parent_first_and_the_client_ends_in_the_path(make_dirs):
    client = FakeSftp(existing={"/data"})
    make_dirs(client, "/data/in/2024/")
    assert client.made == ["/data/in", "/data/in/2024"]
    assert client.cwd == "/data/in/2024"


def test_an_existing_path_makes_nothing_and_the_root_and_empty_path_are_no_ops(make_dirs):
    client = FakeSftp(existing={"/data", "/data/in"})
    make_dirs(client, "/data/in")
    assert client.made == [] and client.cwd == "/data/in"
    make_dirs(client, "/")
    assert client.cwd == "/"
    make_dirs(client, "")
    assert client.made == [] and client.cwd == "/"


def test_a_relative_path_is_made_under_the_working_folder(make_dirs):
    client = FakeSftp(existing={"/home", "/home/etl"})
    client.cwd = "/home/etl"
    make_dirs(client, "out/day")
    assert client.made == ["/home/etl/out", "/home/etl/out/day"]


# -- trigger_dag: the experimental API's, through MWAA's InvokeRestApi ---------------------------

TRIGGER_DAG = "airflow.api.common.experimental.trigger_dag.trigger_dag"


class _InvokeRestApi(http.server.BaseHTTPRequestHandler):
    """MWAA's InvokeRestApi endpoint as boto3 calls it: records each request, answers with a DAG run."""

    requests: ClassVar[list] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((self.path, body))
        answer = json.dumps({"RestApiStatusCode": 200, "RestApiResponse": {"dag_run_id": "from-api"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def mwaa_endpoint(monkeypatch):
    """boto3's mwaa client pointed at a recording server on 127.0.0.1, as an MWAA worker's would be at
    the service (AIRFLOW_ENV_NAME is what MWAA sets); the host prefix InvokeRestApi adds is turned off
    since 127.0.0.1 has no env. subdomain."""
    _InvokeRestApi.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _InvokeRestApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AIRFLOW_ENV_NAME", "etl-prod")
    yield _InvokeRestApi.requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def trigger_dag():
    namespace = {}
    exec(removed_helper(TRIGGER_DAG).definition, namespace)  # noqa: S102 - the tool's own data
    return namespace["trigger_dag"]


def test_trigger_dag_posts_the_run_to_the_environments_rest_api(mwaa_endpoint, trigger_dag):
    when = datetime(2024, 5, 1, 6, 30, 15, 123456, tzinfo=UTC)
    answer = trigger_dag(dag_id="load", run_id="manual__pkg_1", conf={"pkg": "a.zip"}, execution_date=when,
                         replace_microseconds=False)
    assert answer == {"dag_run_id": "from-api"}
    [(path, body)] = mwaa_endpoint
    assert path == "/restapi/etl-prod"
    assert body == {"Path": "/dags/load/dagRuns", "Method": "POST",
                    "Body": {"logical_date": "2024-05-01T06:30:15.123456+00:00", "conf": {"pkg": "a.zip"},
                             "dag_run_id": "manual__pkg_1"}}


def test_trigger_dag_keeps_the_old_defaults_now_without_microseconds_and_conf_as_json_text(
        mwaa_endpoint, trigger_dag):
    before = datetime.now(UTC).replace(microsecond=0)
    trigger_dag(dag_id="load", conf='{"day": "2024-05-01"}')
    trigger_dag(dag_id="load", execution_date=datetime(2024, 5, 1, 6, 0, 0, 500))  # naive: UTC, as Airflow's default
    [(_, first), (_, second)] = mwaa_endpoint
    assert first["Body"]["conf"] == {"day": "2024-05-01"} and "dag_run_id" not in first["Body"]
    started = datetime.fromisoformat(first["Body"]["logical_date"])
    assert started.microsecond == 0 and before <= started <= datetime.now(UTC)
    assert second["Body"] == {"logical_date": "2024-05-01T06:00:00+00:00", "conf": {}}
