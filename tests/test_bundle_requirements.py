"""The bundle's requirements.txt: lines MWAA cannot use are left out with a check saying what
to do, credentials never ship, and a file known not to install stops package and migrate."""

from __future__ import annotations

import pytest
from migrator.compat import get_version

from migrator.bundle.build import build_bundle
from migrator.bundle.facts import FactsDraft
from migrator.bundle.requirements import requirements_mwaa_can_use, requirements_without_passwords
from migrator.cli import main
from migrator.config import Settings
from migrator.engine import scan
from migrator.rules import PackageRule, all_rules
from migrator.secrets import mask_uri

DAG = "from airflow import DAG\n"


def _checks(found: FactsDraft) -> list:
    """What the PKG rules report of the facts recorded so far, in the order they were recorded."""
    return [c for r in all_rules() if isinstance(r, PackageRule) for c in r.check(found.freeze())]


def test_lines_mwaa_cannot_use_are_left_out_and_each_is_said():
    found = FactsDraft()
    text = ("--extra-index-url https://pypi.acme.internal/simple\n"
            "--extra-index-url https://10.1.2.3/simple\n"
            "--extra-index-url https://pypi.example.com/simple\n"
            "-e ./libs/acme\n/tmp/acme-1.0-py3-none-any.whl\n--find-links ./wheels\n"
            "--find-links /usr/local/airflow/plugins\n"
            "git+https://github.com/acme/utils.git@v1#egg=utils\npandas==3.0.5 \\\n    --hash=sha256:aa\n"
            "git+https://gitlab.acme.lan/etl/hooks.git#egg=hooks\n")
    kept = requirements_mwaa_can_use(text, False, found)
    assert kept == ("--extra-index-url https://pypi.example.com/simple\n--find-links /usr/local/airflow/plugins\n"
                    "git+https://github.com/acme/utils.git@v1#egg=utils\npandas==3.0.5 \\\n    --hash=sha256:aa\n")
    checks = _checks(found)
    assert [c.message.split(" ")[1] for c in checks] == ["1", "2", "4", "5", "6", "11"]
    assert all("plugins.zip" in c.message for c in checks)
    private = requirements_mwaa_can_use(kept, True, found)
    assert "git+" not in private and "repository" in _checks(found)[-1].message


def test_a_line_left_out_goes_with_the_lines_it_continues_on_and_a_comment_ends_them():
    """pip reads a backslash-continued line as one; a comment line never continues (pip's join_lines)."""
    found = FactsDraft()
    text = ("-e ./libs/acme \\\n    --config-settings editable_mode=compat \\\n"
            "    # vendored, see libs/README \\\n"
            "pandas==3.0.5\n")
    assert requirements_mwaa_can_use(text, False, found) == "pandas==3.0.5\n"
    assert [c.message.split(" ")[1] for c in _checks(found)] == ["1"]


def test_a_remote_requirements_file_is_named_and_left_out_where_mwaa_cannot_fetch_it():
    url = "https://raw.githubusercontent.com/acme/platform/main/airflow/requirements.txt"
    text = f'-r ./base.txt\n--requirement "{url}"\n-r https://files.acme.internal/reqs.txt\npandas\n'
    found = FactsDraft()
    kept = requirements_mwaa_can_use(text, False, found)
    assert kept == f'-r ./base.txt\n--requirement "{url}"\npandas\n'
    checks = sorted(_checks(found), key=lambda c: c.code)
    assert [(c.code, c.message.split(" ")[1]) for c in checks] == [("remote-requirements", "2"),
                                                                   ("requirement-removed", "3")]
    assert "install time" in checks[0].message and "private network" in checks[0].message
    found = FactsDraft()
    assert requirements_mwaa_can_use(kept, True, found) == "-r ./base.txt\npandas\n"
    assert "remote requirements file" in _checks(found)[0].message


@pytest.mark.parametrize("password", ["pa/ss", "a/b/c", "s3cret", "p:w/x"])
def test_an_index_password_never_ships_nor_prints_whatever_it_holds(password):
    url = f"https://deploy:{password}@nexus.example.com/simple"
    found = FactsDraft()
    shipped = requirements_without_passwords(f"--extra-index-url {url}\npandas\n", False, found)
    assert password not in shipped and "${REQUIREMENTS_PASSWORD_1}@nexus.example.com" in shipped
    assert password not in mask_uri(url) and "nexus.example.com" in mask_uri(url)
    checks = _checks(found)
    assert [c.code for c in checks] == ["secret-option"]
    assert all(password not in c.message for c in checks)


