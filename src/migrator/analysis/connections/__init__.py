"""Connections, variables and pools: where the project defines them and where it uses them.

Definitions come from ``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` variables in every env source,
``airflow connections|variables|pools export`` files (JSON, YAML, env), ``pool_name,slots``
tables (``pools*.csv``), Astronomer's ``airflow_settings.yaml`` and ``airflow connections add``
/ ``variables set`` / ``pools set`` commands in scripts, Dockerfiles and compose commands. References are the literal ids the DAG
and plugin code passes (``*_conn_id=``, ``get_connection``, ``Variable.get``) and Jinja
templates (``{{ conn.x }}``, ``{{ var.value.x }}``, ``{{ var.json.x }}``).

The package holds what each module's analysis needs (the model, the references, the URIs) and
``mentioned_keys``; ``project`` reads the definitions (export files, env sources, commands).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import PurePosixPath

from migrator.analysis.connections.model import (
    CONN_PREFIX,
    GENERIC_CONNECTION_READS,
    SECRET_NAME,
    VAR_PREFIX,
    VARIABLE_READ_WITH_DEFAULT,
    ConnectionDef,
    ConnectionFacts,
    PoolDef,
    Reference,
    VariableDef,
)
from migrator.analysis.connections.references import (
    jinja_references,
    secret_name_variables,
)
from migrator.analysis.connections.uris import (
    connection_json,
    connection_uri,
    host_reachability,
    parse_connection_uri,
    parse_connection_value,
    provider_for_connection_type,
)
from migrator.analysis.source import Problem, bom_encoding, decode_text, read_bytes
from migrator.cache import FileFacts

__all__ = ["CONN_PREFIX", "GENERIC_CONNECTION_READS", "SECRET_NAME", "VARIABLE_READ_WITH_DEFAULT", "VAR_PREFIX",
    "ConnectionDef", "ConnectionFacts", "PoolDef", "Reference", "VariableDef", "connection_json", "connection_uri",
    "host_reachability", "jinja_references", "mentioned_keys", "parse_connection_uri", "parse_connection_value",
    "provider_for_connection_type", "secret_name_variables"]


def mentioned_keys(workspace, keys: Iterable[str], definitions: Iterable[str],
                   file_facts: FileFacts | None = None) -> frozenset[str]:
    """The ``keys`` the project's code or templates name as a whole word: its Python files and
    the other files of its DAG and plugins folders (SQL, Jinja, scripts), leaving out the files
    that define them (``definitions``). What no such file names, nothing reads: ``Variable.get``,
    ``{{ var.value.x }}`` and a helper called with the key all name it; a README does not run.
    Compared ignoring case, lowercased: ``AIRFLOW_VAR_X`` defines the variable ``x``.
    ``file_facts``: each file's answer by its content and the keys asked (a warm run reads the
    files but searches only the changed ones)."""
    # Longest first (the alternation tries them in order), then by name: the same order every run.
    wanted = sorted({key.lower() for key in keys}, key=lambda key: (-len(key), key))
    if not wanted:
        return frozenset()
    word = re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, wanted)) + r")(?![\w])", re.IGNORECASE)
    ascii_keys = tuple(key.encode() for key in wanted) if all(key.isascii() for key in wanted) else None
    searched = sorted(rel for rel in {*workspace.python_files, *workspace.other_python_files, *workspace.data_files}
                      - set(definitions) if PurePosixPath(rel).suffix.lower() not in _DOCUMENT_SUFFIXES)
    asked = ((rel, data, partial(_words_named, word, ascii_keys), tuple(wanted))
             for rel in searched for data in [read_bytes(workspace.path(rel), for_facts=True)]
             if not isinstance(data, Problem))
    facts = file_facts if file_facts is not None else FileFacts()
    return frozenset().union(*facts.of_each("mentioned_keys", asked).values())


def _words_named(word: re.Pattern[str], ascii_keys: tuple[bytes, ...] | None, data: bytes) -> frozenset[str]:
    """The keys ``word`` finds in ``data``. With ASCII keys, a file whose bytes name none of them
    in any case has none to find, and in a file of ASCII alone the keys made of word characters
    are those among its words: most files are answered without decoding or a search of every key."""
    if ascii_keys is not None and not _may_fold_to_ascii(data):
        lowered = data.lower()
        present = [key for key in ascii_keys if key in lowered]
        if not present:
            return frozenset()
        if data.isascii() and all(map(_ASCII_WORD.fullmatch, present)):  # whole words are whole tokens
            tokens = set(_ASCII_WORD.findall(lowered))
            return frozenset(key.decode() for key in present if key in tokens)
    text = decode_text(data)
    return frozenset() if isinstance(text, Problem) else frozenset(m.lower() for m in word.findall(text.text))


_ASCII_WORD = re.compile(rb"[a-z0-9_]+")  # a word of lowered ASCII text, as \w reads it
# The letters besides ASCII's that a case-insensitive match takes for ASCII letters (İ ı ſ K),
# in UTF-8.
_FOLDING_TO_ASCII = tuple(letter.encode() for letter in "\u0130\u0131\u017f\u212a")


def _may_fold_to_ascii(data: bytes) -> bool:
    """Whether the text of ``data`` may match an ASCII key with letters other than ASCII ones:
    UTF-16 or UTF-32 text, or text holding one of :data:`_FOLDING_TO_ASCII` (UTF-8 and latin-1
    text otherwise match it with the very bytes of its ASCII letters)."""
    return bom_encoding(data) not in (None, "utf-8") or any(letter in data for letter in _FOLDING_TO_ASCII)


# Documentation, which names a variable without reading it.
_DOCUMENT_SUFFIXES = frozenset({".md", ".rst", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg"})
