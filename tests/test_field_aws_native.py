"""bench/field/run.py's aws-native step: what a `migrate --aws-native --verify` report says about
the container tasks (rewritten per AWS-native fix kind, left with the first clause of their reason,
whether the files holding a rewrite load) and how results.md shows it."""

from __future__ import annotations

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "bench" / "field"))
import run

LEFT = "Not rewritten to EcsRunTaskOperator automatically: "


def finding(rule: str, path: str, fingerprint: str, message: str = "needs a Docker daemon", kind: str | None = None) -> dict:
    return {"rule": rule, "path": path, "fingerprint": fingerprint, "message": message, "line": 3,
            "fix": {"data": {"kind": kind}, "safety": "unsafe"} if kind else None, "related": []}


DOCKER = finding("MWA001", "dags/etl/load.py", "d1", kind="docker-to-ecs")
POD = finding("MWA002", "dags/pods.py", "p1", "KubernetesPodOperator needs a cluster", kind="pod-to-ecs")
POD_HELPER = finding("MWA002", "dags/lib/helper.py", "p2", kind="pod-to-ecs")  # not a DAG file
MOUNTS = finding("MWA001", "dags/etl/load.py", "d2",
                 f"DockerOperator needs a Docker daemon. {LEFT}mounts: a Fargate task cannot read the host's files.")
AFFINITY = finding("MWA002", "dags/pods.py", "p3", f"KubernetesPodOperator needs a cluster. {LEFT}affinity: Fargate places tasks.")
POSITIONAL = finding("MWA002", "dags/pods.py", "p4",
                     f"x. {LEFT}the call passes positional arguments or **kwargs, which hide what it sets.")
SUBCLASS = finding("MWA001", "dags/etl/track.py", "d3", "TrackingDockerOperator (a DockerOperator) needs a Docker daemon: x")
DEFINITION = finding("MWA001", "dags/etl/track.py", "d4", "TrackingDockerOperator extends a Docker operator, which "
                     f"needs a Docker daemon. {LEFT}TrackingDockerOperator is the project's own class, whose code may.")
MOVED = finding("API001", "dags/pods.py", "a1", "moved", kind="replace-import")

DOCUMENT = {
    "findings": {
        "before": {"findings": [DOCKER, POD, POD_HELPER, MOUNTS, AFFINITY, POSITIONAL, SUBCLASS, DEFINITION,
                                 MOVED]},
        "after": {"findings": [MOUNTS, AFFINITY, POSITIONAL, SUBCLASS, DEFINITION]},
    },
    "fixed": {"review": [DOCKER, POD, POD_HELPER, MOVED]},
    "needs_human": [{**f, "reason": "no automatic fix"} for f in (MOUNTS, AFFINITY, POSITIONAL, SUBCLASS)],
    "verify": {
        "headline": "2 of 3 DAG files load",
        "not_loading": [{"bundle_path": "dags/pods.py", "source_path": "dags/pods.py", "cause": "argument-rejected",
                         "error": "TypeError: Invalid arguments were passed to EcsRunTaskOperator\nmore", "raised_in": None}],
    },
}
PARSED = {"dags/etl/load.py", "dags/pods.py"}  # the bundle's dags/ files Airflow parses


def test_the_reason_is_its_first_clause_and_a_task_offered_no_rewrite_says_of_what():
    assert run.reason_clause(MOUNTS["message"]) == "mounts"
    assert run.reason_clause(POSITIONAL["message"]) == "the call passes positional arguments or **kwargs"
    assert run.reason_clause(f"x. {LEFT}the image is not a literal string (templated or computed), so no.") \
        == "the image is not a literal string"
    assert run.reason_clause(SUBCLASS["message"], "no automatic fix") \
        == "no automatic fix (a project subclass of DockerOperator)"
    assert run.reason_clause("TtdPodOperator (a KubernetesPodOperator) starts Kubernetes pods, which need a "
                             "cluster", "no automatic fix") == "no automatic fix (a project subclass of KubernetesPodOperator)"
    assert run.reason_clause("DockerSwarmOperator needs a Docker swarm", None) == "no reason given (DockerSwarmOperator)"


def test_rewritten_by_aws_native_kind_left_by_reason_and_the_rewritten_files_that_load():
    summary = run.summarise_aws_native(DOCUMENT, ["dags"], PARSED)
    assert summary["container_tasks"] == 7
    assert summary["by_rule"] == {"MWA001": 3, "MWA002": 4}
    assert summary["subclass_definitions"] == 1  # where the subclass is defined: not a task
    assert summary["rewritten"] == {"docker-to-ecs": 1, "pod-to-ecs": 2}  # replace-import is not AWS-native
    assert summary["not_rewritten"] == 4
    assert summary["not_rewritten_reasons"] == {
        "mounts": 1, "affinity": 1, "the call passes positional arguments or **kwargs": 1,
        "no automatic fix (a project subclass of DockerOperator)": 1}
    assert summary["rewritten_files"] == ["dags/etl/load.py", "dags/lib/helper.py", "dags/pods.py"]
    # helper.py is not a DAG file Airflow parses: neither loading nor failing
    assert (summary["verified"], summary["loading"]) == (2, 1)
    assert summary["not_loading"] == {"dags/pods.py": {
        "cause": "argument-rejected", "error": "TypeError: Invalid arguments were passed to EcsRunTaskOperator",
        "bundle_path": "dags/pods.py"}}
    assert summary["findings_after"] == 4


