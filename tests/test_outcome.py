"""Why a bundle file does not load: the cause groups of `migrate --verify` and the field harness."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from migrator.compat.mwaa import get_version

from migrator.findings import FixSafety, Severity
from migrator.fixes import RemoveUnusedImport
from migrator.outcome import CAUSES, classify, explain_failures, project_module_names

PROJECT = frozenset({"include", "acme_etl", "utils"})


def _verified(**fields) -> SimpleNamespace:
    """A verify result as explain_failures reads it, on 3.3.1 unless ``target`` is given."""
    return SimpleNamespace(**{"target": get_version("3.3.1"), **fields})


@pytest.mark.parametrize(("error", "cause"), [
    ("ModuleNotFoundError: No module named 'airflow.operators.bash_operator'", "airflow-api"),
    ("ModuleNotFoundError: No module named 'airflow.contrib'", "airflow-api"),
    ("ImportError: cannot import name 'Context' from 'airflow.utils.context' (/x.py)", "airflow-api"),
    (("ImportError: cannot import name 'PostgresOperator' from "
      "'airflow.providers.postgres.operators.postgres'"), "airflow-api"),
    ("ModuleNotFoundError: No module named 'airflow.providers.docker'", "provider-missing"),
    ("ModuleNotFoundError: No module named 'airflow.providers.cncf.kubernetes'", "provider-missing"),
    ("ModuleNotFoundError: No module named 'airflow.providers.amazon.aws.operators.nope'", "airflow-api"),
    ("ModuleNotFoundError: No module named 'geopandas'", "requirement-failed"),
    ("ModuleNotFoundError: No module named 'tableauhyperapi'", "third-party-missing"),
    ("ModuleNotFoundError: No module named 'include'", "project-module"),
    ("ModuleNotFoundError: No module named 'acme_etl.jobs'", "project-module"),
    ("ImportError: cannot import name 'soft_unicode' from 'markupsafe'", "third-party-api"),
    ("ImportError: cannot import name 'x' from 'utils.helpers'", "project-module"),
    # Found installed, whatever the project's folders are called: the third party's API.
    (("ImportError: cannot import name '_models' from 'utils.mgmt.models' "
      "(site-packages/utils/mgmt/models/__init__.py)"), "third-party-api"),
    # A module of the project's own package that the project lacks (MWA016), or under it.
    ("ModuleNotFoundError: No module named 'acme_etl.secrets'", "project-module-missing"),
    ("ModuleNotFoundError: No module named 'acme_etl.secrets.keys'", "project-module-missing"),
    ("ModuleNotFoundError: No module named 'acme_etl.secretsx'", "project-module"),
    ("TypeError: DockerOperator.__init__() got an unexpected keyword argument 'auto_remove'",
     "argument-rejected"),
    ("airflow.exceptions.AirflowException: Invalid arguments were passed to BashOperator", "argument-rejected"),
    ("ValueError: invalid trigger_rule none_failed_or_skipped", "argument-rejected"),
    # 1.10 took a falsy schedule for none (a DAG factory's YAML saying false); Airflow 2 and 3 refuse it
    ("ValueError: False is not a valid schedule_interval.", "argument-rejected"),
    ("ValueError: False is not a valid schedule.", "argument-rejected"),
    ("TypeError: the JSON object must be str, bytes or bytearray, not NoneType", "other"),
    # open(os.path.join(os.path.dirname(__file__), "config.json")) of a file generated on-prem
    ("FileNotFoundError: [Errno 2] No such file or directory: 'dags/config.json'", "file-missing"),
    (("airflow.exceptions.AirflowDagDuplicatedIdException: Ignoring DAG etl.load from dags/b.py - "
      "also found in dags/a.py"), "duplicate-dag-id"),
    # Airflow 3's check of a TaskGroup id (API021)
    (("ValueError: The key 'load-3.5' has to be made of alphanumeric characters, dashes, and underscores "
      "exclusively"), "argument-rejected"),
    (("cosmos.exceptions.CosmosValueError: Could not find dbt_project.yml at "
      "/usr/local/airflow/include/dbt/dbt_project.yml"), "file-missing"),
    ("ValueError: too many values to unpack (expected 2)", "other"),
    ("NameError: name 'x' is not defined", "other"),
    (None, "other"),
])
def test_each_error_line_gets_its_cause(error, cause):
    assert classify("import_error", error, project_modules=PROJECT, failed_requirements=frozenset({"geopandas"}),
                    missing_modules=frozenset({"acme_etl.secrets"})) == cause
    assert cause in CAUSES


def test_a_timeout_is_a_timeout_whatever_the_message():
    assert classify("timeout", "ModuleNotFoundError: No module named 'x'") == "timeout"


def test_project_module_names_come_from_every_folder_and_module():
    names = project_module_names(["dags/etl.py", "include/helpers/sql.py", "src/acme/__init__.py", "lib.py"])
    assert names == {"dags", "etl", "include", "helpers", "sql", "src", "acme", "lib"}


def test_plugins_zip_is_unpacked_as_mwaa_would_and_never_outside_its_folder(tmp_path):
    import zipfile

    from migrator.errors import InputError
    from migrator.outcome import unpack_plugins

    good = tmp_path / "plugins.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("acme/__init__.py", "")
        archive.writestr("acme/operators.py", "X = 1\n")
        archive.writestr("acme_plugin.py", "Y = 2\n")
    unpack_plugins(good, tmp_path / "plugins")
    assert (tmp_path / "plugins" / "acme" / "operators.py").read_text() == "X = 1\n"
    for name in ("../escaped.py", "/abs.py", "a/../../escaped.py", "a\\..\\x.py"):
        bad = tmp_path / "bad.zip"
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr(name, "EVIL = 1\n")
        with pytest.raises(InputError, match="would land outside"):
            unpack_plugins(bad, tmp_path / f"out-{len(name)}-{name.count('.')}")
    assert not list(tmp_path.rglob("escaped.py")) and not (tmp_path.parent / "abs.py").exists()


def test_a_failure_lists_only_the_findings_that_can_address_its_cause():
    """A file that fails on a project module the repository lacks names no finding rather than
    an unrelated error left on it (a Celery queue); an Airflow import error names the API ones."""
    files = [SimpleNamespace(path="dags/a.py", status="import_error", raised_in=None,
                             error="ModuleNotFoundError: No module named 'utils.missing'"),
             SimpleNamespace(path="dags/b.py", status="import_error", raised_in="dags/helper.py:3",
                             error="ModuleNotFoundError: No module named 'airflow.contrib'"),
             SimpleNamespace(path="dags/c.py", status="loaded", raised_in=None, error=None),
             # sentry_sdk.init(dsn=Variable.get("sentry_dsn")) with the check's stand-in DSN
             SimpleNamespace(path="dags/d.py", status="import_error", raised_in=None,
                             error="sentry_sdk.utils.BadDsn: Unsupported scheme ''",
                             lookups=(SimpleNamespace(kind="variable", key="sentry_dsn", answer="stand-in"),))]
    # (API002 about another name than the module the error names: the cause stays airflow-api)
    findings = [SimpleNamespace(rule=rule, path=path, severity=Severity.ERROR, fix=None,
                                message="airflow.utils.dates.days_ago does not exist on Airflow 3.3.1: ...")
                for rule, path in [("MWA010", "dags/a.py"), ("API001", "dags/helper.py"),
                                   ("MWA010", "dags/b.py"), ("API002", "dags/b.py"), ("CON002", "dags/d.py")]]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/a.py", "project-module", ()),
        ("dags/b.py", "airflow-api", ("API002", "API001")),
        ("dags/d.py", "stand-in", ("CON002",))]


def test_a_name_removed_with_nothing_to_import_instead_is_a_cause_of_its_own():
    """A file still failing after migrate on a name API002 says is gone with no equivalent (a
    private helper of a contrib module a plugin imports, the experimental API) fails for a reason
    the tool cannot fix: its own cause, pointing at that finding. A removed name API002 fixes
    (an unused import), or one under another module, leaves the cause as it was."""

    files = [SimpleNamespace(path="dags/a.py", status="import_error", raised_in="plugins/ops/sftp.py:6",
                             error="ModuleNotFoundError: No module named 'airflow.contrib'"),
             SimpleNamespace(path="dags/b.py", status="import_error", raised_in=None,
                             error="ModuleNotFoundError: No module named 'airflow.api.common.experimental'"),
             SimpleNamespace(path="dags/c.py", status="import_error", raised_in=None,
                             error="ImportError: cannot import name 'days_ago' from 'airflow.utils.dates' (/x.py)"),
             SimpleNamespace(path="dags/d.py", status="import_error", raised_in=None,
                             error="ModuleNotFoundError: No module named 'airflow.contrib'")]
    unused = RemoveUnusedImport(safety=FixSafety.SAFE, description="remove the unused import of days_ago",
                                required=True, name="days_ago")
    findings = [SimpleNamespace(rule=rule, path=path, severity=Severity.ERROR, fix=fix, message=message)
                for rule, path, fix, message in [
                    ("API002", "plugins/ops/sftp.py", None,
                     "airflow.contrib.operators.sftp_operator._make_intermediate_dirs does not exist on Airflow 3.3.1: ..."),
                    ("API002", "dags/b.py", None,
                     "airflow.api.common.experimental.trigger_dag.trigger_dag does not exist on Airflow 3.3.1: ..."),
                    ("API002", "dags/c.py", unused,
                     "airflow.utils.dates.days_ago does not exist on Airflow 3.3.1: ...; remove the import"),
                    ("API002", "dags/d.py", None, "airflow.utils.dates.days_ago does not exist on Airflow 3.3.1: ...")]]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/a.py", "airflow-removed", ("API002",)),
        ("dags/b.py", "airflow-removed", ("API002",)),
        ("dags/c.py", "airflow-api", ("API002",)),
        ("dags/d.py", "airflow-api", ("API002",))]


def test_a_requirement_migrate_removed_is_the_cause_of_the_files_importing_it():
    from migrator.airflow_env import RequirementRepair, RequirementsInstall

    removed = RequirementRepair("requirements.txt", 3, "cx-Oracle==8.2.1", None, "build failed")
    moved = RequirementRepair("requirements.txt", 4, "feedparser==5.2.1", "feedparser==6.0.11", "use_2to3")
    files = [SimpleNamespace(path="dags/a.py", status="import_error", raised_in=None, lookups=(),
                             error="ModuleNotFoundError: No module named 'cx_Oracle'"),
             SimpleNamespace(path="dags/b.py", status="import_error", raised_in=None, lookups=(),
                             error="ModuleNotFoundError: No module named 'feedparser'")]
    result = _verified(requirements=RequirementsInstall("requirements.txt", True, repairs=(removed, moved)),
                       files=files)
    failures = explain_failures(result, source_of=lambda p: p, findings=[], project_modules=PROJECT)
    assert [(f.bundle_path, f.cause) for f in failures] == [("dags/a.py", "requirement-failed"),
                                                             ("dags/b.py", "third-party-missing")]


def test_every_file_failing_on_a_module_missing_from_the_project_points_at_its_one_finding():
    """MWA016 is reported once, on the first importer; the second importer fails on the same
    module and is pointed at it too, with the cause that says the project lacks the module."""
    files = [SimpleNamespace(path=f"dags/{name}.py", status="import_error", raised_in=None,
                             error="ModuleNotFoundError: No module named 'acme_etl.utils'")
             for name in ("a", "b")]
    findings = [SimpleNamespace(rule="MWA016", path="dags/a.py", severity=Severity.ERROR)]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT,
                                missing_modules=frozenset({"acme_etl.utils"}))
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/a.py", "project-module-missing", ("MWA016",)),
        ("dags/b.py", "project-module-missing", ("MWA016",))]


@pytest.mark.parametrize(("line", "names"), [
    ("cx-Oracle==8.2.1", ("cx-oracle", "cx")),
    ("python-opsapi==2.0.174", ("python-opsapi", "opsapi", "python")),
    ("odc-aws", ("odc-aws", "odc")),
    ("git+https://github.com/acme/xylose.git@1.35.8#egg=xylose", ("xylose",)),
    ("https://example.com/nameless", ()),
])
def test_a_requirement_line_names_the_modules_it_is_likely_imported_as(line, names):
    from migrator.outcome import import_names

    assert import_names(line) == names


def test_files_failing_on_packages_that_did_not_install_point_at_the_requirement_checks():
    """A VCS line that did not install is the cause of the files importing its egg name; a module
    no requirement names while some did not install (a dependency of one of them) points at them."""
    from migrator.airflow_env import RequirementFailure, RequirementRepair, RequirementsInstall
    from migrator.outcome import REQUIREMENT_NOT_INSTALLED, REQUIREMENT_REMOVED

    files = [SimpleNamespace(path=f"dags/{name}.py", status="import_error", raised_in=None, lookups=(),
                             error=f"ModuleNotFoundError: No module named '{module}'")
             for name, module in [("a", "xylose"), ("b", "mongoengine"), ("c", "opsapi")]]
    installs = RequirementsInstall(
        "requirements.txt", False,
        failures=(RequirementFailure("requirements.txt", 1, "git+https://github.com/acme/xylose.git#egg=xylose",
                                     "cannot reach github.com"),),
        repairs=(RequirementRepair("requirements.txt", 2, "python-opsapi==2.0.174", None, "no such version"),))
    failures = explain_failures(_verified(requirements=installs, files=files), source_of=lambda p: p,
                                findings=[], project_modules=PROJECT)
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/a.py", "requirement-failed", (REQUIREMENT_REMOVED, REQUIREMENT_NOT_INSTALLED)),
        ("dags/b.py", "third-party-missing", (REQUIREMENT_REMOVED, REQUIREMENT_NOT_INSTALLED)),
        ("dags/c.py", "requirement-failed", (REQUIREMENT_REMOVED, REQUIREMENT_NOT_INSTALLED))]


def test_a_stand_in_failure_points_at_the_undefined_variable_read_in_a_shared_helper(tmp_path):
    """The DAG calls a helper that reads Variable "sentry_dsn" while parsed; the real CON002
    finding sits on the helper, neither the DAG file nor where the error was raised."""
    from migrator.compat.mwaa import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    (tmp_path / "dags" / "common").mkdir(parents=True)
    (tmp_path / "dags" / "common" / "__init__.py").write_text("")
    (tmp_path / "dags" / "common" / "observability.py").write_text(
        "from airflow.models import Variable\n\n\ndef init_tracing():\n"
        "    return Variable.get('sentry_dsn')\n")
    (tmp_path / "dags" / "nightly.py").write_text(
        "from common.observability import init_tracing\n\ninit_tracing()\n")
    result = scan(tmp_path, Settings(), get_version("3.3.1"), jobs=1, use_cache=False)
    files = [SimpleNamespace(path="dags/nightly.py", status="import_error", raised_in="site-packages/sdk.py:9",
                             error="sentry_sdk.utils.BadDsn: Unsupported scheme ''",
                             lookups=(SimpleNamespace(kind="variable", key="sentry_dsn", answer="stand-in"),))]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=result.findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("stand-in", ("CON002",))]


def test_a_file_refused_for_its_dag_id_points_at_the_clash_whichever_file_carries_it():
    files = [SimpleNamespace(path="dags/a.py", status="import_error", raised_in=None, lookups=(),
                             error=("AirflowDagDuplicatedIdException: Ignoring DAG etl.load from dags/a.py - "
                                    "also found in dags/b.py"))]
    findings = [SimpleNamespace(rule="MWA017", path="dags/b.py", severity=Severity.ERROR, anchor="etl.load"),
                SimpleNamespace(rule="MWA017", path="dags/c.py", severity=Severity.ERROR, anchor="other")]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("duplicate-dag-id", ("MWA017",))]


@pytest.mark.parametrize("refused", ["dags/generate.py", "dags/discover.py"])
def test_a_dag_id_refused_through_an_import_of_a_dag_file_points_at_the_import(tmp_path, refused):
    """A DAG file imports the factory of another DAG file, which builds its own DAG at import:
    whichever of the two Airflow refuses, MWA022 (on the importer, the imported file related)
    says why; a finding on another pair of files does not."""
    from migrator.compat.mwaa import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    factory = ("from airflow import DAG\n\n\ndef make_dag(dag_id):\n    with DAG(dag_id, schedule=None) as dag:\n"
               "        pass\n    return dag\n\n\n")
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "discover.py").write_text(factory + "make_dag('discover')\n")
    (tmp_path / "dags" / "generate.py").write_text("import airflow\nfrom discover import make_dag\n\nmake_dag('x')\n")
    (tmp_path / "dags" / "hourly.py").write_text(factory + "make_dag('hourly')\n")
    (tmp_path / "dags" / "report.py").write_text("import airflow\nimport hourly\n")
    result = scan(tmp_path, Settings(), get_version("3.3.1"), jobs=1, use_cache=False)
    assert sorted((f.path, f.location.line) for f in result.findings if f.rule == "MWA022") == [
        ("dags/generate.py", 2), ("dags/report.py", 2)]
    other = "dags/discover.py" if refused == "dags/generate.py" else "dags/generate.py"
    files = [SimpleNamespace(path=refused, status="import_error", raised_in=None, lookups=(),
                             error=(f"AirflowDagDuplicatedIdException: Ignoring DAG discover from {refused} - "
                                    f"also found in {other}"))]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=result.findings, project_modules=frozenset())
    assert [(f.cause, f.findings) for f in failures] == [("duplicate-dag-id", ("MWA022",))]


def test_a_file_failing_on_an_unset_environment_variable_points_at_con011():
    """json.loads(os.getenv("VCAP_SERVICES")) fails with a TypeError once the variable is unset:
    the check answered the lookup with the code's default, and CON011 says nothing sets it."""
    files = [SimpleNamespace(path="dags/export.py", status="import_error", raised_in=None,
                             error="TypeError: the JSON object must be str, bytes or bytearray, not NoneType",
                             lookups=(SimpleNamespace(kind="env", key="VCAP_SERVICES", answer="default"),))]
    findings = [SimpleNamespace(rule="CON011", path="dags/export.py", severity=Severity.WARNING,
                                anchor="VCAP_SERVICES\x1fenvread")]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("stand-in", ("CON011",))]


