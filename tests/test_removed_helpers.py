"""compat's definitions of removed private Airflow helpers do what the helpers did (API002
writes them in place of the import: ``define-removed-helper``)."""

from __future__ import annotations

import posixpath

import pytest
from migrator.compat import removed_helper

MAKE_DIRS = "airflow.contrib.operators.sftp_operator._make_intermediate_dirs"


class FakeSftp:
    """paramiko's SFTPClient as the helper uses it: chdir into existing folders (OSError else),
    mkdir relative to the working folder."""

    def __init__(self, existing=()):
        self.folders = {"/", *existing}
        self.cwd = "/"
        self.made = []

    def _path(self, path):
        return posixpath.normpath(posixpath.join(self.cwd, path))

    def chdir(self, path):
        target = self._path(path)
        if target not in self.folders:
            raise OSError(2, "No such file", path)
        self.cwd = target

    def mkdir(self, path):
        target = self._path(path)
        self.folders.add(target)
        self.made.append(target)


@pytest.fixture
def make_dirs():
    namespace = {}
    exec(removed_helper(MAKE_DIRS).definition, namespace)  # noqa: S102 - the tool's own data
    return namespace["_make_intermediate_dirs"]


def test_missing_folders_are_made_parent_first_and_the_client_ends_in_the_path(make_dirs):
    client = FakeSftp(existing={"/data"})
    make_dirs(client, "/data/in/2024/")
    assert client.made == ["/data/in", "/data/in/2024"]
    assert client.cwd == "/data/in/2024"


def test_an_existing_path_makes_nothing_and_the_root_and_empty_path_are_no_ops(make_dirs):
    client = FakeSftp(existing={"/data", "/data/in"})
    make_dirs(client, "/data/in")
    assert client.made == [] and client.cwd == "/data/in"
    make_dirs(client, "/")
    assert client.cwd == "/"
    make_dirs(client, "")
    assert client.made == [] and client.cwd == "/"


def test_a_relative_path_is_made_under_the_working_folder(make_dirs):
    client = FakeSftp(existing={"/home", "/home/etl"})
    client.cwd = "/home/etl"
    make_dirs(client, "out/day")
    assert client.made == ["/home/etl/out", "/home/etl/out/day"]
