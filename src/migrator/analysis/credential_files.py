"""Credential files of neighbouring tools inside the DAG and plugins folders.

MWAA copies those folders from S3 onto every scheduler and worker, so a dbt ``profiles.yml``, a
kubeconfig with a token, a ``.netrc``, a ``setenv.sh`` exporting ``DB_PASSWORD=...`` or a
private key in them is shipped to the bucket and readable by everyone who can read it. Files
are recognised by their structure (the formats, their markers and secret keys are data in
``migrator.compat``), never by their name alone: a kubeconfig that authenticates through
``aws eks get-token``, as MWAA's EKS setup writes it, holds no credential and is not one.

Only where a credential sits is kept (a key path and a line), never its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path, PurePosixPath

import yaml

from migrator.analysis.envsources import parse_env_file
from migrator.analysis.source import SourceText, decode_text
from migrator.cache import FileFacts
from migrator.compat import CredentialFormat, credential_file_formats
from migrator.secrets import is_literal_secret, is_sensitive_name

# A credential file is small; reading more of a large data file would only cost time.
MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024
# The label is capped so that a long run of capitals after "-----BEGIN " is not rescanned.
_PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----")
# libyaml when it is installed. The base loader: only the node tree's shape and raw scalars are
# read, never the tags, and resolving every scalar's tag in Python took most of a YAML parse.
_YAML_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

Found = list[tuple[str, int]]  # (where in the file, line) of each credential ("": the whole file)


@dataclass(frozen=True)
class CredentialFile:
    path: str  # POSIX, relative to the project root
    format: CredentialFormat
    fields: tuple[tuple[str, int], ...]  # (where in the file, line); never the values

    @property
    def line(self) -> int:
        return self.fields[0][1]


def detect(name: str, text: str) -> tuple[CredentialFormat, Found] | None:
    """The credential format of a file called ``name`` holding ``text``, with where its
    credentials are; None when it holds none.

    Formats are tried in the knowledge base's order. One whose marker the file has decides
    alone: a kubeconfig without embedded credentials is not then read as any YAML file.
    """
    for form in credential_file_formats():
        if not form.applies_to(name):
            continue
        found = _READERS[form.syntax](text, form)
        if found:
            return form, found
        if found is not None and (form.marker_key or form.marker_child_key):
            return None
    return None


def detect_file(path: Path) -> tuple[CredentialFormat, Found] | None:
    """:func:`detect` on a file on disk (its first MiB)."""
    data = _head(path)
    return None if data is None else detect_data(path.name, data)


def _head(path: Path) -> bytes | None:
    """The first MiB of a file and one byte more (to tell it was longer); None if unreadable."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_CREDENTIAL_FILE_BYTES + 1)
    except OSError:
        return None


def detect_data(name: str, data: bytes) -> tuple[CredentialFormat, Found] | None:
    """:func:`detect` on the first bytes of a file (:func:`_head`). A larger or binary file is
    only searched for a private key, as it cannot be parsed in any format."""
    truncated = len(data) > MAX_CREDENTIAL_FILE_BYTES
    source = decode_text(data[:MAX_CREDENTIAL_FILE_BYTES])
    if truncated or not isinstance(source, SourceText):
        found = _pem(data[:MAX_CREDENTIAL_FILE_BYTES].decode("latin-1"), None)
        return (_format_of("pem"), found) if found else None
    return detect(name, source.text)


def _format_of(syntax: str) -> CredentialFormat:
    return next(form for form in credential_file_formats() if form.syntax == syntax)


def find_credential_files(workspace, facts: FileFacts | None = None) -> list[CredentialFile]:
    """Credential files among the files of the DAG and plugins folders that no other analysis
    reads (``.env`` files, exports and airflow.cfg have their own findings). ``facts``: the
    verdicts of earlier runs, by file content (kept beside the scan cache)."""
    facts = facts or FileFacts()
    sources = {rel for paths in workspace.sources().values() for rel in paths}
    asked = ((rel, data, partial(detect_data, PurePosixPath(rel).name), ())
             for rel in workspace.data_files if rel not in sources
             for data in [_head(workspace.path(rel))] if data is not None)
    return [CredentialFile(rel, form, tuple(fields))
            for rel, detected in facts.of_each("credential_files", asked).items() if detected is not None
            for form, fields in [detected]]


# -- readers: None when the text is not in the format, else where its credentials are -------------


def _pem(text: str, form: CredentialFormat | None) -> Found | None:
    match = _PRIVATE_KEY_BLOCK.search(text)
    return [("", text.count("\n", 0, match.start()) + 1)] if match else None  # the block is the secret


def _is_secret_key(key: str, form: CredentialFormat) -> bool:
    return key in form.secret_keys or is_sensitive_name(key, strict=True)


