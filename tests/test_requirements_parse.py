"""Requirement files read the way pip reads them, and requirements hidden in other sources."""

from __future__ import annotations

from migrator.compat import get_version

from migrator.analysis.envsources import analyse_env, split_commands
from migrator.analysis.requirements import (
    analyse_requirements,
    installs_the_project,
    marker_excludes_target,
    parse_requirement,
    parse_requirements_text,
)
from migrator.config import Settings
from migrator.workspace import discover

TEXT = """\
# header comment
--index-url https://deploy:s3cret@nexus.corp.example.com/simple
--extra-index-url=https://mirror.example.com/simple
-c constraints.txt
-rbase.txt
--no-index
-f /usr/local/airflow/plugins
apache-airflow[amazon,postgres]==2.7.3
Pandas>=1.3 ; python_version < "3.8"  # trailing comment
requests==2.25.1 \\
    --hash=sha256:aaa \\
    --hash=sha256:bbb
git+https://github.com/acme/utils.git@v1#egg=acme-utils
acme_lib @ git+https://github.com/acme/lib.git
https://files.example.com/wheels/acme_hooks-2.1-py3-none-any.whl
-e ./libs/local_pkg
./wheels/bar-2.0-py3-none-any.whl
pandas=2.2.3
--frobnicate
"""


def test_requirement_lines_keep_name_specifier_marker_and_line():
    parsed = parse_requirements_text(TEXT, "requirements.txt")
    by_line = {r.line: r for r in parsed.requirements}
    airflow = by_line[8]
    assert (airflow.name, airflow.specifier, airflow.extras) == ("apache-airflow", "==2.7.3", ("amazon", "postgres"))
    pandas = by_line[9]
    assert pandas.name == "pandas" and pandas.written_name == "Pandas"
    assert pandas.marker == 'python_version < "3.8"' and pandas.specifier == ">=1.3"
    requests = by_line[10]  # a continued line keeps its first line number and every hash
    assert requests.hashes == ("sha256:aaa", "sha256:bbb") and requests.pinned_version == "2.25.1"
    assert 11 not in by_line and 12 not in by_line


def test_vcs_url_and_path_requirements_are_classified():
    parsed = parse_requirements_text(TEXT, "requirements.txt")
    kinds = {r.line: (r.kind, r.name, r.editable) for r in parsed.requirements}
    assert kinds[13] == ("vcs", "acme-utils", False)
    assert kinds[14] == ("vcs", "acme-lib", False)
    assert kinds[15] == ("url", "acme-hooks", False)
    assert kinds[16] == ("path", None, True)
    assert kinds[17] == ("path", "bar", False)


def test_a_path_of_the_projects_own_build_installs_the_project():
    def installs(text: str) -> bool:
        return installs_the_project(parse_requirement(text, "Dockerfile", 1))

    assert installs("dist/*.whl") and installs("./dist/acme_etl-1.0-py3-none-any.whl") and installs(".")
    assert not installs("./libs/local_pkg") and not installs("./wheels/bar-2.0-py3-none-any.whl")
    assert not installs("pandas")


def test_options_and_problems():
    parsed = parse_requirements_text(TEXT, "requirements.txt")
    options = [(o.line, o.option, o.value) for o in parsed.options]
    assert (2, "index-url", "https://deploy:s3cret@nexus.corp.example.com/simple") in options
    assert (3, "extra-index-url", "https://mirror.example.com/simple") in options
    assert (4, "constraint", "constraints.txt") in options
    assert (5, "requirement", "base.txt") in options
    assert (6, "no-index", None) in options
    assert (7, "find-links", "/usr/local/airflow/plugins") in options
    problems = dict(parsed.problems)
    assert "not a valid requirement" in problems[18]
    assert problems[19] == "unknown pip option --frobnicate"


def test_commented_constraint_is_recorded():
    assert parse_requirements_text("# -c constraints.txt\npandas\n", "r.txt").has_commented_constraint
    assert not parse_requirements_text("# pinned by hand\npandas\n", "r.txt").has_commented_constraint