def test_an_error_raised_in_a_related_location_points_at_its_finding():
    """API019 is reported on the operator class and names the mixin's file as a related location;
    Airflow 3 raises the TypeError inside the mixin's __init__, which is neither the DAG file nor
    the operator's module."""
    files = [SimpleNamespace(path="dags/emr.py", status="import_error", raised_in="dags/lib/retry_mixin.py:33",
                             lookups=(), error=("TypeError: LoggingMixin.__init__() got an unexpected keyword "
                                                "argument 'task_id'"))]
    mixin = SimpleNamespace(path="dags/lib/retry_mixin.py")
    findings = [SimpleNamespace(rule="API019", path="dags/lib/emr_operator.py", severity=Severity.ERROR,
                                related=(mixin,)),
                SimpleNamespace(rule="API002", path="dags/lib/other.py", severity=Severity.ERROR, related=(),
                                fix=None, message="airflow.utils.dates.days_ago does not exist on Airflow 3.3.1: ...")]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("argument-rejected", ("API019",))]


def test_a_name_an_installed_third_party_module_lacks_points_at_verify_s_finding_on_the_pin():
    """The constraints pin markupsafe (MWAA applies them): MIG101 on the file says so, and is
    what addresses the failure; a name missing from a project module is not the pin's."""
    from migrator.compat.mwaa import get_version

    from migrator.rules.mig.dag_import_error import installed_name_missing

    target = get_version("3.3.1")
    pinned = ("ImportError: cannot import name 'soft_unicode' from 'markupsafe' "
              "(site-packages/markupsafe/__init__.py)")
    files = [SimpleNamespace(path="dags/a.py", status="import_error", raised_in=None, lookups=(), error=pinned),
             SimpleNamespace(path="dags/b.py", status="import_error", raised_in=None, lookups=(),
                             error="ImportError: cannot import name 'x' from 'utils.helpers'")]
    failures = explain_failures(_verified(requirements=None, files=files, target=target),
                                source_of=lambda p: p, findings=[], project_modules=PROJECT)
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/a.py", "third-party-api", ("MIG101",)), ("dags/b.py", "project-module", ())]
    advice = installed_name_missing(pinned, target)
    assert "constraints of Airflow 3.3.1 pin markupsafe==" in advice and "no requirement can change it" in advice
    open_pin = installed_name_missing("ImportError: cannot import name '_models' from 'acme.cloud.models' "
                                      "(site-packages/acme/cloud/models/__init__.py)", target, {"acme-cloud"})
    assert "do not pin acme-cloud, so requirements.txt decides its version" in open_pin
    assert installed_name_missing("ImportError: cannot import name 'x' from 'utils.helpers'", target) is None


