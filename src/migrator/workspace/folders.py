"""Where a project's DAG and plugins folders are, as its own configuration says: airflow.cfg's
``dags_folder``/``plugins_folder``, compose volumes mounted at the container's folders, and, when
nothing says, the files that import Airflow and build a DAG."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from migrator.analysis.source import Problem, read_text
from migrator.compat import worker_paths
from migrator.observed import read_answer

# The official docker-compose stack's folders (an Airflow fact), then MWAA's (compat/data).
CONTAINER_DAG_DIRS = ("/opt/airflow/dags", worker_paths().dags)
CONTAINER_PLUGIN_DIRS = ("/opt/airflow/plugins", worker_paths().plugins)
_DAG_MARKERS = (b"DAG(", b"@dag", b"models.DAG", b"import DAG")
_AIRFLOW_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+airflow\b", re.MULTILINE)


def _map_container_path(value: str, root: Path, container_dirs: tuple[str, ...]) -> str | None:
    """Map an absolute path from airflow.cfg or compose onto a folder inside the project."""
    value = value.strip().strip("'\"")
    if not value:
        return None
    if not value.startswith("/") and (root / value).is_dir():
        return PurePosixPath(value).as_posix()
    parts = PurePosixPath(value).parts
    # Try ever shorter tails: /opt/airflow/dags -> airflow/dags -> dags.
    for start in range(1, len(parts)):
        tail = PurePosixPath(*parts[start:])
        if (root / tail).is_dir():
            return tail.as_posix()
    return None


# The cfg parser and PyYAML load when discovery reads those files: a scan whose project stage
# is kept imports this module only for the content tests its memo holds (_builds_a_dag...).


def _cfg_folders(root: Path, cfg: str) -> tuple[str | None, str | None]:
    from migrator.analysis.config import parse_airflow_cfg

    source = read_text(root / cfg)
    if isinstance(source, Problem):
        return None, None  # reported by the config analysis, which names the problem
    # Lines the parser cannot read are reported by the config analysis; the options around
    # them still count (configparser would give up on the whole file).
    try:
        options = {entry.option: entry.value for entry in parse_airflow_cfg(source.text, cfg)[0]}
    except Exception:  # noqa: BLE001 - a parser defect: the config analysis reports it (MIG006)
        return None, None
    dags = options.get("core.dags_folder", "")
    plugins = options.get("core.plugins_folder", "")
    dags = dags.replace("{AIRFLOW_HOME}", "").replace("$AIRFLOW_HOME", "")
    return (_map_container_path(dags, root, CONTAINER_DAG_DIRS) if dags else None,
            _map_container_path(plugins, root, CONTAINER_PLUGIN_DIRS) if plugins else None)


# Keys only a service definition has. A compose file in the v1 format has no ``services:``
# (and no ``version:``): its top-level keys are the services, told apart from other top-level
# mappings by these keys.
COMPOSE_SERVICE_KEYS = frozenset({"image", "build", "command", "entrypoint", "environment", "env_file",
                                  "volumes", "ports", "links", "depends_on", "container_name"})


def is_v1_compose_service(name: str, keys) -> bool:
    """Whether a top-level entry ``name`` with mapping ``keys`` is a v1-format compose service."""
    return not name.startswith("x-") and not COMPOSE_SERVICE_KEYS.isdisjoint(keys)


def compose_services(document: object) -> dict:
    """{name: service mapping} of a parsed compose document, in the current or the v1 format."""
    if not isinstance(document, dict):
        return {}
    if "services" in document or "version" in document:
        services = document.get("services")
        return services if isinstance(services, dict) else {}
    return {name: service for name, service in document.items()
            if isinstance(service, dict) and is_v1_compose_service(str(name), service)}


def compose_volumes(document: object) -> list[tuple[str, str]]:
    """(host, container) pairs of every service volume in a parsed compose document."""
    pairs: list[tuple[str, str]] = []
    for service in compose_services(document).values():
        volumes = service.get("volumes", []) if isinstance(service, dict) else []
        for volume in volumes if isinstance(volumes, list) else []:
            if isinstance(volume, str) and ":" in volume:
                host, _, rest = volume.partition(":")
                pairs.append((host, rest.split(":", 1)[0]))
            elif isinstance(volume, dict) and volume.get("source") and volume.get("target"):
                pairs.append((str(volume["source"]), str(volume["target"])))
    return pairs


def _compose_folders(root: Path, compose: str) -> tuple[list[str], str | None]:
    import yaml

    from migrator.analysis import yamlparse

    source = read_text(root / compose)
    try:
        document = None if isinstance(source, Problem) else yamlparse.safe_load(source.text)
    except yaml.YAMLError:
        document = None
    if document is None:
        return [], None  # reported by the env analysis, which names the problem
    dags, plugins = [], None
    base = (root / compose).parent
    for host, container in compose_volumes(document):
        host_dir = (base / host.replace("${AIRFLOW_PROJ_DIR:-.}", ".")).resolve()
        try:
            rel = host_dir.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        if not host_dir.is_dir():
            continue
        container = container.rstrip("/")
        if container in CONTAINER_DAG_DIRS:
            dags.append(rel)
        elif container in CONTAINER_PLUGIN_DIRS:
            plugins = rel
    return dags, plugins


HEAD_BYTES = 200_000  # what discovery reads of a Python file to tell what it is


def _of_head(path: Path, says: Callable[[bytes], bool]) -> bool:
    """``says`` of the first :data:`HEAD_BYTES` of the file (of none when it cannot be read):
    ``says`` looks at no more of what it is given (its answer is recorded: ``read_answer``)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        head = b""
    answer = says(head)
    read_answer(path, says, answer)
    return answer


