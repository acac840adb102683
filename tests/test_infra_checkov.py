"""checkov on what ``migrator infra`` writes: no failed check in the CloudFormation template or
the Terraform module (the bucket's deliberate gaps are inline skips with their reasons).

checkov pins libraries older than ours (boto3, packaging, networkx), so it cannot join the test
extra: it is installed once into a venv of its own in the tool's cache
(``~/.cache/mwaa-migrator/venvs/checkov-<version>``, like the Airflow venvs), which needs the
package registry the first time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_infra import SECRETS_MANAGER, container_spec, eks_spec, every_service_usage, spec_for

from migrator.cache import cache_dir
from migrator.infra import CLOUDFORMATION, TERRAFORM_DIR, write_infra

CHECKOV_VERSION = "3.3.30"
pytestmark = pytest.mark.network


@pytest.fixture(scope="session")
def checkov() -> Path:
    import fcntl

    venv = cache_dir("venvs") / f"checkov-{CHECKOV_VERSION}"
    done = venv / ".complete"  # written last: a half-built venv is rebuilt
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"],
                           check=True)
            done.touch()
    return venv / "bin" / "checkov"


def run_checkov(checkov: Path, framework: str, *target: str) -> dict:
    # --skip-download: no call to Prisma Cloud for guidelines (tests run offline).
    result = subprocess.run([str(checkov), *target, "--framework", framework, "--output", "json",
                             "--skip-download"], check=False, capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


SPECS = {
    "every-service": lambda: spec_for(every_service_usage(), {"secrets.backend": SECRETS_MANAGER}),
    "container-tasks": container_spec,
    "create-vpc": lambda: container_spec(create_vpc=True),
    "eks": eks_spec,
}


@pytest.mark.parametrize("spec", sorted(SPECS))
@pytest.mark.parametrize("framework,flag,rel", [("cloudformation", "-f", CLOUDFORMATION),
                                               ("terraform", "-d", TERRAFORM_DIR)])
def test_checkov_passes(checkov, tmp_path, framework, flag, rel, spec):
    write_infra(SPECS[spec](), tmp_path)
    report = run_checkov(checkov, framework, flag, str(tmp_path / rel))
    results = report["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert results["passed_checks"]
    assert all(c["check_result"]["suppress_comment"] for c in results["skipped_checks"])