def test_a_module_the_pinned_setuptools_dropped_is_no_missing_requirement():
    """A package imports pkg_resources, which setuptools stopped shipping in 82.0.0: on 3.3.1
    (setuptools 83.0.0 pinned) MIG101 says no requirement can bring it back, and a requirement
    migrate removed is not blamed; on 2.11.2 (setuptools 81.0.0) it is a missing module as any."""
    from migrator.rules.mig.dag_import_error import dropped_module_missing

    error = "ModuleNotFoundError: No module named 'pkg_resources'"
    files = [SimpleNamespace(path="dags/dsr.py", status="import_error", raised_in="dags/util/uid2.py:7",
                             lookups=(), error=error)]
    from migrator.airflow_env import RequirementRepair, RequirementsInstall

    removed = RequirementRepair("requirements.txt", 44, "python-opsapi==2.0.174", None, "no version installs")
    requirements = RequirementsInstall("requirements.txt", True, repairs=(removed,))
    for target, expected in (("3.3.1", [("image-dropped-module", ("MIG101",))]),
                             ("2.11.2", [("third-party-missing", ("requirement-removed",))])):
        result = _verified(requirements=requirements, files=files, target=get_version(target))
        failures = explain_failures(result, source_of=lambda p: p, findings=[], project_modules=PROJECT)
        assert [(f.cause, f.findings) for f in failures] == expected, target
    advice = dropped_module_missing(error, get_version("3.3.1"))
    assert "pin setuptools==83.0.0, so no requirement can bring it back" in advice
    assert dropped_module_missing(error, get_version("2.11.2")) is None
    assert dropped_module_missing("ModuleNotFoundError: No module named 'yaml'", get_version("3.3.1")) is None


