"""The wheel carries everything: build it, install it into a fresh venv, run the CLI from there."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile

import pytest
from conftest import REPO


@pytest.mark.network
def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("mwaa_migrator-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "migrator/compat/data/mwaa_versions.json" in names
    assert "migrator/schemas/report.schema.json" in names
    assert "migrator/codemods/__init__.py" in names
    assert not [n for n in names if n.startswith(("compat/", "codemods/", "tests/"))]

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    migrator = env_dir / "bin" / "migrator"
    version = subprocess.run([migrator, "--version"], capture_output=True, text=True, check=True)
    assert "migrator, version" in version.stdout
    rules = subprocess.run([migrator, "rules"], capture_output=True, text=True, check=True)
    assert "MIG001" in rules.stdout
    project = tmp_path / "project" / "dags"
    project.mkdir(parents=True)
    (project / "a.py").write_text('print "py2"\n')
    scan = subprocess.run([migrator, "scan", str(project.parent), "--target", "2.11.2"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert scan.returncode == 1 and "MIG002" in scan.stdout, scan.stderr

    # Installed again (as a CI job does, every file with a new mtime), the code is the same:
    # the caches it wrote stay valid.
    fingerprint = [str(python), "-c", "from migrator.cache import code_fingerprint; print(code_fingerprint())"]
    before = subprocess.run(fingerprint, capture_output=True, text=True, check=True).stdout
    subprocess.run([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    assert subprocess.run(fingerprint, capture_output=True, text=True, check=True).stdout == before
