"""The fixed requirements.txt: what changes, what stays, and that a rescan finds nothing fixable."""

from __future__ import annotations

import shutil

import pytest
from conftest import EXAMPLE_PROJECT, SHARED
from migrator.compat import get_version

from migrator.analysis.requirements import parse_constraints_text, via_annotations
from migrator.config import Settings
from migrator.engine import scan
from migrator.requirements_fix import fix_requirements, fixed_requirements_for, inline_includes

CONSTRAINTS_331 = SHARED / "mwaa-data" / "3.3.1" / "airflow_constraints.txt"
TARGET = get_version("3.3.1")


@pytest.fixture(scope="module")
def constraints():
    return parse_constraints_text(CONSTRAINTS_331.read_text(), str(CONSTRAINTS_331))


def test_fix_keeps_comments_order_and_line_endings(constraints):
    text = ("# Pipeline deps\r\n"
            "--constraint https://raw.githubusercontent.com/apache/airflow/constraints-2.7.3/constraints-3.11.txt\r\n"
            "apache-airflow[snowflake]==2.7.3\r\n"
            "Flask==2.2.5  # UI\r\n"
            "\r\n"
            "requests[socks]==2.25.1 ; python_version >= \"3.8\"  # HTTP\r\n"
            "my-lib==1.0\r\n")
    # The file pins Airflow 2.7.3: its own dependencies go unless the code imports them.
    fixed = fix_requirements(text, TARGET, constraints=constraints, imported={"requests"})
    pinned = constraints.get("requests")
    assert fixed == (
        "# Pipeline deps\r\n"
        f'--constraint "{TARGET.constraints_url}"\r\n'
        "\r\n"
        f'requests[socks]=={pinned}; python_version >= "3.8"  # HTTP\r\n'
        "my-lib==1.0\r\n"
        "apache-airflow-providers-snowflake\r\n"
    )
    assert fix_requirements(fixed, TARGET, constraints=constraints, imported={"requests"}) == fixed


def test_constraint_line_is_added_once_and_a_commented_one_counts():
    assert fix_requirements("pandas==2.3.3\n", TARGET) == f'--constraint "{TARGET.constraints_url}"\npandas==2.3.3\n'
    assert fix_requirements("# -c constraints.txt\npandas==2.3.3\n", TARGET) == "# -c constraints.txt\npandas==2.3.3\n"
    local = "-c /usr/local/airflow/dags/constraints.txt\npandas==2.3.3\n"
    assert fix_requirements(local, TARGET) == local


def test_hashes_of_a_moved_pin_are_dropped(constraints):
    text = "-c c.txt\npandas==1.0.0 \\\n    --hash=sha256:aaa\n"
    assert fix_requirements(text, TARGET, constraints=constraints) == f"-c c.txt\npandas=={constraints.get('pandas')}\n"


def test_a_hashed_lock_is_reduced_and_loses_every_hash(constraints):
    """The "# via" notes of a hashed lock sit below its --hash lines; once the lock is reduced,
    hash-checking mode could only fail (the dropped packages have no hash), so none stay."""
    text = ("furl==2.1.4 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n    # via -r requirements/base.in\n"
            "orderedmultidict==1.0.1 \\\n    --hash=sha256:ccc\n    # via furl\n")
    assert via_annotations(text) == {1: ("-r requirements/base.in",), 5: ("furl",)}
    assert fix_requirements(text, TARGET, constraints=constraints) == (
        f'--constraint "{TARGET.constraints_url}"\nfurl==2.1.4\n    # via -r requirements/base.in\n')
    unchanged = "furl==2.1.4 \\\n    --hash=sha256:aaa\n    # via -r requirements/base.in\n"
    assert "--hash=sha256:aaa" in fix_requirements(unchanged, TARGET, constraints=constraints)