def test_a_cloud_client_without_credentials_points_at_its_one_finding_on_the_helper():
    """Each DAG file calling the helper that builds the GCP client fails on the missing default
    credentials; MWA018 is on the helper's line, and addresses every one of them."""
    error = ("google.auth.exceptions.DefaultCredentialsError: Your default credentials were not found. "
             "To set up Application Default Credentials, see https://cloud.google.com/docs/authentication")
    files = [SimpleNamespace(path=f"dags/{name}.py", status="import_error", raised_in=None, lookups=(), error=error)
             for name in ("a", "b")]
    findings = [SimpleNamespace(rule="MWA018", path="dags/common/secrets.py", severity=Severity.ERROR)]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("cloud-credentials", ("MWA018",))] * 2
    assert classify("import_error", "DefaultCredentialsError: File /x.json was not found.") == "cloud-credentials"


def test_a_file_a_helper_reads_beside_itself_points_at_its_one_finding():
    """get_config() in dags/utils.py reads config.json beside it, which the project does not hold
    (generated on-prem); every DAG file calling it at parse time fails, and MWA021 on the
    helper's read addresses them all, not an MWA021 about another file."""
    error = "FileNotFoundError: [Errno 2] No such file or directory: 'dags/config.json'"
    files = [SimpleNamespace(path=f"dags/{name}.py", status="import_error", raised_in=None, lookups=(), error=error)
             for name in ("a", "b")]
    findings = [SimpleNamespace(rule="MWA021", path="src/dags/utils.py", anchor="src/dags/config.json",
                                severity=Severity.ERROR),
                SimpleNamespace(rule="MWA021", path="src/dags/other.py", anchor="src/dags/feeds.yaml",
                                severity=Severity.ERROR)]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("file-missing", ("MWA021",))] * 2


