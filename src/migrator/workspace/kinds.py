"""Which file is what, by name: requirement files, compose files, Dockerfiles, entrypoints and
startup scripts, connection exports and pool tables, test and CI configuration, OS package lists."""

from __future__ import annotations

import re

_REQUIREMENTS = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$", re.IGNORECASE)
# Any .txt/.in file of a folder named requirements/ (base.txt, production.txt, dev.in: the
# cookiecutter and pip-tools layouts); which of them MWAA gets is the requirements analysis's call.
_REQUIREMENTS_FOLDER = "requirements"
_REQUIREMENTS_FOLDER_FILE = re.compile(r"^[\w.-]+\.(txt|in)$", re.IGNORECASE)
_COMPOSE = re.compile(r"^(docker-)?compose[\w.-]*\.ya?ml$", re.IGNORECASE)
_DOCKERFILE = re.compile(r"^(Dockerfile[\w.-]*|[\w.-]+\.Dockerfile)$")
_ENTRYPOINT = re.compile(r"^(entrypoint|docker-entrypoint|init|bootstrap)[\w.-]*\.sh$", re.IGNORECASE)
_STARTUP = re.compile(r"^startup[\w.-]*\.sh$", re.IGNORECASE)
_CONN_EXPORT = re.compile(r"^(connections|variables|pools)[\w.-]*\.(json|ya?ml|env)$", re.IGNORECASE)
# Pools kept as a ``pool_name,slots`` table (what teams feed to a setup script): read only when
# its header says so, and shipped like any data file (it holds no credentials).
_POOL_TABLE = re.compile(r"^pools[\w.-]*\.csv$", re.IGNORECASE)
# `airflow connections|variables export` JSON named for its project or stage, in any folder
# (dag-variables.json, airflow_variables_prod.json, airflow_var/conn.json); read only when
# shaped like an export.
NAMED_EXPORT = re.compile(r"^(?:[\w-]*[_.-])?(connections?|conns?|variables?|vars?|pools?)(?:[_.-][\w.-]*)?\.json$",
                          re.IGNORECASE)
# Configuration of test and CI runs (tox, nox, pytest, GitHub Actions, GitLab CI, Travis, CircleCI).
_TEST_RUN_CONFIG = re.compile(r"^(tox\.ini|noxfile\.py|pytest\.ini|\.gitlab-ci\.ya?ml|\.travis\.ya?ml)$")
_TEST_RUN_FOLDERS = (".github/workflows", ".circleci")
_OS_PACKAGES = re.compile(r"^(packages|apt|apt-packages|system-packages|bindep)\.txt$", re.IGNORECASE)