def _yaml(text: str, form: CredentialFormat) -> Found | None:
    try:
        root = _compose(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    if not isinstance(root, yaml.MappingNode) or not _has_marker(root, form):
        return None
    found: Found = []
    seen: set[int] = set()  # aliases share nodes: each is read once (an alias bomb stays small)
    # (node, where, its value is secret, the keys of a mapping in it hold secrets)
    stack: list[tuple[yaml.Node, str, bool, bool]] = [(root, "", False, False)]
    while stack:
        node, where, secret, inherited = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                stack.append((value, f"{where}.{name}" if where else name,
                              inherited or _is_secret_key(name, form), _holds_secrets(name, inherited, form)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{where}[{index}]", secret, inherited)
                         for index, item in reversed(list(enumerate(node.value))))
        elif secret and isinstance(node, yaml.ScalarNode) and is_literal_secret(str(node.value)):
            found.append((where, node.start_mark.line + 1))
    return sorted(found, key=lambda item: item[1])


@lru_cache(maxsize=1)  # the YAML formats a file may be in are tried in turn on one parse
def _compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=_YAML_LOADER)


def _holds_secrets(key: str, inherited: bool, form: CredentialFormat) -> bool:
    """Whether every value in a mapping under ``key`` is a secret: under a key the format
    names (a dbt ``keyfile_json``), not under any sensitive-sounding name, since a section
    called ``validate-credentials`` holds settings (``SECRET_ID``: the name of a secret)."""
    return inherited or key in form.secret_keys


def _has_marker(root: yaml.MappingNode, form: CredentialFormat) -> bool:
    pairs = [(str(k.value), v) for k, v in root.value if isinstance(k, yaml.ScalarNode)]
    if form.marker_key is not None:
        return any(key == form.marker_key and isinstance(value, yaml.ScalarNode) and value.value == form.marker_value
                   for key, value in pairs)
    if form.marker_child_key is not None:
        return any(isinstance(value, yaml.MappingNode)
                   and any(isinstance(k, yaml.ScalarNode) and k.value == form.marker_child_key for k, _ in value.value)
                   for _, value in pairs)
    return True


def _json(text: str, form: CredentialFormat) -> Found | None:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    if form.marker_key is not None and document.get(form.marker_key) != form.marker_value:
        return None
    found: Found = []
    for where, key in _json_secrets(document, "", False, form):
        found.append((where, _line_of_key(text, key)))
    return sorted(found, key=lambda item: item[1])


def _json_secrets(value, where: str, secret: bool, form: CredentialFormat) -> Iterator[tuple[str, str]]:
    """(path, last key) of every literal under a secret key (an explicit stack: no recursion limit)."""
    stack = [(value, where, secret, secret, "")]
    while stack:
        value, where, secret, inherited, last = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{where}.{key}" if where else str(key), inherited or _is_secret_key(str(key), form),
                          _holds_secrets(str(key), inherited, form), str(key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]", secret, inherited, last) for index, item in enumerate(value))
        elif secret and isinstance(value, (str, int)) and not isinstance(value, bool) \
                and is_literal_secret(str(value)):
            yield where, last


def _line_of_key(text: str, key: str) -> int:
    index = text.find(json.dumps(key))
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _netrc(text: str, form: CredentialFormat) -> Found:
    found: Found = []
    machine, expect = "default", ""
    for number, line in enumerate(text.splitlines(), 1):
        for word in line.split():
            if expect == "machine":
                machine = word
            elif expect == "password":
                found.append((f"password of machine {machine}", number))
            expect = word if word in ("machine", "password") and not expect else ""
    return found


def _pgpass(text: str, form: CredentialFormat) -> Found:
    found: Found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("#"):
            continue
        fields = re.split(r"(?<!\\):", line.strip())
        if len(fields) == 5 and fields[4]:
            found.append((f"password of {':'.join(fields[:4])}", number))
    return found


def _shell(text: str, form: CredentialFormat) -> Found:
    return [(variable.name, variable.line) for variable in parse_env_file(text, "")
            if variable.value and not variable.value.startswith("$")
            and _is_secret_key(variable.name, form) and is_literal_secret(variable.value)]


def _key_values(text: str, form: CredentialFormat) -> Found:
    """``key = value`` / ``key: value`` lines of INI and Java properties files ([sections] and
    comments are skipped)."""
    found: Found = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;![":
            continue
        cuts = [index for index in (stripped.find("="), stripped.find(":")) if index > 0]
        if not cuts:
            continue
        key, value = stripped[:min(cuts)].strip(), stripped[min(cuts) + 1:].strip()
        if _is_secret_key(key, form) and is_literal_secret(value):
            found.append((key, number))
    return found


_READERS: dict[str, Callable[[str, CredentialFormat], Found | None]] = {
    "pem": _pem, "yaml": _yaml, "json": _json, "netrc": _netrc, "pgpass": _pgpass, "shell": _shell,
    "properties": _key_values, "ini": _key_values,
}


def describe(form: CredentialFormat, fields) -> str:
    """"a dbt profile with credentials (outputs.prod.password, ...)": what and where, no values."""
    names = [where for where, _ in fields if where]
    if not names:
        return form.what
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{form.what} ({shown})"