def test_a_file_read_from_the_project_root_points_at_its_finding_though_the_file_read_stand_ins():
    """A helper reads os.getenv("CATALOG_SOURCE", "catalogs/catalog.yaml") while parsed; MWAA's
    working directory has no catalogs/. The file also read a Variable (a stand-in) and that
    environment variable (its default, as on MWAA), but MWA021 names the very file missing: the
    cause is the path, not a stand-in. Without that finding the stand-ins stay the likely cause."""
    error = "FileNotFoundError: [Errno 2] No such file or directory: 'catalogs/catalog.yaml'"
    lookups = (SimpleNamespace(kind="variable", key="data_manager_email", answer="stand-in"),
               SimpleNamespace(kind="env", key="CATALOG_SOURCE", answer="default"))
    files = [SimpleNamespace(path="dags/harvest.py", status="import_error", raised_in=None, lookups=lookups,
                             error=error)]
    found = SimpleNamespace(rule="MWA021", path="dags/utils/catalog.py", anchor="catalogs/catalog.yaml",
                            severity=Severity.WARNING)
    [failure] = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                 findings=[found], project_modules=PROJECT)
    assert (failure.cause, failure.findings) == ("file-missing", ("MWA021",))
    [failure] = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                 findings=[], project_modules=PROJECT)
    assert failure.cause == "stand-in"


