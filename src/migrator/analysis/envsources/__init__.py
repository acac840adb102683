"""Environment sources: ``.env`` files, docker-compose, Dockerfiles, entrypoint and startup scripts.

On-prem Airflow keeps much of its setup outside Python: ``AIRFLOW__SECTION__KEY`` options,
``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` definitions, ``pip install`` lines, OS packages and the
``airflow connections add`` calls of an entrypoint. This module reads all of them into one
``EnvFacts`` with the file and line of every item, so findings can point at them.

Compose files are read node by node (``yamlparse.compose``: the parse discovery made) so anchors,
aliases and ``<<`` merges resolve while line numbers survive; ``env_file:`` references are
followed inside the project.
"""

from __future__ import annotations

import json
import re
import shlex

from migrator.analysis.crashes import contained
from migrator.analysis.envsources.compose import mapping_get, mapping_items, parse_compose
from migrator.analysis.envsources.model import BaseImage, EnvFacts, EnvVar, OsPackage, ShellCommand
from migrator.analysis.envsources.shell import (
    _record_commands,
    logical_lines,
    os_install_packages,
    parse_env_file,
    split_commands,
    unquote_value,
)
from migrator.analysis.source import Problem, read_text
from migrator.workspace import Workspace

__all__ = ["ShellCommand", "analyse_env", "mapping_get", "mapping_items", "os_install_packages",
    "parse_dockerfile", "parse_os_packages", "parse_script", "split_commands", "unquote_value"]


def parse_script(facts: EnvFacts, text: str, path: str, origin: str = "script") -> None:
    """Read a shell script; ``origin`` is "script" (entrypoints) or "startup" (MWAA startup.sh)."""
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        _record_commands(facts, stripped, path, number, origin)


def _dockerfile_env(args: str) -> list[tuple[str, str]]:
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        return []
    if words and "=" not in words[0]:  # legacy ``ENV KEY value with spaces``
        return [(words[0], " ".join(words[1:]))]
    return [tuple(w.split("=", 1)) for w in words if "=" in w]  # type: ignore[misc]


# A base image that is Airflow: apache/airflow, puckel/docker-airflow, a team's own x/airflow, and
# Astronomer's runtime (https://www.astronomer.io/docs/astro/runtime-image-architecture).
_AIRFLOW_BASE_IMAGE = re.compile(r"airflow|astro-runtime", re.IGNORECASE)
# What only an Airflow image's build says: the airflow CLI, the apache-airflow distribution, an
# AIRFLOW_HOME / AIRFLOW__SECTION__KEY variable, the airflow user.
_AIRFLOW_WORD = re.compile(r"^(?:airflow|apache-airflow(?:\[.*\])?(?:[=<>!~].*)?|AIRFLOW_\w*)$")


def parse_dockerfile(facts: EnvFacts, text: str, path: str) -> None:
    """Read a Dockerfile. Its pip and OS package installs count only when it builds the Airflow
    image: another image of the repository (an ECS task, a Lambda, a web app) runs elsewhere,
    and what it installs is nothing MWAA's workers need."""
    image = EnvFacts()
    airflow = False
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        instruction, _, args = stripped.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            name = next((w for w in args.split() if not w.startswith("--")), "")
            if name:
                facts.base_images.append(BaseImage(name, path, number))
                airflow = airflow or bool(_AIRFLOW_BASE_IMAGE.search(name.rpartition(":")[0] or name))
        elif instruction in ("ENV", "ARG"):
            assigned = _dockerfile_env(args)
            airflow = airflow or any(_AIRFLOW_WORD.match(name) for name, _ in assigned)
            if instruction == "ENV":
                for name, value in assigned:
                    facts.variables.append(EnvVar(name, value, path, number, "dockerfile"))
        elif instruction == "USER":
            airflow = airflow or bool(_AIRFLOW_WORD.match(args.strip().partition(":")[0]))
        elif instruction == "RUN":
            body = args.strip()
            while body.startswith("--"):  # RUN --mount=... cmd
                body = body.split(None, 1)[1] if " " in body else ""
            if body.startswith("["):
                try:
                    argv = json.loads(body)
                    body = " ".join(shlex.quote(str(a)) for a in argv)
                except ValueError:
                    pass
            _record_commands(image, body, path, number, "dockerfile")
    airflow = airflow or any(_AIRFLOW_WORD.match(word) for command in image.commands for word in command.argv)
    facts.commands += image.commands
    facts.variables += image.variables
    if airflow:
        facts.pip_installs += image.pip_installs
        facts.os_packages += image.os_packages


def analyse_env(workspace: Workspace) -> EnvFacts:
    """Read every env source the workspace found, once."""
    facts = EnvFacts()

    def each(paths: list[str], analysis: str, parse) -> None:
        for rel in paths:
            source = read_text(workspace.path(rel))
            if isinstance(source, Problem):
                facts.problems.append((rel, source))
            else:
                contained(facts.crashes, rel, analysis, parse, rel, source.text)

    each(workspace.env_files, "env file",
         lambda rel, text: facts.variables.extend(parse_env_file(text, rel)))
    each(workspace.compose_files, "compose file",
         lambda rel, text: parse_compose(facts, workspace, text, rel))
    each(workspace.dockerfiles, "Dockerfile", lambda rel, text: parse_dockerfile(facts, text, rel))
    each(workspace.entrypoints, "entrypoint script", lambda rel, text: parse_script(facts, text, rel))
    each(workspace.startup_scripts, "startup script",
         lambda rel, text: parse_script(facts, text, rel, "startup"))
    each(workspace.os_package_lists, "OS package list",
         lambda rel, text: facts.os_packages.extend(parse_os_packages(text, rel)))
    return facts


def parse_os_packages(text: str, path: str) -> list[OsPackage]:
    """One package per word of ``packages.txt``-style lists (``#`` starts a comment)."""
    return [OsPackage(name, "list", path, number)
            for number, line in enumerate(text.splitlines(), 1)
            for name in line.split("#", 1)[0].split()]
