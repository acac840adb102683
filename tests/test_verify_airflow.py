"""verify against a real Apache Airflow (2.11.2 and 3.3.1) installed in cached venvs.

The venvs are built with the MWAA constraint files in ../shared/mwaa-data (beside the repo in
CI) and kept in the user cache (``$MWAA_MIGRATOR_CACHE`` or ``~/.cache/mwaa-migrator``), so a
rerun reuses them: the first run installs Airflow (about a minute per version here), later runs
only start it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT, SHARED, write_files

from migrator.airflow_env import ensure_airflow_env
from migrator.cli import main
from migrator.config import Settings
from migrator.verify import RESULTS_FILE, load_dags, verify_project

pytestmark = pytest.mark.airflow

TARGETS = ("2.11.2", "3.3.1")
LEGACY_IMPORT = "from airflow.operators.bash_operator import"


def constraints(version: str) -> Path:
    return SHARED / "mwaa-data" / version / "airflow_constraints.txt"


@pytest.fixture(scope="module", params=TARGETS)
def airflow(request):
    """The cached Airflow venv of each target."""
    version = request.param
    started = time.perf_counter()
    env = ensure_airflow_env(version, constraints(version))
    print(f"\nAirflow {version} venv: {'built' if env.created else 'reused'} in "
          f"{time.perf_counter() - started:.1f} s ({env.root})")
    return env


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of the bundled example, so nothing a run leaves behind lands in the repo."""
    root = tmp_path / "onprem-project"
    shutil.copytree(EXAMPLE_PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))
    return root


def legacy_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "dags").glob("*.py")
                  if LEGACY_IMPORT in p.read_text(encoding="utf-8"))


# -- the example project -----------------------------------------------------------------------------


def test_example_legacy_dags_fail_on_331_with_the_real_import_error(example):
    result = verify_project(example, target="3.3.1", constraints=constraints("3.3.1"), requirements=None)
    assert result.environment.airflow_version == "3.3.1"
    by_path = {f.path: f for f in result.files}
    legacy = legacy_files(example)
    assert legacy, "the example has DAGs importing airflow.operators.bash_operator"
    for path in legacy:
        assert by_path[path].status == "import_error", path
    rollup = by_path["dags/daily_sales_rollup.py"]
    assert rollup.error == "ModuleNotFoundError: No module named 'airflow.operators.bash_operator'"
    source = (example / rollup.path).read_text(encoding="utf-8").splitlines()
    assert LEGACY_IMPORT in source[rollup.line - 1]
    # .airflowignore keeps dags/common/ out, as Airflow itself would.
    assert not any(path.startswith("dags/common/") for path in by_path)
    assert not list(example.rglob("__pycache__"))


def test_example_on_2112_imports_the_legacy_paths_with_deprecation_warnings(example):
    result = verify_project(example, target="2.11.2", constraints=constraints("2.11.2"), requirements=None)
    by_path = {f.path: f for f in result.files}
    rollup = by_path["dags/daily_sales_rollup.py"]
    assert "bash_operator" not in (rollup.error or "")  # the 2.x shim still resolves it
    messages = [w.message for w in rollup.warnings if w.path == rollup.path]
    assert any("airflow.operators.bash_operator.BashOperator" in m and "deprecated" in m for m in messages)
    assert any(f.status == "loaded" and f.dag_ids for f in result.files)