def test_a_module_only_a_git_requirement_elsewhere_installs_points_at_its_finding_in_every_importer():
    """dimcli comes from a Git line of pyproject.toml, which MWAA does not get: REQ021 is on the
    first importer (a helper), with the other importers as related places, so each DAG file
    failing on the import, through whichever importer, points at it."""
    from migrator.findings import Location, Related

    error = "ModuleNotFoundError: No module named 'dimcli'"
    files = [SimpleNamespace(path="dags/publish.py", status="import_error", raised_in=None, lookups=(), error=error)]
    found = SimpleNamespace(rule="REQ021", path="acme/dimensions.py", severity=Severity.ERROR,
                            related=(Related("dags/publish.py", Location(3, 1, 3, 2), "imports dimcli"),))
    [failure] = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                 findings=[found], project_modules=PROJECT)
    assert (failure.cause, failure.findings) == ("third-party-missing", ("REQ021",))


def test_a_key_error_raised_at_a_payload_read_points_at_its_finding_not_at_the_stand_ins():
    """A shared helper reads op.json["job_clusters"] while parsed (API022): the KeyError it raises
    on the target is that read's, though the DAG file also read a Variable; the same KeyError
    raised elsewhere in a file that read Variables stays a stand-in's."""
    from migrator.findings import Location

    stand_in = (SimpleNamespace(kind="variable", key="env", answer="stand-in"),)
    files = [SimpleNamespace(path="dags/a.py", status="import_error", raised_in="dags/lib/workflow.py:12",
                             lookups=stand_in, error="KeyError: 'job_clusters'"),
             SimpleNamespace(path="dags/b.py", status="import_error", raised_in="dags/lib/config.py:4",
                             lookups=stand_in, error="KeyError: 'job_clusters'"),
             SimpleNamespace(path="dags/c.py", status="import_error", raised_in=None, line=7,
                             lookups=(), error="KeyError: 'tasks'")]
    findings = [SimpleNamespace(rule="API022", path="dags/lib/workflow.py", severity=Severity.ERROR,
                                location=Location(11, 9, 12, 40), related=()),
                SimpleNamespace(rule="API022", path="dags/c.py", severity=Severity.ERROR,
                                location=Location(7, 1, 7, 30), related=()),
                SimpleNamespace(rule="CON002", path="dags/b.py", severity=Severity.ERROR,
                                location=Location(2, 1, 2, 9), related=())]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/a.py", "provider-api", ("API022",)),
        ("dags/b.py", "stand-in", ("CON002",)),
        ("dags/c.py", "provider-api", ("API022",))]


