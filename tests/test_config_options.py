"""airflow.cfg and AIRFLOW__* options: parsing, classification per target, the MWAA options map."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from migrator.compat import config_policy, get_version

from migrator.analysis.config import (
    analyse_config,
    classify,
    configuration_options,
    env_option,
    parse_airflow_cfg,
)
from migrator.analysis.envsources import analyse_env
from migrator.cli import main
from migrator.config import Settings
from migrator.workspace import discover

CFG = """\
[core]
dags_folder = /opt/airflow/dags
executor = LocalExecutor
sql_alchemy_conn = postgresql://airflow:hunter2@db.corp.example/airflow
default_task_retries = 2   # inline comment
dag_concurrency = 32
description = first line
    second line

[scheduler]
dag_dir_list_interval = 600

[smtp]
smtp_host = smtp.example.com
smtp_password = hunter2
"""


def test_parse_keeps_lines_continuations_and_strips_inline_comments():
    entries, problems = parse_airflow_cfg(CFG, "airflow.cfg")
    assert problems == []
    by_option = {e.option: e for e in entries}
    assert by_option["core.executor"].line == 3
    assert by_option["core.default_task_retries"].value == "2"
    assert by_option["core.description"].value == "first line\nsecond line"
    assert by_option["smtp.smtp_password"].line == 15


def test_parse_problem_names_the_line_without_the_secret():
    _, problems = parse_airflow_cfg("[core]\nexecutor = Local\nsmtp_password hunter2\n", "airflow.cfg")
    assert [p.line for p in problems] == [3] and "hunter2" not in problems[0].message


# Lines configparser cannot read: a key without a value, text without a delimiter, an option
# before any section header. (The last kind is only written before the first header.)
UNREADABLE_LINES = st.sampled_from(["smtp_password", "just some words", "= no key", ": no key either",
                                    "fernet_key"])
OPTION_KEYS = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)
OPTION_VALUES = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="#;"),
                        min_size=1, max_size=20)


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(st.lists(st.tuples(OPTION_KEYS, OPTION_VALUES, st.lists(UNREADABLE_LINES, max_size=2)),
                min_size=1, max_size=8),
       st.lists(UNREADABLE_LINES, max_size=2))
def test_an_unreadable_line_never_hides_the_options_after_it(options, before_any_section):
    lines = [*before_any_section, "[core]"]
    expected, bad = {}, [n + 1 for n in range(len(before_any_section))]
    for key, value, junk in options:
        for line in junk:
            lines.append(line)
            bad.append(len(lines))
        lines.append(f"{key} = {value}")
        expected[f"core.{key}"] = (value, len(lines))
    entries, problems = parse_airflow_cfg("\n".join(lines) + "\n", "airflow.cfg")
    assert {e.option: (e.value, e.line) for e in entries} == expected  # the last one of a key wins
    assert [p.line for p in problems] == bad


def test_secrets_and_the_dag_folder_after_a_bad_line_are_still_found(make_project):
    root = make_project({
        "airflow.cfg": "[core]\nload_examples\ndags_folder = /opt/airflow/pipelines\n"
                       "[smtp]\nsmtp_password = hunter2-after-bad-line\n",
        "pipelines/etl.py": "from airflow import DAG\n",
    })
    workspace = discover(root, Settings())
    assert workspace.dag_folders == ["pipelines"]
    facts = analyse_config(workspace, analyse_env(workspace))
    assert facts.value("smtp.smtp_password") == "hunter2-after-bad-line"
    assert [(path, p.line) for path, p in facts.problems] == [("airflow.cfg", 2)]


def test_env_option_names():
    assert env_option("AIRFLOW__CORE__DAGS_FOLDER") == "core.dags_folder"
    assert env_option("AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT") == \
        "celery_broker_transport_options.visibility_timeout"
    assert env_option("AIRFLOW_CONN_X") is None


def test_classification_for_airflow_3_and_2():
    three, two = get_version("3.3.1"), get_version("2.10.3")
    assert classify("core.executor", three).kind == "forced"
    assert classify("core.sql_alchemy_conn", three).kind == "forced"  # renamed, and forced under the new name
    assert classify("core.multi_team", three).kind == "rejected"
    # renamed in Airflow 3, and 3.3.1's deprecated_options still reads the old name
    deprecated = classify("scheduler.dag_dir_list_interval", three)
    assert (deprecated.kind, deprecated.new_option) == ("deprecated", "dag_processor.refresh_interval")
    renamed = classify("core.logging_level", three)  # an older rename 3.3.1 no longer maps
    assert (renamed.kind, renamed.new_option) == ("renamed", "logging.logging_level")
    assert classify("scheduler.dag_dir_list_interval", two).kind == "allowed"
    assert classify("core.dag_concurrency", two).kind == "deprecated"
    assert classify("core.check_slas", three).kind == "removed"
    assert classify("core.parallelism", three, "0").kind == "invalid-value"
    assert classify("core.parallelism", three, "64").kind == "allowed"
    assert classify("webserver.web_server_port", three).kind == "meaningless"
    assert classify("kubernetes.namespace", three).kind == "meaningless"
    assert classify("celery.worker_concurrency", three).kind == "ignored"
    assert classify("smtp.smtp_port", three).kind == "allowed"  # an MWAA console option, not a machine port
    assert classify("my-team.owner", three).kind == "invalid-key"


def test_every_forced_option_of_the_policy_is_classified_forced():
    target = get_version("3.3.1")
    policy = config_policy(target)
    for option in policy.forced:
        name = option.option.replace("*", "statsd_on")
        expected = "rejected" if policy.rejected_option(name) else "forced"  # rejection is the stronger verdict
        assert classify(name, target).kind == expected, name


def test_configuration_options_map(make_project):
    root = make_project({
        "airflow.cfg": CFG,
        ".env": "AIRFLOW__CORE__DEFAULT_TASK_RETRIES=3\nAIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=900\n",
    })
    workspace = discover(root, Settings())
    facts = analyse_config(workspace, analyse_env(workspace))
    options = configuration_options(facts, get_version("3.3.1"))
    assert options == {
        "core.default_task_retries": "3",  # the environment overrides airflow.cfg
        # core.description spans two lines: not printable ASCII, so MWAA would reject it (CFG007)
        "core.max_active_tasks_per_dag": "32",  # written under the name the target reads
        "dag_processor.refresh_interval": "900",  # set under its new name: wins over the old one
        "smtp.smtp_host": "smtp.example.com",
    }
    older = configuration_options(facts, get_version("2.10.3"))
    assert older["scheduler.dag_dir_list_interval"] == "600"  # 2.10 still reads the old name
    assert "smtp.smtp_password" not in older  # allowed on 2.10, but a credential: Secrets Manager


def test_inventory_masks_the_options_map_and_secrets_never_print(make_project, capsys):
    root = make_project({
        "airflow.cfg": "[core]\ndefault_task_retries = 2\n[secrets]\nbackend_kwargs = {\"token\": \"tok-9f8e7d\"}\n",
        "docker-compose.yaml": "services:\n  web:\n    environment:\n      AIRFLOW__SMTP__SMTP_PASSWORD: hunter2-pw\n"
                               "      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: postgresql://a:db-pw-42@db/airflow\n",
        "dags/etl.py": "from airflow import DAG\n",
    })
    code = main(["scan", str(root), "--format", "json", "--no-cache", "--target", "3.3.1"])
    out = capsys.readouterr().out
    assert code == 1
    for secret in ("tok-9f8e7d", "hunter2-pw", "db-pw-42"):
        assert secret not in out
    document = json.loads(out)
    config = document["inventory"]["config"]
    assert config["airflow_configuration_options"]["core.default_task_retries"] == "2"
    assert "secrets.backend_kwargs" not in config["airflow_configuration_options"]  # holds a credential
    by_line = {(f["path"], f["line"]): f for f in document["findings"] if f["rule"] in ("CFG001", "CFG006")}
    # The SMTP password is kept in Secrets Manager (CFG006); the database URL's is never carried
    # over: one finding, MWAA's own option (CFG001), with the credential a related location.
    assert by_line[("docker-compose.yaml", 4)]["rule"] == "CFG006"
    forced = by_line[("docker-compose.yaml", 5)]
    assert forced["rule"] == "CFG001" and "rotate it" in forced["message"]
    assert [(r["line"], r["message"].split(":")[0]) for r in forced["related"]] == [(5, "CFG006")]


def test_shell_substitutions_from_scripts_stay_out_of_the_options_map(make_project):
    from migrator.compat import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    root = make_project({
        "dags/a.py": "from airflow import DAG\n",
        "entrypoint.sh": ('export AIRFLOW__API__BASE_URL="http://$(hostname -f):8080"\n'
                          "export AIRFLOW__CORE__DEFAULT_TASK_RETRIES=2\n"),
    })
    result = scan(root, Settings(), get_version("3.3.1"), jobs=1, use_cache=False)
    options = result.project.inventory_sections(result.target)
    merged = {k: v for section in options for k, v in section.get("config", {}).get(
        "airflow_configuration_options", {}).items()}
    assert "api.base_url" not in merged
    assert merged.get("core.default_task_retries") == "2"
