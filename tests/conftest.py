"""Shared fixtures: paths to the repo, ../shared, and a helper that writes tiny projects."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared").resolve()
EXAMPLE_PROJECT = REPO / "examples" / "onprem-project"


def pytest_addoption(parser):
    parser.addoption("--snapshot-update", action="store_true",
                     help="rewrite tests/snapshots/ from this run's scans instead of comparing with them")


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(autouse=True, scope="session")
def isolated_scan_cache(tmp_path_factory):
    """Keep the tests' scan caches out of the user's cache; only the scan folder moves, so the
    Airflow venvs (minutes to build) stay in the shared cache and are reused across runs."""
    import os

    from migrator.cache import SCAN_CACHE_ENV_VAR

    os.environ[SCAN_CACHE_ENV_VAR] = str(tmp_path_factory.mktemp("scan-cache"))


@pytest.fixture(autouse=True, scope="session")
def interrupts_as_a_terminal_sends_them():
    """Python's Ctrl-C handling, which the interrupt tests exercise: a suite started in the
    background by a non-interactive shell (`.ci/run &`, nohup) inherits SIGINT ignored, and
    Python then keeps ignoring it, so a raised SIGINT would do nothing."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def offline_unless_marked(request, monkeypatch):
    """Only tests marked ``network`` or ``airflow`` may reach the package index: the others run
    with the tool's offline switch, so that they give the same answer on a machine without it."""
    from migrator.analysis.requirements import OFFLINE_ENV

    if not any(request.node.get_closest_marker(mark) for mark in ("network", "airflow")):
        monkeypatch.setenv(OFFLINE_ENV, "1")


@pytest.fixture
def make_project(tmp_path):
    """Write ``{relative path: content}`` under a fresh folder and return its root."""
    counter = iter(range(1_000_000))

    def make(files: dict[str, str | bytes]) -> Path:
        return write_files(tmp_path / f"project{next(counter)}", files)

    return make


@pytest.fixture
def count_calls(monkeypatch):
    """``count_calls(owner, name)`` wraps ``owner.name`` for the test and returns the list it
    appends to on each call (a memo's tests: how many runs were done afresh)."""
    def install(owner, name: str) -> list[int]:
        calls: list[int] = []
        real = getattr(owner, name)

        def counting(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)
        return calls

    return install


@pytest.fixture(scope="session")
def moto_server():
    """A real moto HTTP server on 127.0.0.1 (S3, Secrets Manager, ...): yields its endpoint URL."""
    import os
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="us-east-1")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def moto_reset(moto_server):
    """Reset moto's state so each test starts with an empty account."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")).read()
    return moto_server
