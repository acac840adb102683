"""``migrator package``: the bundle's contents, exclusions, checks and determinism."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.airflowignore import AirflowIgnore, parse_ignore_text
from migrator.bundle import build as bundle_build
from migrator.bundle.build import build_bundle
from migrator.bundle.model import BundleError, BundleOptions
from migrator.bundle.plugins_zip import ZipMember, write_deterministic_zip
from migrator.bundle.staging import remove_tree
from migrator.cli import main
from migrator.config import Settings, load_settings
from migrator.engine import scan
from migrator.errors import InputError
from migrator.findings import Severity

TARGET = get_version("3.3.1")


def dag(dag_id: str, *imports: str) -> str:
    lines = ["from datetime import datetime", "from airflow import DAG", *imports,
             f"with DAG({dag_id!r}, start_date=datetime(2024, 1, 1), schedule=None):",
             "    pass", ""]
    return "\n".join(lines)


PLUGINS = {
    "plugins/acme_plugin.py": textwrap.dedent("""\
        from airflow.plugins_manager import AirflowPlugin

        from acme.macros import fiscal_week


        class AcmePlugin(AirflowPlugin):
            name = "acme"
            macros = [fiscal_week]
        """),
    "plugins/acme/__init__.py": "VERSION = '1.2'\n",
    "plugins/acme/macros.py": "def fiscal_week(day):\n    return (day.toordinal() // 7) % 52\n",
    "plugins/acme/operators/__init__.py": "",
    "plugins/acme/operators/copy.py": "from acme import VERSION\n\nCOPY_VERSION = VERSION\n",
    "plugins/bin/transform.sh": "#!/bin/sh\necho ok\n",
}


def build(root: Path, out: Path, target=TARGET, settings: Settings | None = None, **options):
    return build_bundle(scan(root, settings or load_settings(root), target), out,
                        BundleOptions(**options))


def manifest_paths(result) -> dict[str, dict]:
    return {row["path"]: row for row in result.manifest["files"]}


def excluded(result) -> dict[str, str]:
    return {e.path: e.reason for e in result.excluded}


def codes(result) -> dict[str, list]:
    found: dict[str, list] = {}
    for check in result.checks:
        found.setdefault(check.code, []).append(check)
    return found


# -- determinism and the zip layout ------------------------------------------------------------


def test_two_builds_give_identical_bytes_even_from_another_checkout(make_project, tmp_path):
    files = {"dags/sales.py": dag("sales"), **PLUGINS}
    first_root = make_project(files)
    second_root = make_project(files)
    os.utime(second_root / "plugins" / "acme" / "macros.py", (1_000_000, 1_000_000))
    first = build(first_root, tmp_path / "one")
    second = build(second_root, tmp_path / "two")
    again = build(first_root, tmp_path / "one")  # rebuilding in place
    for name in ("plugins.zip", "manifest.json", "mwaa-config.json", "dags/sales.py"):
        one = (tmp_path / "one" / name).read_bytes()
        assert one == (tmp_path / "two" / name).read_bytes(), name
    assert first.manifest == second.manifest == again.manifest


def test_plugins_zip_has_modules_at_the_root_with_fixed_times_and_modes(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales"), **PLUGINS})
    (root / "plugins" / "bin" / "transform.sh").chmod(0o755)
    build(root, tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "plugins.zip") as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert set(names) == {p.removeprefix("plugins/") for p in PLUGINS}
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert not info.filename.startswith("/") and ".." not in info.filename.split("/")
        mode = info.external_attr >> 16
        assert mode == (0o100755 if info.filename == "bin/transform.sh" else 0o100644), info


def test_plugin_modules_import_from_the_unpacked_zip_root_in_a_fresh_interpreter(make_project,
                                                                                 tmp_path):
    root = make_project({"dags/sales.py": dag("sales"), **PLUGINS})
    build(root, tmp_path / "out")
    unpacked = tmp_path / "usr-local-airflow-plugins"
    with zipfile.ZipFile(tmp_path / "out" / "plugins.zip") as archive:
        archive.extractall(unpacked)
    # A stand-in for the one Airflow name the test plugin imports: this checks the zip layout,
    # not Airflow (tests/test_verify* load DAGs in a real Airflow).
    stub = tmp_path / "stub"
    (stub / "airflow").mkdir(parents=True)
    (stub / "airflow" / "__init__.py").write_text("")
    (stub / "airflow" / "plugins_manager.py").write_text("class AirflowPlugin:\n    name = None\n")
    program = textwrap.dedent(f"""
        import datetime, sys
        sys.path[:0] = [{str(unpacked)!r}, {str(stub)!r}]
        import acme_plugin
        from acme.operators.copy import COPY_VERSION
        assert acme_plugin.AcmePlugin.name == "acme"
        assert acme_plugin.__file__.startswith({str(unpacked)!r})
        print(COPY_VERSION, acme_plugin.AcmePlugin.macros[0](datetime.date(2024, 3, 1)))
        """)
    completed = subprocess.run([sys.executable, "-I", "-c", program], capture_output=True,
                               text=True, cwd=tmp_path, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["1.2", str((738946 // 7) % 52)]


def test_manifest_covers_every_file_and_zip_member(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales"), "dags/sql/q.sql": "select 1;\n",
                         "requirements.txt": "requests==2.32.3\n", **PLUGINS})
    result = build(root, tmp_path / "out")
    rows = manifest_paths(result)
    on_disk = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
               if p.is_file()} - {"manifest.json"}
    assert {p for p in rows if "!" not in p} == on_disk
    for rel in on_disk:
        data = (tmp_path / "out" / rel).read_bytes()
        assert rows[rel] == {"path": rel, "sha256": hashlib.sha256(data).hexdigest(),
                             "size": len(data)}
    with zipfile.ZipFile(tmp_path / "out" / "plugins.zip") as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert rows[f"plugins.zip!{name}"]["sha256"] == hashlib.sha256(data).hexdigest()
    document = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert set(document) == {"target", "tool_version", "files", "excluded"}
    assert document["target"]["airflow_version"] == "3.3.1"


def test_zip_member_names_that_escape_are_refused(tmp_path):
    for bad in ("/abs.py", "../up.py", "a/../b.py", "a//b.py", "C:/x.py", "a\\b.py"):
        with pytest.raises(BundleError):
            write_deterministic_zip(
                tmp_path / "x.zip", [ZipMember(bad, data=b"")])


# -- what is left out -------------------------------------------------------------------------------


def test_sensitive_and_junk_files_are_left_out_with_reasons(make_project, tmp_path):
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"
    root = make_project({
        "dags/sales.py": dag("sales"),
        "dags/.env": "DWH_PASSWORD=hunter2\n",
        "dags/.env.prod": "X=1\n",
        "dags/keys/deploy.pem": key,
        "dags/config/creds.txt": key,  # a key under an innocent name is found by content
        "dags/credentials.json": "{}",
        "dags/service-account-prod.json": "{}",
        "dags/tests/test_sales.py": "def test_x():\n    pass\n",
        "dags/test_helpers.py": "X = 1\n",
        "dags/__pycache__/sales.cpython-311.pyc": b"\x00",
        "dags/old.pyc": b"\x00",
        "dags/.git/HEAD": "ref: refs/heads/main\n",
        "dags/.DS_Store": b"\x00",
        "dags/airflow.cfg": "[core]\nfernet_key = abc\n",
        "dags/connections.json": "{}",
        "dags/sql/q.sql": "select 1;\n",
    })
    result = build(root, tmp_path / "out")
    reasons = excluded(result)
    assert reasons["dags/.env"].startswith("environment file")
    assert reasons["dags/.env.prod"].startswith("environment file")
    assert reasons["dags/keys/deploy.pem"] == "key or certificate store"
    assert reasons["dags/config/creds.txt"] == "contains a private key"
    assert reasons["dags/credentials.json"] == "credential file"
    assert reasons["dags/service-account-prod.json"] == "credential file"
    assert reasons["dags/tests/"] == "test folder"
    assert reasons["dags/test_helpers.py"] == "test module"
    assert reasons["dags/__pycache__/"] == "cache folder"
    assert reasons["dags/old.pyc"] == "compiled Python"
    assert reasons["dags/.git/"] == "version-control folder"
    assert reasons["dags/.DS_Store"].startswith("editor, OS")
    assert reasons["dags/airflow.cfg"].startswith("airflow.cfg")
    assert reasons["dags/connections.json"].startswith("connection/variable export")
    shipped = {p for p in manifest_paths(result)}
    assert "dags/sql/q.sql" in shipped and "dags/sales.py" in shipped
    out_files = {p.name for p in (tmp_path / "out").rglob("*")}
    assert not out_files & {".env", ".env.prod", "deploy.pem", "creds.txt", "credentials.json",
                            "airflow.cfg", "connections.json", "HEAD", "old.pyc"}
    listed = {e["path"] for e in result.manifest["excluded"]}
    assert listed == set(reasons)


def test_include_brings_back_a_sensitive_file_and_says_so(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales"), "dags/certs/ca-bundle.pem": "CERT\n"})
    result = build(root, tmp_path / "out", include=("dags/certs/*.pem",))
    assert (tmp_path / "out" / "dags" / "certs" / "ca-bundle.pem").read_text() == "CERT\n"
    [check] = codes(result)["sensitive-included"]
    assert check.path == "dags/certs/ca-bundle.pem" and "dags/certs/*.pem" in check.message


def test_tool_migrator_excludes_apply(make_project, tmp_path):
    root = make_project({
        "pyproject.toml": '[tool.migrator]\nexclude = ["dags/scratch/", "*.ipynb"]\n',
        "dags/sales.py": dag("sales"),
        "dags/scratch/try.py": "X = 1\n",
        "dags/explore.ipynb": "{}",
    })
    result = build(root, tmp_path / "out")
    assert {p for p in manifest_paths(result) if p.startswith("dags/")} == {"dags/sales.py"}


def test_airflowignore_regexp_drops_unused_files_and_keeps_what_dags_need(make_project, tmp_path):
    root = make_project({
        "requirements.txt": "apache-airflow==2.10.3\n",  # the project runs Airflow 2: regexp
        "dags/.airflowignore": "helpers/\nsql/\n.*_scratch\\.py\nunused/  # old stuff\n",
        "dags/sales.py": dag("sales", "from helpers.fmt import money") + (
            "QUERY = 'sql/sales.sql'\n"),
        "dags/helpers/__init__.py": "",
        "dags/helpers/fmt.py": "from helpers.round import r\n\ndef money(x):\n    return r(x)\n",
        "dags/helpers/round.py": "def r(x):\n    return round(x, 2)\n",
        "dags/helpers/orphan.py": "X = 1\n",
        "dags/sql/sales.sql": "select 1;\n",
        "dags/sql/readme.md": "notes\n",
        "dags/my_scratch.py": dag("scratch"),
        "dags/unused/old_dag.py": dag("old"),
    })
    result = build(root, tmp_path / "out")
    shipped = set(manifest_paths(result))
    # Imported (directly and through another ignored module) or named by a shipped module.
    assert {"dags/helpers/__init__.py", "dags/helpers/fmt.py", "dags/helpers/round.py",
            "dags/sql/sales.sql", "dags/sql/readme.md"} <= shipped
    reasons = excluded(result)
    assert reasons["dags/helpers/orphan.py"].startswith(".airflowignore (dags/.airflowignore:1")
    assert "dags/my_scratch.py" in reasons and "dags/unused/old_dag.py" in reasons
    assert "dags/.airflowignore:4" in reasons["dags/unused/old_dag.py"]
    kept = {k.path for k in result.kept}
    assert "dags/helpers/fmt.py" in kept and "dags/sales.py" not in kept
    assert result.dags == 1


def test_names_keep_ignored_data_files_also_on_lines_another_module_repeats(make_project,
                                                                           tmp_path):
    shared = "PATHS = ['queries/daily.sql', \"reports\"]\n"
    root = make_project({
        "requirements.txt": "apache-airflow==2.10.3\n",
        "dags/.airflowignore": "queries/\nreports/\nscripts/\nunused/\n",
        "dags/a.py": dag("a") + shared,
        "dags/b.py": dag("b") + shared + "RUN = 'bash scripts/load.sh'\n",
        "dags/queries/daily.sql": "select 1;\n",
        "dags/queries/weekly.sql": "select 7;\n",  # its folder is named before a "/"
        "dags/reports/summary.html": "<p></p>\n",  # its folder is named in quotes
        "dags/scripts/load.sh": "#!/bin/sh\n",
        "dags/unused/old.sql": "select 0;\n",
    })
    shipped = set(manifest_paths(build(root, tmp_path / "out")))
    assert {"dags/queries/daily.sql", "dags/queries/weekly.sql", "dags/reports/summary.html",
            "dags/scripts/load.sh"} <= shipped
    assert "dags/unused/old.sql" not in shipped


def test_airflowignore_glob_syntax_from_the_project_config(make_project, tmp_path):
    root = make_project({
        "airflow.cfg": "[core]\ndag_ignore_file_syntax = glob\n",
        "dags/.airflowignore": "*_draft.py\n/archive/\n!archive_keep.py\n",
        "dags/sales.py": dag("sales"),
        "dags/sales_draft.py": dag("draft"),
        "dags/team/other_draft.py": dag("other"),
        "dags/archive/a.py": dag("a"),
        "dags/team/archive/b.py": dag("b"),  # "/archive/" is anchored to dags/
    })
    result = build(root, tmp_path / "out")
    shipped = {p for p in manifest_paths(result) if p.endswith(".py")}
    assert shipped == {"dags/sales.py", "dags/team/archive/b.py"}


def test_invalid_regexp_line_is_a_warning_naming_file_and_line(make_project, tmp_path):
    root = make_project({"dags/.airflowignore": "ok\n[unclosed\n(?=look)ahead\n",
                         "dags/sales.py": dag("sales")})
    result = build(root, tmp_path / "out")
    warnings = codes(result)["airflowignore"]
    assert [(w.path, w.severity) for w in warnings] == [("dags/.airflowignore", Severity.WARNING)] * 2
    messages = " ".join(w.message for w in warnings)
    assert "invalid regular expression '[unclosed'" in messages
    assert "RE2" in messages
    assert any(str(w).startswith("warning: dags/.airflowignore: ") for w in warnings)


# -- the generated .airflowignore --------------------------------------------------------------------


@pytest.mark.parametrize("version,syntax", [("3.3.1", "glob"), ("2.11.2", "regexp")])
def test_generated_airflowignore_hides_helper_modules_in_the_targets_syntax(make_project,
                                                                            tmp_path, version,
                                                                            syntax):
    root = make_project({
        "dags/sales.py": dag("sales", "from common.alerts import notify", "import util"),
        "dags/common/__init__.py": "",
        "dags/common/alerts.py": "def notify():\n    pass\n",
        "dags/util.py": "X = 1\n",
        "dags/builder.py": "# defines DAGs through a factory the analysis cannot see\nX = 2\n",
    })
    result = build(root, tmp_path / "out", target=get_version(version))
    text = (tmp_path / "out" / "dags" / ".airflowignore").read_text()
    assert f"{syntax} syntax" in text
    rules, problems = parse_ignore_text(text, source="dags/.airflowignore", folder="",
                                        syntax=syntax)
    assert problems == []
    scope = AirflowIgnore(syntax).extended(rules)
    assert scope.match("common", is_dir=True) is not None
    assert scope.match("util.py") is not None
    assert scope.match("sales.py") is None
    assert scope.match("builder.py") is None  # not imported by anyone: stays parseable
    assert result.ignore_syntax == syntax


# -- merging DAG folders ----------------------------------------------------------------------------


def test_two_dag_folders_merge_and_a_clash_names_both_files(make_project, tmp_path):
    settings = Settings(dags=("dags", "team_b/dags"))
    root = make_project({"dags/sales.py": dag("sales"), "team_b/dags/orders.py": dag("orders")})
    result = build(root, tmp_path / "out", settings=settings)
    assert {"dags/sales.py", "dags/orders.py"} <= set(manifest_paths(result))

    clash = make_project({"dags/common.py": "A = 1\n", "dags/sales.py": dag("sales"),
                          "team_b/dags/common.py": "A = 2\n"})
    with pytest.raises(BundleError) as caught:
        build(clash, tmp_path / "clash", settings=settings)
    assert "dags/common.py" in str(caught.value) and "team_b/dags/common.py" in str(caught.value)
    assert not (tmp_path / "clash").exists()

    module_clash = make_project({"dags/util.py": "A = 1\n", "dags/sales.py": dag("sales"),
                                 "team_b/dags/util/__init__.py": "A = 2\n"})
    with pytest.raises(BundleError, match="module 'util'"):
        build(module_clash, tmp_path / "clash2", settings=settings)


# -- checks -------------------------------------------------------------------------------------------


def test_importing_an_excluded_module_is_an_error(make_project, tmp_path, capsys):
    root = make_project({
        "dags/sales.py": dag("sales", "from tests.fixtures import SAMPLE"),
        "dags/tests/__init__.py": "",
        "dags/tests/fixtures.py": "SAMPLE = 1\n",
    })
    result = build(root, tmp_path / "out")
    [check] = codes(result)["excluded-but-imported"]
    assert check.severity == Severity.ERROR and check.path == "dags/sales.py"
    assert "tests" in check.message and "test folder" in check.message
    assert main(["package", str(root), "--out", str(tmp_path / "cli")]) == 1
    assert "excluded-but-imported" not in capsys.readouterr().out  # shown as text, not codes


def test_naming_an_excluded_secret_file_is_a_warning(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales") + "KEY = 'keys/sftp.pem'\n",
                         "dags/keys/sftp.pem": "x"})
    result = build(root, tmp_path / "out")
    [check] = codes(result)["excluded-but-named"]
    assert check.path == "dags/sales.py" and "sftp.pem" in check.message
    assert "Secrets Manager" in check.message


def test_dag_count_is_checked_against_the_class(make_project, tmp_path):
    loop = ("from datetime import datetime\nfrom airflow import DAG\nfrom airflow.models import Variable\n"
            "for i in range(int(Variable.get('n', {n}))):\n"
            "    globals()[f'd{{i}}'] = DAG(f'd{{i}}', start_date=datetime(2024, 1, 1))\n")
    files = {f"dags/dag_{i}.py": dag(f"dag_{i}") for i in range(30)}
    root = make_project(files)
    over = build(root, tmp_path / "a", environment_class="mw1.micro")
    [check] = codes(over)["dag-capacity"]
    assert check.severity == Severity.ERROR and "30 DAGs exceed mw1.micro's capacity of 25" in check.message
    half = build(root, tmp_path / "b", environment_class="mw1.small")
    [check] = codes(half)["dag-capacity"]
    assert check.severity == Severity.WARNING and "over half" in check.message
    assert "dag-capacity" not in codes(build(root, tmp_path / "c", environment_class="mw1.medium"))
    estimated = make_project({"dags/loop.py": loop.format(n=3)})
    result = build(estimated, tmp_path / "d", environment_class="mw1.micro")
    assert result.dags_estimated and "dag-capacity" not in codes(result)
    with pytest.raises(InputError, match="unknown environment class"):
        build(root, tmp_path / "e", environment_class="mw1.huge")


def test_plugins_zip_over_the_size_limit_is_an_error(make_project, tmp_path, monkeypatch):
    # The real limit is 1 GB; a smaller one shows the check without writing a gigabyte.
    monkeypatch.setattr(bundle_build, "RECOMMENDED_MAX_BYTES", 200)
    root = make_project({"dags/sales.py": dag("sales"),
                         "plugins/big.py": "X = '" + os.urandom(400).hex() + "'\n"})
    result = build(root, tmp_path / "out")
    [check] = codes(result)["plugins-too-large"]
    assert check.severity == Severity.ERROR and check.path == "plugins.zip"


def test_remaining_error_findings_are_a_warning(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales"), "dags/broken.py": "def f(:\n"})
    result = build(root, tmp_path / "out")
    assert result.error_findings >= 1
    [check] = codes(result)["findings-remain"]
    assert "migrator fix" in check.message


# -- startup.sh and mwaa-config.json -----------------------------------------------------------------


def test_startup_script_installs_yum_packages_and_exports_what_dags_read(make_project, tmp_path):
    root = make_project({
        "dags/sales.py": dag("sales", "import os") + (
            "SCHEMA = os.environ['DWH_SCHEMA']\nPW = os.getenv('DWH_PASSWORD')\n"
            "REGION = os.environ['AWS_REGION']\n"),
        "Dockerfile": "FROM apache/airflow:2.9.2\nUSER root\nRUN yum install -y freetds unixODBC\n"
                      "ENV DWH_SCHEMA=analytics UNUSED_FLAG=1\n",
        ".env": "DWH_PASSWORD=hunter2\nAWS_REGION=eu-west-1\n",
        "packages.txt": "freetds-bin\n",
    })
    result = build(root, tmp_path / "out")
    script = (tmp_path / "out" / "startup.sh").read_text()
    assert "sudo yum -y install freetds unixODBC" in script
    assert "export DWH_SCHEMA=analytics" in script
    assert "UNUSED_FLAG" not in script  # no shipped code reads it
    assert "hunter2" not in script and "DWH_PASSWORD" not in script.split("set -e")[1]
    assert "export AWS_REGION" not in script
    assert "# sudo yum -y install freetds-bin" in script  # an apt name is not guessed at
    found = codes(result)
    assert found["secret-env-var"][0].message.startswith("DWH_PASSWORD holds a credential")
    assert found["reserved-env-var-not-exported"][0].message.startswith("AWS_REGION is reserved")
    assert "freetds-bin" in found["os-packages-need-names"][0].message
    assert subprocess.run(["sh", "-n", str(tmp_path / "out" / "startup.sh")],
                          check=False).returncode == 0
    assert os.stat(tmp_path / "out" / "startup.sh").st_mode & 0o111


@pytest.mark.parametrize(("oracle_dag", "installed"), [
    # Only a retired DAG outside the DAG folder loads the Oracle client: libaio1 serves nothing
    # MWAA runs, and alien only converts the client's RPM while the image is built.
    ("unused_dags/oracle_export.py", ["unixodbc"]),
    ("dags/oracle_export.py", ["libaio1", "unixodbc"]),
])
def test_startup_script_installs_the_os_packages_os_packages_rule_reports(make_project, tmp_path, oracle_dag,
                                                                           installed):
    """startup.sh and REQ017 ask one predicate (``needed_os_packages``): the same packages."""
    root = make_project({
        "dags/sales.py": dag("sales"),
        "Dockerfile": "FROM apache/airflow:2.9.2\nUSER root\nRUN apt-get install -y alien libaio1 unixodbc\n",
        oracle_dag: "import cx_Oracle\n\nconnection = cx_Oracle.connect('etl')\n",
    })
    scanned = scan(root, load_settings(root), TARGET, jobs=1, use_cache=False)
    build_bundle(scanned, tmp_path / "out")
    script = (tmp_path / "out" / "startup.sh").read_text()
    assert f"# sudo yum -y install {' '.join(installed)}\n" in script
    (reported,) = [f for f in scanned.findings if f.rule == "REQ017"]
    assert f"OS packages ({' '.join(installed)})" in reported.message


GIT_IMAGE = ("FROM apache/airflow:2.10.4\nUSER root\nRUN apt-get install -y git tzdata\nENV TZ=Europe/London\n"
             "USER airflow\nRUN git clone --depth 1 https://example.com/acme/etl-lib.git\n")


@pytest.mark.parametrize("files", [
    # A task that runs git, through subprocess or a script it names.
    {"dags/sync.py": "import subprocess\n\nsubprocess.run(['git', 'pull'], check=True)\n"},
    {"dags/sync.py": "from airflow.operators.bash import BashOperator\n\n"
                     "BashOperator(task_id='sync', bash_command='sync_repo.sh ')\n",
     "dags/scripts/sync_repo.sh": "#!/bin/sh\ngit -C /tmp/etl-lib pull\n"},
    # GitPython runs the git program; pip runs it for a git+ requirement.
    {"dags/sync.py": "import git\n\nrepository = git.Repo('/tmp/etl-lib')\n",
     "requirements.txt": "GitPython==3.1.45\n"},
    {"requirements.txt": "etl-lib @ git+https://example.com/acme/etl-lib.git@v1\n"},
])
def test_git_is_installed_by_the_startup_script_only_for_what_runs_it(make_project, tmp_path, files):
    """git only for the image build's clone, tzdata only behind its TZ (the image has it): not
    installed; git for a task, a script it runs, GitPython or a git+ requirement: installed."""
    def bundled(project: dict[str, str]) -> tuple[str, list]:
        root = make_project({"dags/sales.py": dag("sales"), "Dockerfile": GIT_IMAGE, **project})
        out = tmp_path / f"{root.name}-bundle"
        scanned = scan(root, load_settings(root), TARGET, jobs=1, use_cache=False)
        build_bundle(scanned, out)
        startup = out / "startup.sh"
        return (startup.read_text() if startup.exists() else ""), [f for f in scanned.findings if f.rule == "REQ017"]

    startup, reported = bundled({})
    assert "yum -y install" not in startup and not reported
    startup, (finding,) = bundled(files)
    assert "# sudo yum -y install git\n" in startup and "OS packages (git)" in finding.message


def test_startup_script_keeps_what_the_projects_own_mwaa_startup_script_installs(make_project, tmp_path):
    # Written for MWAA and replaced by the bundle's: its choices stay, even libaio with no
    # Oracle import in sight (it may serve a client shipped in plugins.zip).
    root = make_project({"dags/sales.py": dag("sales"), "startup.sh": "#!/bin/sh\nsudo yum -y install libaio\n"})
    build(root, tmp_path / "out")
    assert "  sudo yum -y install libaio\n" in (tmp_path / "out" / "startup.sh").read_text()


def test_dbt_is_installed_by_the_startup_script_into_its_own_venv(make_project, tmp_path):
    root = make_project({
        "dags/transform.py": dag("transform"),
        "requirements.txt": "pandas\ndbt-core==1.10.13\ndbt-postgres==1.9.1\n",
    })
    result = build(root, tmp_path / "out")
    requirements = (tmp_path / "out" / "requirements.txt").read_text()
    assert [line for line in requirements.splitlines() if line.startswith("dbt")] == []
    script = (tmp_path / "out" / "startup.sh").read_text()
    assert 'python3 -m venv "${AIRFLOW_HOME}/dbt_venv"' in script
    assert "bin/pip install dbt-core==1.10.13 dbt-postgres==1.9.1" in script
    assert 'export PATH="${AIRFLOW_HOME}/dbt_venv"/bin:"$PATH"' in script
    assert "dbt venv" in result.parts["startup.sh"]
    assert "dbt-core==1.10.13, dbt-postgres==1.9.1: installed by startup.sh" in codes(result)["tool-isolated"][0].message
    assert subprocess.run(["sh", "-n", str(tmp_path / "out" / "startup.sh")], check=False).returncode == 0


def test_no_startup_script_when_nothing_needs_one(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales")})
    result = build(root, tmp_path / "out")
    assert not (tmp_path / "out" / "startup.sh").exists()
    assert "startup.sh" not in result.parts


def test_mwaa_config_leaves_secret_options_out_unless_asked(make_project, tmp_path):
    root = make_project({
        "dags/sales.py": dag("sales"),
        "airflow.cfg": "[core]\ndefault_task_retries = 2\n[private_repo]\nhost = pypi.example.com\n"
                       "api_token = s3cret\n",
    })
    result = build(root, tmp_path / "out")
    config = json.loads((tmp_path / "out" / "mwaa-config.json").read_text())
    options = config["AirflowConfigurationOptions"]
    assert options["core.default_task_retries"] == "2"
    assert options["private_repo.host"] == "pypi.example.com"
    assert "private_repo.api_token" not in options
    assert "s3cret" not in (tmp_path / "out" / "mwaa-config.json").read_text()
    assert codes(result)["secret-option"][0].message.startswith("private_repo.api_token")
    build(root, tmp_path / "with", include_secret_options=True)
    with_secrets = json.loads((tmp_path / "with" / "mwaa-config.json").read_text())
    assert with_secrets["AirflowConfigurationOptions"]["private_repo.api_token"] == "s3cret"


# -- the output folder --------------------------------------------------------------------------------


def test_output_folder_rules(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales")})
    with pytest.raises(InputError, match="replace the project"):
        build(root, root)
    with pytest.raises(InputError, match="replace the project"):
        build(root, root.parent)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("...")
    with pytest.raises(InputError, match="not a bundle"):
        build(root, precious)
    assert (precious / "thesis.tex").exists()

    out = tmp_path / "out"
    build(root, out)
    (root / "dags" / "sales.py").rename(root / "dags" / "orders.py")
    build(root, out)
    assert not (out / "dags" / "sales.py").exists() and (out / "dags" / "orders.py").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_rebuilding_links_unchanged_files_and_writes_changed_ones(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales"), "dags/orders.py": dag("orders"),
                         "dags/run.sh": "#!/bin/sh\n"})
    out = tmp_path / "out"
    build(root, out)
    kept_inode = (out / "dags" / "sales.py").stat().st_ino
    (root / "dags" / "orders.py").write_text(dag("orders_v2"))
    (root / "dags" / "run.sh").chmod(0o755)
    again = build(root, out)
    assert (out / "dags" / "sales.py").stat().st_ino == kept_inode
    assert (out / "dags" / "orders.py").read_text() == dag("orders_v2")
    assert (out / "dags" / "run.sh").stat().st_mode & 0o777 == 0o755
    for row in again.manifest["files"]:
        if "!" not in row["path"]:
            data = (out / row["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"], row["path"]
            assert (out / row["path"]).stat().st_nlink == 1, row["path"]


def test_a_replaced_bundle_is_removed_whole_without_following_symlinks(tmp_path):
    old = tmp_path / "old"
    for team in range(12):  # enough folders to be removed in parallel
        (old / "dags" / f"team_{team}" / "sql").mkdir(parents=True)
        (old / "dags" / f"team_{team}" / "etl.py").write_text("X = 1\n")
        (old / "dags" / f"team_{team}" / "sql" / "load.sql").write_text("select 1;\n")
    (old / "manifest.json").write_text("{}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep\n")
    (old / "dags" / "linked").symlink_to(elsewhere)
    (old / "dags" / "team_0" / "linked").symlink_to(elsewhere)
    remove_tree(old)
    assert not old.exists()
    assert (elsewhere / "keep.txt").read_text() == "keep\n"


def test_bundle_inside_the_project_is_not_bundled_into_itself(make_project):
    root = make_project({"sales.py": dag("sales")})  # the root is the DAG folder
    build(root, root / "build" / "bundle")
    result = build(root, root / "build" / "bundle")
    shipped = set(manifest_paths(result))
    assert not any(p.startswith("dags/build/") for p in shipped)
    assert "dags/sales.py" in shipped


def test_failure_leaves_the_previous_bundle_untouched(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales")})
    out = tmp_path / "out"
    build(root, out)
    before = (out / "manifest.json").read_bytes()
    (root / "team").mkdir()
    (root / "team" / "sales.py").write_text("X = 1\n")
    with pytest.raises(BundleError):
        build(root, out, settings=Settings(dags=("dags", "team")))
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project0"]


# -- requirements.txt ----------------------------------------------------------------------------------


def test_requirements_are_one_file_fixed_for_the_target(make_project, tmp_path):
    constraints = SHARED / "mwaa-data" / "3.3.1" / "airflow_constraints.txt"
    root = make_project({
        "dags/sales.py": dag("sales"),
        "requirements.txt": "-r requirements-extra.txt\napache-airflow==2.7.3\nrequests\n",
        "requirements-extra.txt": "zeep==3.4.0\n",
    })
    result = build(root, tmp_path / "out", settings=Settings(constraints=str(constraints)))
    text = (tmp_path / "out" / "requirements.txt").read_text()
    lines = [line.strip() for line in text.splitlines()]
    assert not any(line.startswith(("-r ", "-r\t", "--requirement")) for line in lines)
    # From the inlined include, moved to the version the target's constraints pin.
    pinned = next(line for line in constraints.read_text().splitlines()
                  if line.lower().startswith("zeep=="))
    assert any(line.lower() == pinned.lower() for line in lines)
    assert not any(line.startswith("apache-airflow==") for line in lines)
    assert any(line.startswith(("--constraint", "-c ")) and "3.3.1" in line for line in lines)
    assert "requirements-extra.txt inlined" in result.parts["requirements.txt"]
    assert "requirements-not-fixed" not in codes(result)


def test_no_requirements_file_when_the_project_installs_nothing(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales")})
    result = build(root, tmp_path / "out")
    assert not (tmp_path / "out" / "requirements.txt").exists()
    assert "requirements.txt" not in result.parts


def test_defined_connections_bring_the_secrets_manager_backend(make_project, tmp_path):
    root = make_project({"dags/sales.py": dag("sales"),
                         ".env": "AIRFLOW_CONN_DWH=postgres://etl:pw@dwh.example.com:5432/dwh\n"})
    result = build(root, tmp_path / "out")
    options = json.loads((tmp_path / "out" / "mwaa-config.json").read_text())[
        "AirflowConfigurationOptions"]
    assert options["secrets.backend"].endswith("SecretsManagerBackend")
    kwargs = json.loads(options["secrets.backend_kwargs"])
    assert kwargs["connections_prefix"] == "airflow/connections"
    assert "pw" not in json.dumps(options)
    assert "Secrets Manager backend" in result.parts["mwaa-config.json"]

    own = make_project({"dags/sales.py": dag("sales"),
                        ".env": "AIRFLOW_CONN_DWH=postgres://etl:pw@dwh.example.com:5432/dwh\n",
                        "airflow.cfg": "[secrets]\nbackend = my.company.VaultBackend\n"})
    build(own, tmp_path / "own")
    options = json.loads((tmp_path / "own" / "mwaa-config.json").read_text())[
        "AirflowConfigurationOptions"]
    assert options.get("secrets.backend") == "my.company.VaultBackend"


def test_cli_package_flags_reach_the_bundle(make_project, tmp_path, capsys):
    root = make_project({"dags/sales.py": dag("sales"), "dags/certs/ca.pem": "CERT\n",
                         "airflow.cfg": "[private_repo]\napi_token = s3cret\n"})
    out = tmp_path / "out"
    assert main(["package", str(root), "--out", str(out), "--include", "dags/certs/*",
                 "--include-secret-options", "--format", "json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert "dags/certs/ca.pem" in {row["path"] for row in manifest["files"]}
    options = json.loads((out / "mwaa-config.json").read_text())["AirflowConfigurationOptions"]
    assert options["private_repo.api_token"] == "s3cret"
    assert main(["package", str(root), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "dags/certs/ca.pem: key or certificate store" in text  # listed with its reason
    assert "s3cret" not in text


def test_dag_count_is_checked_against_the_sized_class(make_project, tmp_path):
    root = make_project({f"dags/dag_{i}.py": dag(f"dag_{i}") for i in range(30)})
    sizing = {"recommendation": {"environment_class": "mw1.micro"}}
    result = build_bundle(scan(root, Settings(), TARGET), tmp_path / "out", sizing=sizing)
    [check] = codes(result)["dag-capacity"]
    assert "mw1.micro" in check.message and check.severity == Severity.ERROR


def test_files_named_by_dags_but_outside_the_dag_folder_are_a_warning(make_project, tmp_path):
    root = make_project({
        "dags/sales.py": dag("sales") + "SQL = 'include/sql/daily_sales.sql'\n",
        "include/sql/daily_sales.sql": "select 1;\n",
        "include/sql/unused.sql": "select 2;\n",
        "requirements.txt": "requests==2.32.3\n",
    })
    result = build(root, tmp_path / "out")
    [check] = codes(result)["outside-dag-folder"]
    assert check.path == "dags/sales.py"
    assert "include/sql/daily_sales.sql is outside the DAG and plugins folders" in check.message


def test_config_fixes_that_set_an_option_reach_mwaa_config(make_project, tmp_path):
    """PLG010 asks for core.lazy_load_plugins = False; fix leaves config fixes to the bundle."""
    root = make_project({
        "dags/a.py": "from airflow import DAG\n",
        "plugins/acme_plugin.py": (
            "from airflow.plugins_manager import AirflowPlugin\n\n\n"
            "def fiscal_week(ds):\n    return ds\n\n\n"
            "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n    macros = [fiscal_week]\n"),
    })
    out = tmp_path / "bundle"
    build_bundle(scan(root, Settings(), get_version("3.3.1")), out)
    config = json.loads((out / "mwaa-config.json").read_text())
    assert config["AirflowConfigurationOptions"]["core.lazy_load_plugins"] == "False"