def test_includes_are_followed_and_cycles_reported(make_project):
    root = make_project({
        "requirements.txt": "-r requirements/base.txt\n-c constraints.txt\nflask-cors==4.0.0\n",
        "requirements/base.txt": "-r common.txt\nrequests==2.32.5\n",
        "requirements/common.txt": "-r base.txt\npyyaml==6.0.2\n",
        "constraints.txt": "requests==2.32.5\n",
        "requirements-dev.txt": "pytest==8.0.0\n",
        "dags/dag.py": "from airflow import DAG\n",
    })
    facts = analyse_requirements(discover(root, Settings()))
    assert facts.entry_files == ["requirements.txt"]  # dev files and constraints are not shipped
    assert facts.closure("requirements.txt") == ["requirements.txt", "requirements/base.txt", "requirements/common.txt"]
    assert {r.name for r in facts.requirements_of("requirements.txt")} == {"flask-cors", "requests", "pyyaml"}
    assert facts.constraint_files == ["constraints.txt"]
    cycles = [p for p in facts.problems if "include cycle" in p[2]]
    assert cycles == [("requirements/common.txt", 1,
                       "include cycle: requirements/base.txt -> requirements/common.txt -> requirements/base.txt")]


def test_missing_include_is_a_problem(make_project):
    root = make_project({"requirements.txt": "pandas==2.3.3\n-r missing.txt\n"})
    facts = analyse_requirements(discover(root, Settings()))
    assert facts.problems == [("requirements.txt", 2, "-r missing.txt: file not found in the project")]


def test_pip_tools_input_next_to_compiled_file_is_not_an_entry(make_project):
    root = make_project({"requirements.in": "pandas\n", "requirements.txt": "pandas==2.3.3\n"})
    assert analyse_requirements(discover(root, Settings())).entry_files == ["requirements.txt"]


def test_hidden_requirements_from_compose_anchor_and_dockerfile(make_project):
    root = make_project({
        "docker-compose.yaml": (
            "x-airflow-common: &airflow-common\n"
            "  image: apache/airflow:2.7.3\n"
            "  environment: &airflow-env\n"
            "    AIRFLOW__CORE__EXECUTOR: CeleryExecutor\n"
            "    _PIP_ADDITIONAL_REQUIREMENTS: ${_PIP_ADDITIONAL_REQUIREMENTS:-zeep==4.2.1 pysftp}\n"
            "services:\n"
            "  scheduler:\n"
            "    <<: *airflow-common\n"
            "  worker:\n"
            "    <<: *airflow-common\n"
            "    environment:\n"
            "      <<: *airflow-env\n"
            "      EXTRA: '1'\n"
        ),
        "Dockerfile": ("FROM apache/airflow:2.7.3-python3.10\n"
                       "RUN pip install --no-cache-dir \\\n"
                       "      apache-airflow-providers-ssh==3.7.2 \\\n"
                       "      -r /requirements.txt && rm -rf /tmp/x\n"),
    })
    workspace = discover(root, Settings())
    env = analyse_env(workspace)
    facts = analyse_requirements(workspace, env)
    hidden = sorted((r.name, r.path, r.line, r.origin) for r in facts.hidden)
    assert hidden == [
        ("apache-airflow-providers-ssh", "Dockerfile", 2, "dockerfile"),
        ("pysftp", "docker-compose.yaml", 5, "compose"),
        ("zeep", "docker-compose.yaml", 5, "compose"),
    ]
    # The anchored environment is shared by two services but is one set of lines.
    executor = [v for v in env.variables if v.name == "AIRFLOW__CORE__EXECUTOR"]
    assert [(v.path, v.line) for v in executor] == [("docker-compose.yaml", 4)]
    assert any(v.name == "EXTRA" and v.service == "worker" for v in env.variables)
    assert env.base_images[0].airflow_version == "2.7.3"


def test_os_packages_from_dockerfile_and_packages_txt(make_project):
    root = make_project({
        "Dockerfile": "FROM apache/airflow:2.7.3\nRUN apt-get update && apt-get install -y --no-install-recommends libaio1 unixodbc\n",
        "packages.txt": "# comment\nkrb5-user\n",
        "entrypoint.sh": "#!/bin/bash\nsudo yum install -y java-11\nexec airflow \"$@\"\n",
    })
    env = analyse_env(discover(root, Settings()))
    assert sorted((p.name, p.manager, p.path, p.line) for p in env.os_packages) == [
        ("java-11", "yum", "entrypoint.sh", 2),
        ("krb5-user", "list", "packages.txt", 2),
        ("libaio1", "apt", "Dockerfile", 2),
        ("unixodbc", "apt", "Dockerfile", 2),
    ]


