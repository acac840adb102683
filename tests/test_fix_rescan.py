"""A fix never creates a finding: every rule example whose findings carry a fix is fixed, written
and scanned again, and the new scan reports nothing the first did not."""

from __future__ import annotations

from collections import Counter

import pytest
from migrator.compat import renamed_modules
from migrator.compat.aws_native import docker_to_ecs, pod_to_eks

from migrator.config import Settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes
from migrator.rules import all_rules

CASES = [
    pytest.param(example, id=f"{rule.id}-{kind}{i}")
    for rule in all_rules()
    for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
    for i, example in enumerate(examples)
    if not example.crash and example.facts is None  # a PKG rule's facts example is no project
]


# A verify run made before the fix is stale after it, by definition: MIG105 says so.
STALE_VERIFY = "MIG105"


# Rules whose advice depends on what another rule's fix changes: the same finding, reworded.
REWORDED_BY_ANOTHER_FIX = {
    "MWA004": "a script on a task routed to an on-prem queue is run on that host; once MWA010's fix drops "
              "the queue, the task runs on MWAA's workers and the advice becomes 'ship it in the DAG folder'",
    "MWA005": "a path of a task routed to an on-prem queue is on that host; once MWA010's fix drops the "
              "queue, the path is one MWAA's workers must reach and the advice becomes 'keep it in S3'",
    "REQ007": "the cncf-kubernetes provider a pod operator was imported from is, after MWA002's rewrite to "
              "EksPodOperator, needed through the amazon provider's eks module, which imports it: the same "
              "missing provider, worded for how the code needs it",
}


# What a fix's new code needs from the environment, reported on purpose: the ECS rewrite of a
# Docker task (docs/aws-native.md) reads its subnets and security group from Airflow Variables,
# the EKS rewrite of a pod task its cluster's name, and CON002 names each one to create.
_REWRITE_VARIABLES = tuple(f"variable '{name}'" for name in (*docker_to_ecs().subnet_variables,
                                                             *docker_to_ecs().security_group_variables,
                                                             pod_to_eks().cluster_variable))


# The rewrite of Airflow's own pod objects (Volume, VolumeMount, ...) to the Kubernetes client's
# (API014) imports kubernetes.client, which MWAA 3.x's image lacks unless a requirement brings it
# (the cncf-kubernetes provider does): REQ024 names it, the old import failed anyway.
_CLIENT_IMPORT = "kubernetes is not installed"


# PY003 imports a renamed module's successor (cx_Oracle -> oracledb): where no requirement names
# it, REQ024 says so under the new name, as it said it under the old one before the fix.
_SUCCESSOR_IMPORTS = tuple(f"{new} is not installed" for new in renamed_modules().values())


def _needed_by_the_fix(finding) -> bool:
    return (finding.rule == "CON002" and any(variable in finding.message for variable in _REWRITE_VARIABLES)
            or finding.rule == "REQ024" and finding.message.startswith((_CLIENT_IMPORT, *_SUCCESSOR_IMPORTS)))


def _what(findings) -> Counter:
    """Findings without their lines: a fix moves lines, it must not add reports."""
    return Counter((f.rule, f.path, None if f.rule in REWORDED_BY_ANOTHER_FIX else f.message)
                   for f in findings if f.rule != STALE_VERIFY and not _needed_by_the_fix(f))


@pytest.mark.parametrize("example", CASES)
def test_a_fix_creates_no_finding(example, make_project):
    root = make_project(example.all_files())
    target = example.target_version()
    before = scan(root, Settings(), target, jobs=1, use_cache=False)
    plan = plan_fixes(root, Settings(), target, unsafe=True, jobs=1, result=before)
    if not plan.files:
        return
    apply_plan(root, plan)
    after = scan(root, Settings(), target, jobs=1, use_cache=False)
    # Absorbed findings count: one hidden under a fixed finding surfaces, it is not created.
    created = _what(after.all_findings) - _what(before.all_findings)
    assert not created, sorted(created)