def _imports_airflow(path: Path) -> bool:
    return _of_head(path, _names_airflow)


def _names_airflow(data: bytes) -> bool:
    return _AIRFLOW_IMPORT.search(data, 0, HEAD_BYTES) is not None


def _looks_like_dag_file(path: Path) -> bool:
    return _of_head(path, _builds_a_dag)


def _builds_a_dag(data: bytes) -> bool:
    head = data[:HEAD_BYTES]
    return _AIRFLOW_IMPORT.search(head) is not None and any(marker in head for marker in _DAG_MARKERS)


TEST_FOLDERS = frozenset({"tests", "test", "testing", "unittests", "integration_tests"})


# Both on strings: asked of every file of the project, a PurePosixPath each took a third of discovery.
def _in_test_folder(rel: str) -> bool:
    """Whether the folder ``rel`` (a project path, "." or "" the root) is, or is inside, a test folder."""
    return any(part in TEST_FOLDERS for part in rel.split("/"))


def _is_test_file(rel: str) -> bool:
    folder, _, name = rel.rpartition("/")
    return _in_test_folder(folder) or name.startswith("test_") or name == "conftest.py"


# What makes a file a test suite rather than DAG code: a test framework, a test function or class.
_TEST_CODE = re.compile(rb"^[ \t]*(?:(?:from|import)[ \t]+(?:pytest|unittest)\b|def test_|class Test)", re.MULTILINE)


def airflow_code_named_like_a_test(path: Path) -> bool:
    """A file that imports Airflow and holds no test code, which only its name or folder make
    look like a test (a ``test_reports.py`` DAG, the DAGs of a ``test`` environment): in a DAG
    folder, MWAA's DAG processor parses it like any other file naming Airflow and DAGs."""
    return _of_head(path, _airflow_code_without_tests)


def _airflow_code_without_tests(data: bytes) -> bool:
    head = data[:HEAD_BYTES]
    return _AIRFLOW_IMPORT.search(head) is not None and _TEST_CODE.search(head) is None


def _dag_folders_by_content(root: Path, py_files: list[str]) -> list[str]:
    """Where DAGs live when no folder is named for them: the root when a top-level file builds
    a DAG, else every top-level folder holding (at any depth) a file that builds one."""
    candidates = [rel for rel in py_files if not _is_test_file(rel)]
    if any("/" not in rel and _looks_like_dag_file(root / rel) for rel in candidates):
        return ["."]
    tops: dict[str, None] = {}
    for rel in candidates:
        top = rel.split("/", 1)[0]
        if "/" in rel and top not in tops and _looks_like_dag_file(root / rel):
            tops[top] = None
    return list(tops)
