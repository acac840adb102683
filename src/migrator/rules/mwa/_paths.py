"""MWA005's reading of a module: which calls, arguments and constants name local paths, which
values belong to a container, pod or another machine (not the worker's file system), and the
fix that moves a path into an MWAA folder."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from migrator import compat
from migrator.analysis import airflow_api, platform
from migrator.analysis.python import ModuleFacts
from migrator.analysis.strings import StaticString, static_string
from migrator.findings import Fix, FixSafety
from migrator.fixes import ReplaceValue
from migrator.rules.mwa._helpers import _in_mwaa_folder


# The project's own operator classes named for a container or pod (TtdKubernetesPodOperator).
def _named_as_container_operator(name: str) -> bool:
    """``MyDockerOperator``, ``TtdPodOperator``: "Docker" or "Pod" before "Operator" in one name
    (string search, not a regular expression retried at every "Docker" of a long name)."""
    return any(word in name and "Operator" in name[name.index(word) + len(word):] for word in ("Docker", "Pod"))


def _container_classes(module: ModuleFacts, target) -> frozenset[ast.ClassDef]:
    """Classes that are Docker or Kubernetes operators (a base resolves to one, or, for the
    project's own bases, is named so): their attributes describe the container."""
    def compute(m: ModuleFacts) -> frozenset[ast.ClassDef]:
        found = set()
        for node in m.nodes_of(ast.ClassDef):
            for base in node.bases:
                qualname = m.qualname(base) or ""
                limit = airflow_api.platform_limit(qualname, target) if qualname else None
                named = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
                if (limit and limit.id in ("docker", "kubernetes")) or _named_as_container_operator(named):
                    found.add(node)
        return frozenset(found)

    return module.memo(("container_classes", str(target)), compute)


def _scope(module: ModuleFacts, node: ast.AST) -> ast.AST | None:
    """The innermost class or function a node is in (None at module level)."""
    return next((a for a in module.ancestors(node)
                 if isinstance(a, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))), None)


def _container_side_values(module: ModuleFacts) -> frozenset[ast.AST]:
    """Values that are paths inside a container or pod (see ``platform.CONTAINER_MOUNT_ARGUMENTS``), and
    dicts that describe what another machine runs: an AWS request's shape, or the keyword
    arguments of a call given the image it runs."""
    def compute(m: ModuleFacts) -> frozenset[ast.AST]:
        found: set[ast.AST] = set()
        for call, qualname in m.calls:
            if qualname and qualname.startswith(("docker.", "kubernetes.")):
                found.update(platform.container_mount_paths(call, qualname))
        remote_keys = set(compat.worker_paths().remote_request_keys)
        for node in m.nodes_of(ast.Dict):
            keys = [key.value for key in node.keys if isinstance(key, ast.Constant)]
            if remote_keys.intersection(keys):
                found.add(node)  # an ECS override or EMR step: all of it runs on that service
                continue
            if platform.IMAGE_KEYWORDS.intersection(keys):
                found.add(node)  # the arguments of a call that runs an image (``Task(**step_kwargs)``)
                continue
            found.update(value for key, value in zip(node.keys, node.values)
                         if isinstance(key, ast.Constant) and key.value in platform.CONTAINER_MOUNT_KEYS)
        return frozenset(found)

    return module.memo("container_side_values", compute)


def _routed_queue(module: ModuleFacts, node: ast.AST, queues: dict[ast.Call | None, str],
                  tasks: frozenset[ast.AST]) -> str | None:
    """The queue of on-prem workers the task whose arguments hold ``node`` is routed to."""
    for ancestor in module.ancestors(node):
        if ancestor in queues:
            return queues[ancestor]
        if ancestor in tasks:
            return queues.get(None)
    return None


# Call targets whose string arguments are local paths.
_PATH_FUNCTION_PREFIXES = ("os.path.", "shutil.", "glob.", "pathlib.", "io.open", "tarfile.open",
                           "zipfile.ZipFile", "sqlite3.connect", "logging.FileHandler",
                           "logging.handlers.", "imp.load_source", "importlib.util.spec_from_file_location",
                           "pandas.read_", "numpy.load", "numpy.save", "numpy.loadtxt", "numpy.savetxt",
                           "pyarrow.parquet.", "csv.")


_PATH_FUNCTIONS = frozenset({"os.listdir", "os.makedirs", "os.mkdir", "os.remove", "os.unlink",
                             "os.rename", "os.replace", "os.walk", "os.scandir", "os.chdir", "os.stat",
                             "os.chmod", "os.chown", "os.rmdir", "os.removedirs", "os.symlink",
                             "os.open", "os.access", "os.utime"})


# Methods of unknown objects that read or write files (DataFrame.to_csv, Path.open, ...).
_PATH_METHOD = re.compile(r"^(to_(csv|parquet|excel|json|pickle|feather|hdf|orc|html|xml)|read_\w+"
                          r"|write_(text|bytes)|savefig|save)$")


_PATH_ARGUMENT = re.compile(r"(?i)(^|_)(path|paths|file|files|filepath|filename|filenames|dir|dirs|"
                            r"directory|folder|cwd|location|searchpath|keytab)($|_)|(path|file|dir)$")


_REMOTE_ARGUMENT = re.compile(r"(?i)remote|hdfs|s3|gcs|gs_|blob|sftp|ftp|ssh|url|uri|endpoint|bucket|"
                              r"(^|_)key($|_)|prefix|table|sql|http|container|pod|image|mount|dest_|target_")


_PATH_CONSTANT = re.compile(r"(?i)(path|dir|file|folder|root|home|location|directory|keytab)s?$")


def _to_mwaa_folder(node: ast.AST, folder: compat.OtherPlatformFolder | None) -> Fix | None:
    """A plain string literal naming a folder MWAA has under another path gets MWAA's path,
    where the bundle always ships the same files (the DAG and plugins folders)."""
    if folder is None or not (folder.mwaa and folder.always_shipped) \
            or not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    new = _in_mwaa_folder(node.value, folder)
    return ReplaceValue(safety=FixSafety.SAFE, description=f"use MWAA's {folder.role} folder {folder.mwaa}",
                        old=node.value, new=new) if new != node.value else None


def _strings_in(module: ModuleFacts, node: ast.AST, hint: str) -> Iterator[tuple[StaticString, ast.AST, str]]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from _strings_in(module, element, hint)
        return
    value = static_string(module, node)
    if value is not None:
        yield value, node, hint


def _dict_items(node: ast.AST) -> Iterator[tuple[str | None, ast.AST]]:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            yield (key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None), value
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield None, element