def test_installs_into_a_venv_of_their_own_are_kept_apart_from_the_image_environment(make_project):
    root = make_project({"Dockerfile": (
        "FROM apache/airflow:2.7.3\n"
        "RUN python -m venv soda_venv && source soda_venv/bin/activate && pip install soda-core==3.0.45 && deactivate"
        " && pip install pandas==2.2.3\n"
        "RUN python3 -m venv /opt/dbt && /opt/dbt/bin/pip install dbt-postgres==1.8.2 great-expectations==0.18.8\n"
        "RUN /usr/local/bin/pip install requests==2.32.3\n")})
    workspace = discover(root, Settings())
    facts = analyse_requirements(workspace, analyse_env(workspace))
    # dbt stays: the bundle builds the dbt venv from requirements.txt (compat isolated tools).
    assert sorted((r.name, r.line) for r in facts.hidden) == [("dbt-postgres", 3), ("pandas", 2), ("requests", 4)]
    assert {venv: [r.name for r in lines] for venv, lines in facts.venv_installs.items()} == {
        "soda_venv": ["soda-core"], "/opt/dbt": ["great-expectations"]}


def test_split_commands_handles_chains_and_comments():
    assert split_commands("a b && c 'd e' ; f | g # h") == [["a", "b"], ["c", "d e"], ["f"], ["g"]]
    assert split_commands("echo 'unterminated") == []


def test_marker_evaluation_for_the_target():
    target = get_version("3.3.1")
    assert marker_excludes_target('python_version < "3.10"', target)
    assert not marker_excludes_target('python_version >= "3.9"', target)
    assert marker_excludes_target('sys_platform == "win32"', target)
    # Either CPU architecture can run MWAA workers: only markers false on both exclude.
    assert not marker_excludes_target('platform_machine == "aarch64"', target)
    assert not marker_excludes_target("not a marker", target)


def test_a_requirements_folder_holds_the_entry_file(make_project):
    """base.txt/production.txt in requirements/ (cookiecutter, pip-tools): the shipped file is the
    one nothing includes, dev and test files and pip-tools inputs left out."""
    cookiecutter = make_project({
        "requirements/base.txt": "pandas==2.1.4\n",
        "requirements/production.txt": "-r base.txt\nsentry-sdk==2.0.0\n",
        "requirements/local.txt": "-r base.txt\npytest==8.0.0\n",
        "dags/dag.py": "from airflow import DAG\n",
    })
    facts = analyse_requirements(discover(cookiecutter, Settings()))
    assert facts.entry_files == ["requirements/production.txt"]
    assert {r.name for r in facts.requirements_of("requirements/production.txt")} == {"pandas", "sentry-sdk"}
    compiled = make_project({
        "requirements/base.in": "furl\n", "requirements/base.txt": "furl==2.1.4\n    # via -r requirements/base.in\n",
        "requirements/dev.in": "-r base.in\npytest\n", "requirements/dev.txt": "furl==2.1.4\npytest==8.0.0\n",
        "dags/dag.py": "from airflow import DAG\n",
    })
    assert analyse_requirements(discover(compiled, Settings())).entry_files == ["requirements/base.txt"]


def test_a_development_file_including_the_production_file_leaves_it_the_entry(make_project):
    """pip-tools layout: dev-requirements.in starts with ``-r requirements.txt`` (the compiled
    production lock). Being included by a development file does not make the lock any less the
    file MWAA gets (without this the bundle got no requirements at all)."""
    root = make_project({
        "requirements/requirements.in": "pydantic\n",
        "requirements/requirements.txt": "pydantic==2.9.2\n    # via -r requirements/requirements.in\n",
        "requirements/dev-requirements.in": "-r requirements.txt\npytest\n",
        "requirements/dev-requirements.txt": "pydantic==2.9.2\npytest==8.0.0\n",
        "dags/dag.py": "from airflow import DAG\n",
    })
    facts = analyse_requirements(discover(root, Settings()))
    assert facts.entry_files == ["requirements/requirements.txt"]


def test_the_value_of_an_install_option_is_not_a_package():
    from migrator.analysis.envsources import os_install_packages

    assert os_install_packages(["apk", "add", "--no-cache", "--virtual", ".build-deps", "gcc", "libxml2-dev"]) == (
        "apk", ["gcc", "libxml2-dev"])
    assert os_install_packages(["apt-get", "install", "-y", "-t", "bookworm-backports", "curl"]) == ("apt", ["curl"])