def test_a_dag_folder_maps_project_paths_to_the_bundle_and_an_error_raised_in_a_helper_counts():
    document = {**DOCUMENT, "verify": {"headline": "", "not_loading": [
        {"bundle_path": "dags/pods.py", "source_path": "src/dags/pods.py", "cause": "provider-api",
         "error": "AttributeError: x", "raised_in": "dags/lib/helper.py:12"}]}}
    moved = {**document, "findings": {"before": {"findings": [{**f, "path": "src/" + f["path"]} for f in
                                                              document["findings"]["before"]["findings"]]},
                                      "after": {"findings": []}},
             "fixed": {"review": [{**f, "path": "src/" + f["path"]} for f in document["fixed"]["review"]]}}
    summary = run.summarise_aws_native(moved, ["src/dags"], {"dags/etl/load.py", "dags/pods.py"})
    assert set(summary["not_loading"]) == {"src/dags/pods.py", "src/dags/lib/helper.py"}
    assert (summary["verified"], summary["loading"]) == (3, 1)


def test_without_verify_nothing_is_said_about_loading():
    summary = run.summarise_aws_native({**DOCUMENT, "verify": None}, ["dags"], PARSED)
    assert summary["verified"] is None and summary["loading"] is None and summary["not_loading"] == {}


INFRA_OK = {"cfn_lint": {"errors": 0, "warnings": 0, "rules": []}, "terraform": {"files": 3, "parsed": True},
            "checkov": {"cloudformation": {"failed": 0, "passed": 40, "skipped": 4, "failed_checks": []},
                        "terraform": {"failed": 0, "passed": 38, "skipped": 4, "failed_checks": []}}}


def test_infra_passes_only_when_every_tool_ran_and_found_nothing():
    assert run.infra_passes(INFRA_OK) is True
    assert run.infra_passes({**INFRA_OK, "cfn_lint": {"errors": 0, "warnings": 1, "rules": ["W3005"]}}) is False
    assert run.infra_passes({**INFRA_OK, "checkov": {"error": "checkov 3.3.30 could not be installed: x"}}) is None
    assert run.infra_passes(None) is None


def test_the_section_has_a_row_per_repository_totals_reasons_and_the_files_that_do_not_load():
    step = {**run.summarise_aws_native(DOCUMENT, ["dags"], PARSED), "infra": INFRA_OK,
            "run": {"returncode": 1, "traceback": False}}
    results = {"meta": {"targets": ["3.3.1"]}, "repos": [
        {"name": "acme/etl", "targets": {"3.3.1": {"aws-native": step}}},
        {"name": "acme/plain", "targets": {"3.3.1": {"aws-native": {"skipped": "no container tasks"}}}},
        {"name": "acme/crash", "targets": {"3.3.1": {"aws-native": {"run": {"returncode": 3, "traceback": True}}}}},
        {"name": "acme/old", "targets": {"3.3.1": {"scan": {}}}},
    ]}
    text = "\n".join(run.render_aws_native(results))
    assert text.startswith("## AWS-native rewrites (migrate --aws-native)")
    assert "### Target 3.3.1" in text
    assert ("| acme/etl | 7 | docker-to-ecs 1, pod-to-ecs 2 | 4: mounts 1; affinity 1; the call passes positional "
            "arguments or **kwargs 1 (+1 more) | 3 | 1/2 (1 not parsed as DAG files) | cfn-lint 0 E / 0 W, hcl2 ok, "
            "checkov 0 failed/0 failed (CFN/TF) |") in text
    assert "| acme/crash | | migrate exit 3 TB |" in text
    assert "Not run: acme/plain (no container tasks)." in text
    assert "acme/old" not in text
    assert ("Totals: 7 container tasks, 3 rewritten (docker-to-ecs 1, pod-to-ecs 2), 4 not rewritten; 3 files "
            "with a rewrite, 1 of the 2 loaded by verify load; infra passes cfn-lint, hcl2 and checkov for 1 of 1 "
            "repositories checked; migrate runs without a report: 1.") in text
    assert "- acme/etl: `dags/pods.py`: argument-rejected: TypeError: Invalid arguments" in text
    assert run.render_aws_native({"meta": {"targets": ["3.3.1"]}, "repos": [results["repos"][3]]}) == []


def test_the_step_runs_nothing_where_the_scan_found_no_container_task(tmp_path):
    assert run.step_aws_native(tmp_path, "3.3.1", tmp_path, {"by_rule": {"API001": 3, "MWA001": 0}}) \
        == {"skipped": "no container tasks"}
    assert run.step_aws_native(tmp_path, "3.3.1", tmp_path, {"runs": {"json": {"returncode": 2}}}) \
        == {"skipped": "scan refused the project (exit 2)"}
    assert not (tmp_path / "aws-native").exists()