def test_a_port_is_not_taken_for_a_password():
    url = "git+https://git.example.com:8443/acme/utils.git@v1.0#egg=utils"
    assert mask_uri(url) == url
    assert requirements_without_passwords(url + "\n", False, FactsDraft()) == url + "\n"


def test_package_and_migrate_refuse_requirements_that_cannot_install(make_project, tmp_path, capsys):
    root = make_project({"dags/etl.py": DAG, "requirements.txt": "pandas=2.2.3\n"})
    assert main(["package", str(root), "--out", str(tmp_path / "bundle")]) == 1
    assert "would not install" in capsys.readouterr().err and not (tmp_path / "bundle").exists()
    assert main(["migrate", str(root), "--out", str(tmp_path / "out")]) == 1
    assert "pandas=2.2.3" in capsys.readouterr().err and not (tmp_path / "out").exists()
    main(["package", str(root), "--out", str(tmp_path / "bundle"), "--allow-broken-requirements"])
    assert (tmp_path / "bundle" / "requirements.txt").read_text().endswith("pandas=2.2.3\n")


def test_a_package_only_another_requirements_file_lists_is_added_by_package_and_fix(make_project, tmp_path,
                                                                                     capsys):
    """REQ021: the code imports sentry_sdk, which only the old platform's file installs."""
    project = {
        "dags/etl.py": "from airflow import DAG\nimport sentry_sdk\n",
        "requirements.txt": "pandas==2.2.3\n",
        "requirements-composer.txt": "sentry-sdk==2.53.0\nfreezegun==1.5.5\n",
    }
    root = make_project(project)
    assert main(["package", str(root), "--out", str(tmp_path / "bundle")]) in (0, 1)
    shipped = (tmp_path / "bundle" / "requirements.txt").read_text()
    assert "sentry-sdk" in shipped and "freezegun" not in shipped  # only what the code imports
    assert main(["fix", str(root), "--apply", "--no-cache"]) in (0, 1)
    assert "sentry-sdk" in (root / "requirements.txt").read_text()
    capsys.readouterr()
    assert main(["scan", str(root), "--select", "REQ021", "--no-cache"]) == 0


def test_a_superseded_distribution_is_replaced_in_the_bundle_and_said(make_project, tmp_path):
    root = make_project({"dags/etl.py": "from airflow import DAG\nfrom odc.aws.queue import publish_messages\n",
                         "requirements.txt": '--extra-index-url="https://packages.dea.ga.gov.au"\nodc-aws\n'})
    bundle = build_bundle(scan(root, Settings(), get_version("3.3.1")), tmp_path / "bundle")
    shipped = (tmp_path / "bundle" / "requirements.txt").read_text()
    assert "\nodc-cloud==0.2.6  # migrator: was odc-aws;" in shipped and "\nodc-aws" not in shipped
    said = [c for c in bundle.checks if c.code == "requirement-superseded"]
    assert len(said) == 1 and "requirements.txt line 2 (odc-aws)" in said[0].message
    assert "installs odc-cloud==0.2.6 instead" in said[0].message


def test_a_superseded_distribution_kept_for_an_index_mwaa_cannot_reach_is_replaced_in_the_bundle(
        make_project, tmp_path):
    """fix keeps odc-aws for the on-prem index that may serve it; the bundle leaves that index
    out (MWAA cannot reach it), so nothing left serves the old name: the bundle replaces it."""
    root = make_project({"dags/etl.py": DAG,
                         "requirements.txt": "--extra-index-url https://pypi.acme.internal/simple\nodc-aws\n"})
    bundle = build_bundle(scan(root, Settings(), get_version("3.3.1")), tmp_path / "bundle")
    assert "\nodc-cloud==0.2.6  # migrator: was odc-aws;" in (tmp_path / "bundle" / "requirements.txt").read_text()
    assert any(c.code == "requirement-superseded" and "installs odc-cloud==0.2.6 instead" in c.message for c in bundle.checks)
