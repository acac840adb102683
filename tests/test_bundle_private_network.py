"""``package --private-network``: wheels for MWAA's platform in plugins.zip, installed offline.

The wheels come from a local --find-links folder with --no-index, so the tests run the real
``pip download`` (platform, Python and ABI flags included) without a network.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.bundle.build import build_bundle
from migrator.bundle.model import BundleError, BundleOptions
from migrator.bundle.wheels import pip_download_command, requirement_lines
from migrator.config import Settings
from migrator.engine import scan

TARGET = get_version("3.3.1")
CONSTRAINTS = SHARED / "mwaa-data" / "3.3.1" / "airflow_constraints.txt"
DAG = ("from datetime import datetime\nfrom airflow import DAG\n"
       "with DAG('sales', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n")


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = (),
               tag: str = "py3-none-any") -> Path:
    """A minimal, valid wheel: pip reads its metadata to resolve dependencies."""
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-{tag}.whl"
    metadata = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                + "".join(f"Requires-Dist: {r}\n" for r in requires))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name.replace('-', '_')}/__init__.py", "")
        archive.writestr(f"{dist}.dist-info/METADATA", metadata)
        archive.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                         f"Root-Is-Purelib: true\nTag: {tag}\n")
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return path


@pytest.fixture
def wheelhouse(tmp_path):
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    make_wheel(folder, "acme-tools", "1.0", ("acme-core>=1", "watchtower"))
    make_wheel(folder, "acme-core", "1.1")
    make_wheel(folder, "fastparse", "2.0", tag="cp312-cp312-manylinux2014_x86_64")
    make_wheel(folder, "fastparse", "2.0", tag="cp312-cp312-macosx_11_0_arm64")
    make_wheel(folder, "maconly", "1.0", tag="cp312-cp312-macosx_11_0_arm64")
    # In the MWAA image already (always installed, and pinned by the constraints to 3.4.0).
    make_wheel(folder, "watchtower", "3.4.0")
    return folder


def package(root: Path, out: Path, wheelhouse: Path):
    return build_bundle(scan(root, Settings(), TARGET), out, BundleOptions(
        private_network=True, constraints=CONSTRAINTS,
        pip_args=("--no-index", "--find-links", str(wheelhouse))))


def test_wheels_of_what_mwaa_lacks_go_into_plugins_zip(make_project, tmp_path, wheelhouse):
    root = make_project({
        "dags/sales.py": DAG,
        "plugins/acme_plugin.py": "X = 1\n",
        "requirements.txt": ("acme-tools==1.0\nfastparse==2.0\n"
                             "apache-airflow-providers-http==6.0.5\n"),
    })
    result = package(root, tmp_path / "out", wheelhouse)
    with zipfile.ZipFile(tmp_path / "out" / "plugins.zip") as archive:
        names = archive.namelist()
    assert sorted(result.wheels) == [
        "acme_core-1.1-py3-none-any.whl", "acme_tools-1.0-py3-none-any.whl",
        "fastparse-2.0-cp312-cp312-manylinux2014_x86_64.whl"]
    assert set(result.wheels) <= set(names)
    assert "acme_plugin.py" in names
    assert "constraints-3.3.1-3.12.txt" in names
    assert not any(n.startswith("watchtower") for n in names)  # the image has it
    assert not any("http" in n and n.endswith(".whl") for n in names)  # preinstalled 6.0.5
    with zipfile.ZipFile(tmp_path / "out" / "plugins.zip") as archive:
        assert archive.read("constraints-3.3.1-3.12.txt") == CONSTRAINTS.read_bytes()

    requirements = (tmp_path / "out" / "requirements.txt").read_text().splitlines()
    options = [line for line in requirements if line.startswith("--")]
    assert options == ["--no-index", "--find-links /usr/local/airflow/plugins",
                       "--constraint /usr/local/airflow/plugins/constraints-3.3.1-3.12.txt"]
    assert "acme-tools==1.0" in requirements and "fastparse==2.0" in requirements


def test_two_private_network_builds_are_identical(make_project, tmp_path, wheelhouse):
    root = make_project({"dags/sales.py": DAG, "requirements.txt": "acme-tools==1.0\n"})
    package(root, tmp_path / "one", wheelhouse)
    package(root, tmp_path / "two", wheelhouse)
    for name in ("plugins.zip", "requirements.txt", "manifest.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_wheels_over_the_size_limit_are_an_error_of_pkg024(make_project, tmp_path, wheelhouse, monkeypatch):
    import migrator.bundle.wheels as bundle_wheels
    from migrator.findings import Severity

    monkeypatch.setattr(bundle_wheels, "RECOMMENDED_MAX_BYTES", 100)  # the real limit is 1 GB
    root = make_project({"dags/sales.py": DAG, "requirements.txt": "acme-tools==1.0\n"})
    result = package(root, tmp_path / "out", wheelhouse)
    [check] = [c for c in result.checks if c.code == "requirements-too-large"]
    assert check.severity == Severity.ERROR and check.path == "requirements.txt" and check.in_bundle
    assert check.message.startswith("the requirements' wheels add up to 0.00 GB; MWAA recommends under 1 GB")


def test_a_requirement_without_a_linux_wheel_fails_clearly(make_project, tmp_path, wheelhouse):
    root = make_project({"dags/sales.py": DAG, "requirements.txt": "maconly==1.0\n"})
    with pytest.raises(BundleError) as caught:
        package(root, tmp_path / "out", wheelhouse)
    message = str(caught.value)
    assert "manylinux2014_x86_64" in message and "maconly" in message
    assert not (tmp_path / "out").exists()


def test_pip_download_command_targets_the_mwaa_platform(tmp_path):
    command = pip_download_command(TARGET, ["acme-tools==1.0"], tmp_path / "w", CONSTRAINTS,
                                   pip_command=("pip",))
    assert command[:2] == ["pip", "download"]
    for flag in (["--only-binary=:all:"], ["--platform", "manylinux2014_x86_64"],
                 ["--python-version", "3.12"], ["--implementation", "cp"], ["--abi", "cp312"],
                 ["--constraint", str(CONSTRAINTS)]):
        position = command.index(flag[0])
        assert command[position:position + len(flag)] == flag
    assert command[-1] == "acme-tools==1.0"
    older = pip_download_command(get_version("2.10.3"), [], tmp_path, CONSTRAINTS)
    assert older[older.index("--abi") + 1] == "cp311"


def test_a_vcs_requirement_is_left_out_with_a_check_not_silently(make_project, tmp_path, wheelhouse):
    root = make_project({"dags/sales.py": DAG, "requirements.txt":
                         "acme-tools==1.0\ngit+https://github.com/acme/utils.git@v1#egg=utils\n"})
    result = package(root, tmp_path / "out", wheelhouse)
    [check] = [c for c in result.checks if c.code == "requirement-removed"]
    assert "git+https://github.com/acme/utils.git" in check.message and "plugins.zip" in check.message
    assert "git+" not in (tmp_path / "out" / "requirements.txt").read_text()
    assert "acme_tools-1.0-py3-none-any.whl" in result.wheels


def test_requirement_lines_split_what_pip_downloads_from_what_it_cannot():
    """Read by the requirements parser of the analysis: continued lines joined, comments,
    hashes, options and editable installs aside; what no index serves kept in line order."""
    named, other = requirement_lines(
        "# pinned for the warehouse\n"
        "pandas==2.2.2  # pinned\n"
        "-e ./local\n"
        "--index-url https://pypi.org/simple\n"
        'requests>=2 ; python_version < "3.13" \\\n'
        "    --hash=sha256:abc\n"
        "git+https://github.com/a/b.git@v1#egg=b\n"
        "foo @ https://example.com/foo.whl\n"
        "not a requirement!\n"
        "Typing_Extensions\n")
    assert named == [("pandas", "pandas==2.2.2"),
                     ("requests", 'requests>=2 ; python_version < "3.13"'),
                     ("typing-extensions", "Typing_Extensions")]
    assert other == ["git+https://github.com/a/b.git@v1#egg=b", "foo @ https://example.com/foo.whl",
                     "not a requirement!"]