def test_cli_json_is_sorted_relative_and_carried_into_scan(example, capsys):
    args = ["verify", str(example), "--target", "3.3.1", "--constraints", str(constraints("3.3.1")),
            "--no-requirements", "-f", "json", "-o", str(example / RESULTS_FILE), "-q"]
    assert main(args) == 1  # import errors are errors
    text = (example / RESULTS_FILE).read_text(encoding="utf-8")
    document = json.loads(text)
    paths = [f["path"] for f in document["files"]]
    assert paths == sorted(paths) and all(not p.startswith("/") for p in paths)
    files_text = json.dumps(document["files"])  # environment notes may name an interpreter's path
    assert str(example) not in files_text and str(Path.home()) not in files_text
    assert document["target"]["airflow_version"] == "3.3.1"
    assert document["summary"]["files"] == len(paths)
    assert document["summary"]["import_error"] == sum(f["status"] == "import_error" for f in document["files"])
    capsys.readouterr()
    # A plain scan of the project now reports what verify saw, for the files it saw.
    assert main(["scan", str(example), "--target", "3.3.1", "--select", "MIG1", "-f", "json", "--no-cache"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    errors = {f["path"] for f in findings if f["rule"] == "MIG101"}
    assert errors == {f["path"] for f in document["files"] if f["status"] == "import_error"}


def test_scan_verify_merges_fresh_findings(example, capsys):
    for requirements in example.glob("requirements*.txt"):
        requirements.unlink()  # the example's 1.10 requirements are verify's business, not this test's
    shutil.copy(constraints("3.3.1"), example / "constraints-3.12.txt")
    (example / ".migrator.toml").write_text(
        'target = "3.3.1"\nconstraints = "constraints-3.12.txt"\n', encoding="utf-8")
    code = main(["scan", str(example), "--verify", "--select", "MIG101", "-f", "json", "-q", "--no-cache"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    messages = [f["message"] for f in document["findings"] if f["path"] == "dags/daily_sales_rollup.py"]
    assert messages == [("fails to load on Airflow 3.3.1: ModuleNotFoundError: No module named "
                         "'airflow.operators.bash_operator'")]


def test_a_second_run_reuses_the_venv(tmp_path):
    first = ensure_airflow_env("3.3.1", constraints("3.3.1"))
    started = time.perf_counter()
    second = ensure_airflow_env("3.3.1", constraints("3.3.1"))
    seconds = time.perf_counter() - started
    print(f"\nsecond ensure_airflow_env: {seconds:.2f} s (first: {first.seconds:.1f} s, "
          f"{'built' if first.created else 'reused'})")
    assert second.created is False and second.root == first.root and second.python.exists()


# -- what DAG files do at parse time ------------------------------------------------------------------


PARSE_TIME = {
    "dags/lookups_dag.py": """\
        import os
        from datetime import datetime

        from airflow import DAG
        from airflow.models import Variable
        from airflow.hooks.base import BaseHook

        bucket = Variable.get("landing_bucket")
        retries = Variable.get("retries", default_var="2")
        tables = Variable.get("tables_config", deserialize_json=True)
        conn = BaseHook.get_connection("warehouse_db")
        region = os.environ["ACME_REGION"]
        stage = os.getenv("ACME_STAGE", "prod")
        print("DAG code printing at parse time")

        with DAG("lookups_dag", start_date=datetime(2024, 1, 1), schedule=None):
            for table in tables["tables"]:
                pass
        assert bucket == "stand-in-landing_bucket" and retries == "2" and conn.host
    """,
    "dags/slow_dag.py": """\
        import time
        from airflow import DAG

        time.sleep(120)
    """,
    "dags/exits_dag.py": """\
        import os
        from airflow import DAG

        os._exit(7)
    """,
    "dags/zz_after_dag.py": """\
        from datetime import datetime
        from airflow import DAG

        with DAG("after_dag", start_date=datetime(2024, 1, 1), schedule=None):
            pass
    """,
    "dags/helper_without_dags.py": "VALUE = 1\n",
}


def dedent_all(files: dict[str, str]) -> dict[str, str]:
    import textwrap

    return {path: textwrap.dedent(text) for path, text in files.items()}


def test_lookups_get_stand_ins_and_each_file_gets_its_own_verdict(airflow, tmp_path):
    env = airflow
    root = write_files(tmp_path / "project", dedent_all(PARSE_TIME))
    loaded = load_dags(env, root, ["dags"], timeout=2)
    by_path = {f.path: f for f in loaded.files}
    # Airflow's safe-mode heuristic skips files that never mention airflow/dag, as MWAA does.
    assert set(by_path) == {"dags/lookups_dag.py", "dags/slow_dag.py", "dags/exits_dag.py",
                            "dags/zz_after_dag.py"}
    lookups = by_path["dags/lookups_dag.py"]
    assert lookups.status == "loaded", lookups.error
    assert lookups.dag_ids == ("lookups_dag",)
    assert {(x.kind, x.key, x.answer) for x in lookups.lookups} == {
        ("variable", "landing_bucket", "stand-in"), ("variable", "retries", "default"),
        ("variable", "tables_config", "stand-in"), ("connection", "warehouse_db", "stand-in"),
        ("env", "ACME_REGION", "stand-in"), ("env", "ACME_STAGE", "default")}
    slow = by_path["dags/slow_dag.py"]
    assert slow.status == "timeout" and slow.line == 4 and "timeout" in slow.error.lower()
    assert "PID" not in slow.error
    exits = by_path["dags/exits_dag.py"]
    assert exits.status == "import_error" and "exited with code 7" in exits.error
    assert by_path["dags/zz_after_dag.py"].status == "loaded"  # loaded by a fresh process


def test_variables_the_project_exports_are_read_with_their_values(airflow, tmp_path):
    """A DSN read at parse time fails on a stand-in ("stand-in-sentry_dsn" has no scheme); the
    project's variables.json holds the value MWAA will have once it is imported, so verify
    reads that one, JSON Variables included."""
    from migrator.verify import verify_project

    root = write_files(tmp_path / "project", dedent_all({
        "dags/tracing_dag.py": """\
            from datetime import datetime
            from urllib.parse import urlsplit

            from airflow import DAG
            from airflow.models import Variable

            dsn = urlsplit(Variable.get("sentry_dsn"))
            assert dsn.scheme == "https", dsn
            tables = Variable.get("tables_config", deserialize_json=True)["tables"]
            with DAG("tracing_dag", start_date=datetime(2024, 1, 1), schedule=None):
                pass
        """,
        "variables.json": '{"sentry_dsn": "https://key@sentry.example.com/1", '
                          '"tables_config": "{\\"tables\\": [\\"a\\"]}"}\n',
    }))
    version = airflow.airflow_version
    result = verify_project(root, target=version, constraints=constraints(version), requirements=None)
    (file,) = result.files
    assert file.status == "loaded", file.error
    assert {(x.kind, x.key, x.answer) for x in file.lookups} == {
        ("variable", "sentry_dsn", "project"), ("variable", "tables_config", "project")}
    assert result.summary["lookups"] == 0  # none stood in for


def test_code_that_ignores_airflows_timeout_is_killed(airflow, tmp_path):
    env = airflow
    root = write_files(tmp_path / "project", dedent_all({
        "dags/stubborn_dag.py": """\
            import signal
            import time
            from airflow import DAG

            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            time.sleep(120)
        """,
        "dags/zz_after_dag.py": PARSE_TIME["dags/zz_after_dag.py"],
    }))
    started = time.perf_counter()
    loaded = load_dags(env, root, ["dags"], timeout=1, grace=1)
    assert time.perf_counter() - started < 60
    by_path = {f.path: f for f in loaded.files}
    assert by_path["dags/stubborn_dag.py"].status == "timeout"
    assert "killed" in by_path["dags/stubborn_dag.py"].error
    assert by_path["dags/zz_after_dag.py"].status == "loaded"


# -- the project's requirements --------------------------------------------------------------------------


def test_requirements_install_in_a_layer_and_failures_carry_pips_reason(tmp_path):
    root = write_files(tmp_path / "project", {
        "requirements.txt": "toolz==0.12.1\napache-airflow==2.11.2\n",
        "dags/uses_toolz.py": (
            "from datetime import datetime\n\nimport toolz\nfrom airflow.sdk import DAG\n\n"
            "with DAG('uses_toolz', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n"),
    })
    result = verify_project(root, Settings(), "3.3.1", constraints=constraints("3.3.1"))
    requirements = result.requirements
    assert requirements is not None and requirements.path == "requirements.txt"
    assert [(f.path, f.line, f.requirement) for f in requirements.failures] == [
        ("requirements.txt", 2, "apache-airflow==2.11.2")]
    assert "apache-airflow" in requirements.failures[0].reason
    assert {f.path: f.status for f in result.files} == {"dags/uses_toolz.py": "loaded"}
    # The base venv stays as Airflow and MWAA's providers left it.
    base = ensure_airflow_env("3.3.1", constraints("3.3.1"))
    probe = subprocess.run([str(base.python), "-c", "import toolz"], capture_output=True, check=False)
    assert probe.returncode != 0


@pytest.mark.parametrize("version", TARGETS)
def test_dags_importing_numpy_and_stdlib_names_this_tool_also_uses_load(version, tmp_path):
    """The driver lives in the migrator package beside modules named like the standard
    library's (secrets.py); none of them may shadow it for the DAGs (numpy.random imports
    `secrets.randbits`)."""
    root = write_files(tmp_path / "project", {
        "requirements.txt": "numpy\n",
        "dags/uses_numpy.py": (
            "from datetime import datetime\n\nimport numpy\nfrom secrets import randbits\n"
            "from airflow import DAG\n\n"
            "with DAG('uses_numpy', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n"),
    })
    result = verify_project(root, Settings(), version, constraints=constraints(version))
    assert result.requirements is not None and result.requirements.installed
    [loaded] = result.files
    assert loaded.status == "loaded", loaded.error
    assert loaded.dag_ids == ("uses_numpy",)


def test_a_name_the_pinned_third_party_module_lacks_is_reported_with_its_pin(tmp_path):
    """Real Airflow 3.3.1 names the installed module in its error; MIG101 turns that into the pin
    that decides it, and migrate's outcome counts that finding as addressing the failure."""
    from migrator.compat.mwaa import get_version

    from migrator.outcome import explain_failures
    from migrator.rules.mig.dag_import_error import installed_name_missing

    root = write_files(tmp_path / "project", {"dags/old_jinja.py": (
        "from markupsafe import soft_unicode\nfrom airflow.sdk import DAG\n\nDAG('old_jinja', schedule=None)\n")})
    result = verify_project(root, Settings(), "3.3.1", constraints=constraints("3.3.1"), requirements=None)
    [failed] = result.files
    assert failed.status == "import_error"
    assert "no requirement can change it" in installed_name_missing(failed.error, get_version("3.3.1"))
    [failure] = explain_failures(result, source_of=lambda p: p, findings=[], project_modules=frozenset())
    assert (failure.cause, failure.findings) == ("third-party-api", ("MIG101",))


def test_a_gcp_client_built_at_parse_time_fails_on_mwaa_and_its_finding_explains_it(tmp_path, monkeypatch):
    """No Application Default Credentials on an MWAA worker (nor here): the DAG file fails with
    DefaultCredentialsError, and MWA018 on the helper's line is what addresses it."""
    from migrator.compat.mwaa import get_version

    from migrator.engine import scan
    from migrator.outcome import explain_failures

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # no metadata server to wait for
    root = write_files(tmp_path / "project", {
        "requirements.txt": "google-auth\n",
        "dags/common/__init__.py": "",
        "dags/common/gcp.py": "import google.auth\n\ndef project_id():\n    return google.auth.default()[1]\n",
        "dags/export.py": ("from airflow.sdk import DAG\nfrom common.gcp import project_id\n\n"
                           "DAG(f'export_{project_id()}', schedule=None)\n"),
    })
    result = verify_project(root, Settings(), "3.3.1", constraints=constraints("3.3.1"))
    assert result.requirements is not None and result.requirements.installed
    [failed] = [f for f in result.files if f.path == "dags/export.py"]
    assert "DefaultCredentialsError" in (failed.error or "")
    findings = scan(root, Settings(), get_version("3.3.1"), jobs=1, use_cache=False).findings
    assert [(f.rule, f.path, f.location.line) for f in findings if f.rule == "MWA018"] == [("MWA018", "dags/common/gcp.py", 4)]
    [failure] = explain_failures(result, source_of=lambda p: p, findings=findings, project_modules=frozenset())
    assert (failure.cause, failure.findings) == ("cloud-credentials", ("MWA018",))


def test_a_file_read_beside_a_helper_that_the_project_lacks_fails_and_its_finding_explains_it(tmp_path):
    """config.json, generated on-prem, is not in the project: the DAG file calling the helper at
    parse time fails with FileNotFoundError, and MWA021 on the helper's read addresses it."""
    from migrator.compat.mwaa import get_version

    from migrator.engine import scan
    from migrator.outcome import explain_failures

    root = write_files(tmp_path / "project", {
        "dags/settings.py": ("import json\nimport os\n\ndef get_config():\n"
                             "    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'config.json')\n"
                             "    with open(path) as fh:\n        return json.load(fh)\n"),
        "dags/export.py": ("from airflow.sdk import DAG\nfrom settings import get_config\n\n"
                           "DAG(get_config()['dag_id'], schedule=None)\n"),
    })
    result = verify_project(root, Settings(), "3.3.1", constraints=constraints("3.3.1"), requirements=None)
    [failed] = [f for f in result.files if f.path == "dags/export.py"]
    assert "FileNotFoundError" in (failed.error or "") and "config.json" in failed.error
    findings = scan(root, Settings(), get_version("3.3.1"), jobs=1, use_cache=False).findings
    assert [(f.rule, f.path, f.location.line) for f in findings if f.rule == "MWA021"] == [
        ("MWA021", "dags/settings.py", 6)]
    [failure] = explain_failures(result, source_of=lambda p: p, findings=findings, project_modules=frozenset())
    assert (failure.cause, failure.findings) == ("file-missing", ("MWA021",))


def test_a_file_read_from_the_project_root_fails_where_mwaa_runs_and_its_finding_explains_it(tmp_path):
    """The helper reads the default of os.getenv("CATALOG_SOURCE", "catalogs/catalog.yaml"), a file
    the project holds at its root, while the DAG file is parsed: Airflow does not run in the
    project's root on MWAA (nor here), so the read fails; MWA021 on the helper names the file, and
    the failure is the path's, though the file also read a Variable that got a stand-in."""
    from migrator.compat.mwaa import get_version

    from migrator.engine import scan
    from migrator.outcome import explain_failures

    root = write_files(tmp_path / "project", {
        "catalogs/catalog.yaml": "sources: {}\n",
        "dags/catalog_source.py": ("import os\n\ndef catalog_file():\n"
                                   "    return os.getenv('CATALOG_SOURCE', 'catalogs/catalog.yaml')\n"),
        "dags/harvest.py": ("from airflow.sdk import DAG, Variable\nfrom catalog_source import catalog_file\n\n"
                            "OWNER = Variable.get('data_manager_email')\n"
                            "with open(catalog_file()) as fh:\n    DAG('harvest', schedule=None, description=fh.read())\n"),
    })
    result = verify_project(root, Settings(), "3.3.1", constraints=constraints("3.3.1"), requirements=None)
    [failed] = [f for f in result.files if f.path == "dags/harvest.py"]
    assert "No such file or directory: 'catalogs/catalog.yaml'" in (failed.error or "")
    findings = scan(root, Settings(), get_version("3.3.1"), jobs=1, use_cache=False).findings
    assert [(f.rule, f.path, f.location.line, f.anchor) for f in findings if f.rule == "MWA021"] == [
        ("MWA021", "dags/catalog_source.py", 4, "catalogs/catalog.yaml")]
    [failure] = explain_failures(result, source_of=lambda p: p, findings=findings, project_modules=frozenset())
    assert (failure.cause, failure.findings) == ("file-missing", ("MWA021",))


# -- after `migrator fix --apply` -------------------------------------------------------------------------


def test_after_fix_apply_the_legacy_dags_load_on_331(example, capsys):
    """The whole loop on the example: verify fails, fix rewrites, verify (requirements included,
    as fixed) loads what fix could fix; what is left needs a human and says why."""
    before = verify_project(example, target="3.3.1", constraints=constraints("3.3.1"), requirements=None)
    assert main(["fix", str(example), "--target", "3.3.1", "--apply", "--unsafe", "-q"]) == 0
    capsys.readouterr()
    after = verify_project(example, target="3.3.1", constraints=constraints("3.3.1"))
    was = {f.path: f for f in before.files}
    now = {f.path: f for f in after.files}
    print("\nstill failing after fix --apply --unsafe:")
    for entry in after.files:
        if entry.status != "loaded":
            print(f"  {entry.path}: {entry.error}")
    assert now["dags/daily_sales_rollup.py"].status == "loaded"
    assert now["dags/daily_sales_rollup.py"].dag_ids == ("daily_sales_rollup",)
    assert all(now[path].status == "loaded" for path, entry in was.items() if entry.status == "loaded")
    legacy_errors = [path for path, entry in now.items()
                     if entry.error and ("_operator'" in entry.error or "airflow.contrib" in entry.error)
                     and "subdag" not in entry.error]  # SubDAG has no automatic fix (a TaskGroup is a redesign)
    assert legacy_errors == []
    assert sum(f.status == "loaded" for f in after.files) > sum(f.status == "loaded" for f in before.files)