def test_providers_backports_and_extra_requirements(constraints):
    text = "-c c.txt\napache-airflow-backport-providers-sftp==2021.3.3\napache-airflow-backport-providers-amazon==2021.3.3\n"
    fixed = fix_requirements(
        text, TARGET, constraints=constraints,
        needed_providers={"apache-airflow-providers-slack": "99.0.0", "apache-airflow-providers-amazon": "8.0.0",
                          "apache-airflow-providers-ssh": None},
        extra_requirements=["zeep==4.2.1", "pandas", "apache-airflow==2.7.3", "flask==2.2.5"])
    assert fixed.splitlines() == [
        "-c c.txt",
        "apache-airflow-providers-sftp",  # the backport's provider, in its place
        # amazon is preinstalled at a version >= 8.0.0: neither the backport nor the need adds it
        "apache-airflow-providers-slack>=99.0.0",  # the constraints pin an older one: keep the floor
        "apache-airflow-providers-ssh",
        f"zeep=={constraints.get('zeep')}",
        "pandas",
    ]


def test_fixed_example_project_has_no_fixable_requirement_findings(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE_PROJECT, root, ignore=shutil.ignore_patterns(".ruff_cache"))
    settings = Settings(select=("REQ",), constraints=str(CONSTRAINTS_331))
    before = scan(root, settings, TARGET, jobs=1, use_cache=False)
    fixable = {"REQ001", "REQ002", "REQ003", "REQ004", "REQ007", "REQ016", "REQ019"}
    assert fixable <= {f.rule for f in before.findings}

    # MWAA receives one file: inline the includes, then fix it.
    (root / "requirements.txt").write_text(inline_includes(before.project, "requirements.txt"))
    (root / "requirements-extra.txt").unlink()
    flattened = scan(root, settings, TARGET, jobs=1, use_cache=False)
    (root / "requirements.txt").write_text(fixed_requirements_for(flattened.project, TARGET))

    # requirements.txt is the file MWAA receives; requirements_af2.txt stays the Airflow 2
    # image's own file, with its own (2.7.3) constraints, and is not judged.
    after = scan(root, settings, TARGET, jobs=1, use_cache=False).findings
    left = sorted({f.rule for f in after} & fixable)
    assert left == [], [f.message for f in after if f.rule in fixable]
    text = (root / "requirements.txt").read_text()
    assert "# --- Our own packages" in text and "apache-airflow==" not in text and "apache-airflow[" not in text


def test_root_requirements_txt_is_the_entry_even_when_another_file_sorts_first(make_project):
    from migrator.compat import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    root = make_project({
        "dags/a.py": "from airflow import DAG\n",
        "requirements-af2.txt": "pandas==2.2.3\n",
        "requirements.txt": "requests==2.32.3\n",
        "sub/requirements.txt": "numpy==2.1.0\n",
    })
    result = scan(root, Settings(select=("REQ",)), get_version("3.3.1"), jobs=1, use_cache=False)
    assert result.project.requirements.entry_files[0] == "requirements.txt"


def test_fix_and_migrate_take_a_constraints_file(make_project, tmp_path):
    from migrator.cli import main

    constraints = tmp_path / "company-constraints.txt"
    constraints.write_text("requests==2.31.0\n")
    root = make_project({"requirements.txt": "requests==2.25.1\n"})
    assert main(["fix", str(root), "--apply", "--select", "REQ004", "--constraints", str(constraints)]) == 0
    assert "requests==2.31.0" in (root / "requirements.txt").read_text()
    source = make_project({"requirements.txt": "requests==2.25.1\n", "dags/etl.py": "from airflow import DAG\n"})
    main(["migrate", str(source), "--out", str(tmp_path / "out"), "--constraints", str(constraints)])
    assert "requests==2.31.0" in (tmp_path / "out" / "bundle" / "requirements.txt").read_text()


LOCK_1_10 = """\
#
# This file is autogenerated by pip-compile with python 3.7
#
apache-airflow[postgres]==1.10.15
    # via -r requirements.in
alembic==1.4.3
    # via apache-airflow
# reporting
pandas==0.25.3  # via -r requirements.in, apache-airflow
numpy==1.18.5
    # via
    #   apache-airflow
    #   pandas
pysftp==0.2.9
    # via -r requirements.in
"""