def test_an_argument_a_helper_hands_a_project_operator_points_at_the_helpers_finding(tmp_path):
    """The DAG file calls a helper that builds a project operator from a dict holding
    task_concurrency; Airflow 3 rejects it in BaseOperator, below the project's own operator
    module. API003 sits on the helper, which the error passed through but did not rise in."""
    from migrator.compat.mwaa import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    (tmp_path / "dags" / "common").mkdir(parents=True)
    (tmp_path / "dags" / "common" / "__init__.py").write_text("")
    (tmp_path / "dags" / "common" / "operators.py").write_text(
        "from airflow.sdk import BaseOperator\n\n\nclass TaskServiceOperator(BaseOperator):\n"
        "    def __init__(self, task_name, **kwargs):\n        super().__init__(task_id=task_name, **kwargs)\n")
    (tmp_path / "dags" / "common" / "builder.py").write_text(
        "import airflow\nfrom common.operators import TaskServiceOperator\n\n\ndef phase(name):\n"
        "    task_args = {'task_name': name, 'task_concurrency': 1}\n    return TaskServiceOperator(**task_args)\n")
    (tmp_path / "dags" / "nightly.py").write_text("from common.builder import phase\n\nphase('load')\n")
    result = scan(tmp_path, Settings(), get_version("3.3.1"), jobs=1, use_cache=False)
    error = ("TypeError: Invalid arguments were passed to TaskServiceOperator (task_id: load). Invalid "
             "arguments were:\n**kwargs: {'task_concurrency': 1}")
    files = [SimpleNamespace(path="dags/nightly.py", status="import_error", raised_in="dags/common/operators.py:6",
                             project_frames=("dags/nightly.py:3", "dags/common/builder.py:7",
                                             "dags/common/operators.py:6"), error=error, lookups=())]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=result.findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("argument-rejected", ("API003",))]