def test_a_1_10_pip_compile_lock_is_reduced_to_its_direct_requirements(constraints):
    fixed = fix_requirements(LOCK_1_10, TARGET, constraints=constraints)
    assert fixed == (
        f'--constraint "{TARGET.constraints_url}"\n'
        "#\n# This file is autogenerated by pip-compile with python 3.7\n#\n"
        "# reporting\n"
        f"pandas=={constraints.get('pandas')}  # via -r requirements.in, apache-airflow\n"
        "pysftp==0.2.9\n"
        "    # via -r requirements.in\n"
    )  # the postgres provider the extra stood for is preinstalled on 3.3.1: not added
    assert fix_requirements(fixed, TARGET, constraints=constraints) == fixed


def test_a_lock_keeps_a_transitive_pin_the_code_imports(constraints):
    """numpy came in for pandas, but the DAGs import it too: the reduced lock keeps it, and a
    second fix (REQ021 would add it back from another file) changes nothing."""
    lock = ("pandas==2.1.4\n    # via -r requirements/base.in\nnumpy==1.26.4\n    # via pandas\n"
            "pytz==2024.1\n    # via pandas\n")
    fixed = fix_requirements(lock, TARGET, constraints=constraints, imported={"numpy", "pandas"})
    assert "numpy==" in fixed and "pytz" not in fixed
    assert fix_requirements(fixed, TARGET, constraints=constraints, imported={"numpy", "pandas"}) == fixed


def test_a_package_installed_elsewhere_that_the_image_has_is_not_added(constraints):
    """A Dockerfile's `pip install requests`: the image has requests, so the line a fix would
    add is one the next fix would drop (or move): it is not added."""
    fixed = fix_requirements("pandas==2.1.4\n", TARGET, constraints=constraints, extra_requirements=["requests"])
    assert "requests" not in fixed
    assert fix_requirements(fixed, TARGET, constraints=constraints, extra_requirements=["requests"]) == fixed


def test_a_frozen_1_10_environment_keeps_what_the_code_imports(constraints):
    frozen = "apache-airflow==1.10.12\ntabulate==0.8.7\npandas==0.25.3\nmarkdown==2.6.11\nzeep==3.4.0\n"
    fixed = fix_requirements(frozen, TARGET, constraints=constraints, imported={"pandas", "os"})
    assert fixed.splitlines()[1:] == [f"pandas=={constraints.get('pandas')}", f"zeep=={constraints.get('zeep')}"]


def test_preinstalled_lines_go_unless_they_pin_another_version(constraints):
    text = "apache-airflow-providers-amazon>=8.0\nrequests==2.25.1\nboto3-stubs==1.0\nvirtualenv\n"
    fixed = fix_requirements(text, TARGET, constraints=constraints)
    assert fixed.splitlines()[1:] == ["boto3-stubs==1.0"]  # deliberate: REQ008 says so


def test_dbt_goes_to_a_venv_of_its_own_and_cosmos_loses_its_dbt_extra():
    """dbt-core 1.10 needs pathspec<0.13 where MWAA 3.3.1 pins 1.1.1: dbt and its adapters are
    installed apart (startup.sh), an extra that pulled one in is taken off, the rest stays."""
    from migrator.requirements_fix import isolate_tools

    text = ("--constraint \"https://example.com/c.txt\"\npandas==2.2.3\ndbt-core==1.10.13  # transform\n"
            "astronomer-cosmos[dbt-postgres,openlineage]==1.9.0\ndbt-postgres==1.9.1 \\\n"
            "    --hash=sha256:0123\n")
    fixed, moved = isolate_tools(text)
    assert fixed.splitlines() == [
        '--constraint "https://example.com/c.txt"', "pandas==2.2.3",
        ("# dbt-core==1.10.13: installed by startup.sh into ${AIRFLOW_HOME}/dbt_venv "
         "(dbt's pins conflict with the packages Airflow's constraints pin)"),
        "astronomer-cosmos[openlineage]==1.9.0",
        ("# dbt-postgres==1.9.1: installed by startup.sh into ${AIRFLOW_HOME}/dbt_venv "
         "(dbt's pins conflict with the packages Airflow's constraints pin)")]
    assert [(m.tool.name, m.requirements) for m in moved] == [("dbt", ("dbt-core==1.10.13", "dbt-postgres==1.9.1"))]
    assert isolate_tools(fixed) == (fixed, [])  # a second pass changes nothing
    assert isolate_tools("pandas\n") == ("pandas\n", [])