def test_a_mistake_of_the_projects_own_code_is_said_to_fail_on_prem_too():
    """A DAG unpacking two of the four tasks a project helper returns fails on any Airflow; the
    same error raised inside a library is not known to be the project's."""
    in_project = ('Traceback (most recent call last):\n  File "dags/etl.py", line 12, in <module>\n'
                  '    prep, gate = make_tasks()\nValueError: too many values to unpack (expected 2)\n')
    in_library = in_project.replace(
        "ValueError", '  File "site-packages/airflow/x.py", line 3, in f\n    a, b = pairs\nValueError')
    error = "ValueError: too many values to unpack (expected 2)"
    assert classify("import_error", error, traceback=in_project) == "project-code"
    assert classify("import_error", error, traceback=in_library) == "other"
    assert classify("import_error", error) == "other"
    assert "on-prem too" in CAUSES["project-code"]
    files = [SimpleNamespace(path="dags/etl.py", status="import_error", raised_in=None, error=error,
                             traceback=in_project, lookups=())]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=[], project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("project-code", ())]


def test_a_file_missing_under_another_platforms_folder_points_at_the_finding_that_names_the_path():
    """A DAG reads the project's Variable holding Cloud Composer's DAG folder (MWA019 on the
    variables export) and opens a schema under it; another reads a dbt project from a folder a
    config module names literally (MWA005 on that literal, anywhere in the project). Findings
    on other variables or on a mere prefix like /usr are no evidence."""
    files = [SimpleNamespace(path="dags/partners.py", status="import_error", raised_in=None,
                             error=("FileNotFoundError: [Errno 2] No such file or directory: "
                                    "'/home/airflow/gcs/dags/schemas/partners_schema.json'"),
                             lookups=(SimpleNamespace(kind="variable", key="schema_filepath", answer="project"),)),
             SimpleNamespace(path="dags/dbt.py", status="import_error", raised_in=None, lookups=(),
                             error=("cosmos.exceptions.CosmosValueError: Could not find dbt_project.yml at "
                                    "/usr/local/airflow/include/dbt/dbt_project.yml"))]
    findings = [
        SimpleNamespace(rule="MWA019", path="variables.json", severity=Severity.ERROR,
                        anchor="schema_filepath\x1fother-platform-path"),
        SimpleNamespace(rule="MWA019", path="variables.json", severity=Severity.ERROR,
                        anchor="output_path\x1fother-platform-path"),
        SimpleNamespace(rule="MWA005", path="include/dbt/cosmos_config.py", severity=Severity.ERROR,
                        anchor="/usr/local/airflow/include/dbt/\x1fdbt_project_path='/usr/local/airflow/include/dbt/',"),
        SimpleNamespace(rule="MWA005", path="dags/other.py", severity=Severity.ERROR,
                        anchor="/usr\x1fopen('/usr')")]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/dbt.py", "file-missing", ("MWA005",)),
        ("dags/partners.py", "file-missing", ("MWA019",))]


def test_an_id_a_helper_builds_at_run_time_points_at_its_warning_on_the_helper():
    """A project task class builds its TaskGroup's id from the name a DAG gives it ("...-3.5");
    API021 can only warn on the helper (the value is not known there), and that warning is the
    cause of Airflow's key check refusing the id. A warning on a file the error did not pass
    through is not."""
    files = [SimpleNamespace(path="dags/agg.py", status="import_error", raised_in="dags/lib/tasks.py:9",
                             project_frames=("dags/agg.py:4", "dags/lib/tasks.py:9"), lookups=(),
                             error=("ValueError: The key 'Agg-Spark-3.5' has to be made of alphanumeric "
                                    "characters, dashes, and underscores exclusively"))]
    findings = [SimpleNamespace(rule="API021", path="dags/lib/tasks.py", severity=Severity.WARNING),
                SimpleNamespace(rule="API021", path="dags/other.py", severity=Severity.WARNING)]
    failures = explain_failures(_verified(requirements=None, files=files), source_of=lambda p: p,
                                findings=findings, project_modules=PROJECT)
    assert [(f.cause, f.findings) for f in failures] == [("argument-rejected", ("API021",))]