def test_a_distribution_pypi_has_under_another_name_is_replaced_when_only_pypi_is_asked():
    """odc-aws is not on PyPI (its index is one upstream left): odc-cloud ships odc.aws, and the
    extra the old package stood for comes along (odc-aio -> odc-cloud[async])."""
    text = ('--extra-index-url="https://packages.dea.ga.gov.au"\n'
            "odc-aws==0.1.2\n"
            'odc-aio; python_version >= "3.8"  # async S3\n'
            "toolz==1.0.0\n")
    fixed = fix_requirements(text, TARGET)
    lines = fixed.splitlines()
    assert lines[2].startswith("odc-cloud==0.2.6  # migrator: was odc-aws==0.1.2; PyPI has no odc-aws")
    assert lines[3].startswith('odc-cloud[async]==0.2.6; python_version >= "3.8"  # migrator: was odc-aio;')
    assert lines[4] == "toolz==1.0.0"
    assert fix_requirements(fixed, TARGET) == fixed


@pytest.mark.parametrize("source", ["--extra-index-url https://nexus.corp.example.com/simple",
                                    "--find-links /usr/local/airflow/plugins\n--no-index"])
def test_a_superseded_distribution_stays_where_another_source_may_serve_it(source):
    text = f"{source}\nodc-aws==0.1.2\n"
    assert "odc-aws==0.1.2\n" in fix_requirements(text, TARGET)


def test_a_module_only_a_git_requirement_elsewhere_installs_is_reported_but_never_added_by_name(make_project):
    """dimcli comes from a Git line of pyproject.toml: REQ021 reports the import without a fix,
    and the fixed requirements.txt gains neither that line (MWAA may not reach the host) nor
    PyPI's dimcli (another build), while a PyPI line of the same file is added as it is."""
    root = make_project({
        "dags/etl.py": "from airflow import DAG\nimport dimcli\nimport xmltodict\n",
        "requirements.txt": "pandas==2.2.3\n",
        "pyproject.toml": ('[project]\nname = "acme-etl"\ndependencies = [\n'
                           '    "dimcli @ git+https://github.com/acme/dimcli@fix-202",\n    "xmltodict>=0.14.2",\n]\n'),
    })
    target = get_version("3.3.1")
    result = scan(root, Settings(select=("REQ021",)), target, jobs=1, use_cache=False)
    by_name = {f.anchor.split("\x1f")[0]: f for f in result.findings if f.rule == "REQ021"}
    assert sorted(by_name) == ["dimcli", "xmltodict"]
    assert by_name["dimcli"].fix is None and "from a Git repository" in by_name["dimcli"].message
    assert by_name["xmltodict"].fix is not None
    fixed = fixed_requirements_for(result.project, target)
    assert "xmltodict" in fixed and "dimcli" not in fixed


def test_a_package_the_constraints_pin_and_nothing_installs_is_added_at_the_pinned_version(make_project):
    root = make_project({"dags/report.py": "from airflow import DAG\nimport pandas as pd\n",
                         "requirements.txt": "# nothing yet\n"})
    before = scan(root, Settings(select=("REQ024",)), TARGET, jobs=1, use_cache=False)
    assert [f.fix.params["name"] for f in before.findings] == ["pandas"]
    (root / "requirements.txt").write_text(fixed_requirements_for(before.project, TARGET))
    assert "pandas" in (root / "requirements.txt").read_text()
    assert scan(root, Settings(select=("REQ024",)), TARGET, jobs=1, use_cache=False).findings == []
