"""The tool's one cache folder, and per-file scan results keyed by file content.

:func:`cache_dir` is the only place that decides where cached things live:
``$MWAA_MIGRATOR_CACHE``, else ``$XDG_CACHE_HOME/mwaa-migrator``, else ``~/.cache/mwaa-migrator``,
never inside the user's repository. Below it:

- ``scan/``: one scan-result file, one :class:`FileFacts` table and one :class:`RunMemo` of each kind per
  project root (this module; the project stage's is ``migrator.project_memo``), and the
  :class:`ToolMemo` files of what derives from the tool's code alone (the rule index, a
  target's operator signatures), and the bytecode of the methods ``dataclasses`` writes
  (``migrator.method_code``);
- ``venvs/``: Airflow venvs per target (``migrator.airflow_env``);
- ``constraints/``: downloaded constraints files (``migrator.airflow_env``, the requirements
  analysis);
- ``wheels/``: released wheels the knowledge base is generated from (``migrator.compat.generate``);
- ``index/``: release lists and release metadata read from the package index
  (``migrator.package_index``).

``$MWAA_MIGRATOR_SCAN_CACHE`` moves the scan folder alone. It is for tests and CI, which want a
fresh scan cache per run while still reusing Airflow venvs that take minutes to build.

A scan cache is valid only for the same tool code (an installed release's recorded hashes, a
checkout's module mtimes: :func:`code_fingerprint`), interpreter, target, rule selection and
project index; anything else starts it afresh. A run after an edit appends what it changed to the scan results'
file, written whole again only once the changes outgrow it, and looks up and writes single rows
of the facts' SQLite table. :class:`FileFacts` keep what project-level analyses derived from
single non-Python files (credential files, requirements files), keyed by content like the scan
results but valid across targets and rule selections (they depend on neither): a warm run redoes
none of them, a run after an edit only the edited files'.

:class:`RunMemo` keeps a project's last run (its workspace, findings and inventory, and its
module summaries by their place in the scan results), keyed by everything the run read: the stat of every entry under the root
(:func:`tree_fingerprint`; version-control folders and tool caches by name only), the settings, target and rules, what it read from outside the project
(``migrator.engine.run_inputs``) and the tool. A run whose inputs are all unchanged returns it
without discovering, analysing or running a rule. ``migrator scan`` keeps its last report the same
way (``migrator.cli.scan``), keyed also by its options and the environment, its text in a file
beside the memo (:class:`KeptText`), and writes it again before loading any of the analysis.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import struct
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, TypeVar

from migrator import __version__
from migrator.observed import for_facts, read_fact
from migrator.workers import collector_paused

FORMAT = 7  # 3: findings carry related locations; 4: module summaries carry DAG factories and their calls;
# 5: and the shell scripts their strings name; 6: and the programs their commands run; 7: entries hold the stat
FACTS_FORMAT = 4  # 2: answers are kept by analysis, file and the inputs asked with; 3: and the content's digest;
# 4: in an SQLite table
RUN_MEMO_FORMAT = 2  # 2: module summaries by their place in the scan cache
# What unpickling a cache written by another version, or cut short, raises.
_UNREADABLE_PICKLE = (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError)
# Folders the tree fingerprint names but does not look into: rewritten by every git command
# (version control), by every test or lint run and by Python importing a module (tool caches),
# and read by no analysis: discovery and the bundle skip them, and what the other walks could
# find inside (no .py file, no data the project reads) decides no finding.
UNREAD_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
PART_ITEMS = 1000  # items per pickle of what the caches write in parts (_dump_in_parts)
CACHE_ENV_VAR = "MWAA_MIGRATOR_CACHE"
SCAN_CACHE_ENV_VAR = "MWAA_MIGRATOR_SCAN_CACHE"
# Set: what is fetched from the network (constraints, package index metadata) is answered from
# these caches alone.
OFFLINE_ENV = "MWAA_MIGRATOR_OFFLINE"
T = TypeVar("T")
# Maps a function over argument lists as ``map`` does, possibly in worker processes.
Mapper = Callable[..., list]
Subfolder = Literal["scan", "venvs", "constraints", "wheels", "index"]
SUBFOLDERS: tuple[Subfolder, ...] = ("scan", "venvs", "constraints", "wheels", "index")


def cache_dir(subfolder: Subfolder | None = None) -> Path:
    """The tool's cache folder, or one of its subfolders (not created here)."""
    if subfolder is not None and subfolder not in SUBFOLDERS:
        raise ValueError(f"unknown cache subfolder {subfolder!r}; known: {', '.join(SUBFOLDERS)}")
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        root = Path(configured).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "mwaa-migrator"
    return root / subfolder if subfolder else root


def scan_cache_dir() -> Path:
    """Where scan results go: ``$MWAA_MIGRATOR_SCAN_CACHE`` (tests, CI), else ``cache_dir("scan")``."""
    override = os.environ.get(SCAN_CACHE_ENV_VAR)
    return Path(override).expanduser() if override else cache_dir("scan")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """What tells the tool's own code and data apart: an edited rule must not be answered from
    results the old rule computed. Installed from a wheel, the content hashes its installer
    recorded (so that a CI job installing the same release afresh, with new mtimes, keeps the
    cache it restored); otherwise (a checkout, an editable install) the size and mtime of each
    module. With the interpreter's version: its ``ast`` reads the files (two virtualenvs of one
    checkout share the cache folder)."""
    # Found, not imported: a report kept whole is written again without loading compat at all.
    import importlib.util

    import migrator

    package = Path(migrator.__file__).parent
    recorded = installed_hashes(package)
    if recorded is not None:
        return hashlib.sha256(sys.version.encode() + b"\n" + recorded).hexdigest()
    compat = importlib.util.find_spec("migrator.compat")
    parts = []
    for base in {package, *map(Path, compat.submodule_search_locations or ())}:
        for folder, folders, files in os.walk(base, followlinks=True):
            folders[:] = [name for name in folders if name != "__pycache__"]
            for name in files:
                # The knowledge base's data decides verdicts as much as the code (credential formats).
                if name.endswith((".py", ".json")):
                    path = os.path.join(folder, name)
                    stat = os.stat(path)
                    parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join([sys.version, *sorted(parts)]).encode()).hexdigest()


def installed_hashes(package: Path) -> bytes | None:
    """The lines of the installed distribution's RECORD (``path,sha256=...,size``, written by
    the installer) that name the package's modules and data, sorted; None when the package was
    not installed from a wheel (an editable install's RECORD names no module of it)."""
    record = package.parent / f"mwaa_migrator-{__version__}.dist-info" / "RECORD"
    try:
        lines = record.read_bytes().splitlines()
    except OSError:
        return None
    prefix = package.name.encode() + b"/"
    own = sorted(line for line in lines if line.startswith(prefix)
                 and line.partition(b",")[0].endswith((b".py", b".json")))
    return b"\n".join(own) if own else None


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _cache_file(root: Path, directory: Path | None, suffix: str) -> Path:
    root_id = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return (directory or scan_cache_dir()) / f"{root_id}{suffix}"


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join((__version__, code_fingerprint(), *parts)).encode()).hexdigest()


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> bool:
    """``path`` written by ``write`` into a file beside it that then replaces it, so that no
    reader sees it half-written. Whether it was written: a cache that cannot be written is not
    worth failing a command for."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".scan-")
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with suppress(OSError):
                os.unlink(temp)
        return False
    return True


def _pickle_atomically(path: Path, write: Callable[[pickle.Pickler], None]) -> bool:
    return write_atomically(path, lambda handle: write(pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)))


class ToolMemo:
    """A value derived from the tool's own code and knowledge base alone (the rule registry's
    index, a target's operator signatures), kept in the scan cache folder until they change
    (:func:`code_fingerprint` is part of the key)."""

    def __init__(self, name: str) -> None:
        self.path = scan_cache_dir() / f"{name}.pickle"
        self.key = _key(name)

    def load(self) -> Any | None:
        """The value kept under this key, None when there is none."""
        try:
            with self.path.open("rb") as handle:
                if pickle.load(handle) == self.key:
                    return pickle.load(handle)
        except (OSError, *_UNREADABLE_PICKLE):
            pass
        return None

    def save(self, value: Any) -> None:
        def write(pickler: pickle.Pickler) -> None:
            pickler.dump(self.key)
            pickler.clear_memo()  # each pickle is read by an unpickler of its own
            pickler.dump(value)

        _pickle_atomically(self.path, write)

    def kept(self, compute: Callable[[], T]) -> T:
        """The value kept, else ``compute()``, kept for the next run."""
        value = self.load()
        if value is None:
            value = compute()
            self.save(value)
        return value


def _dump_in_parts(pickler: pickle.Pickler, items: Sequence[Any]) -> None:
    """``items`` as pickles of :data:`PART_ITEMS` each, then an empty one: one pickle of a large
    project's results remembers each of their millions of objects while it writes (60 to 100 MB
    more at 20,000 files). What the parts share is written, and read back, once per part."""
    for start in range(0, len(items), PART_ITEMS):
        pickler.clear_memo()
        pickler.dump(items[start:start + PART_ITEMS])
    pickler.dump(items[:0])


def _load_parts(handle: IO[bytes]) -> Iterator[Any]:
    """The items :func:`_dump_in_parts` wrote."""
    while part := pickle.load(handle):
        yield from part


_RECORD_HEAD = struct.Struct("<Q16s")  # an appended record's length and the digest of what follows


class _EntryFile:
    """A cache's entries (a dict) in one file: written whole (atomically, in parts), then
    changed by appending a record of each run's changed entries, so that a run after an edit
    writes what it changed, not the project's every entry again. Written whole again once the
    records reach a quarter of the whole. A record is checked by its digest and names the key
    it was written under: one cut short (a killed run), or written under another key after
    another version's run replaced the file, ends what is read or is skipped; an entry it held
    is then computed again, as every entry is only taken for the content it was computed from."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = path, key
        self._whole = self._read = 0  # bytes of the whole write, and of everything read, in the file read

    def load(self) -> dict[Any, Any]:
        entries: dict[Any, Any] = {}
        try:
            with self.path.open("rb") as handle, collector_paused():
                if pickle.load(handle) != self.key:
                    return {}
                entries = dict(_load_parts(handle))
                self._whole = self._read = handle.tell()
                for changes in _records(handle, self.key):
                    for item, entry in changes:
                        if entry is None:
                            entries.pop(item, None)
                        else:
                            entries[item] = entry
                    self._read = handle.tell()
        except (OSError, *_UNREADABLE_PICKLE):
            return {}  # none yet, or from another version: start afresh
        return entries

    def save(self, entries: Mapping[Any, Any], changed: Iterable[Any]) -> bool:
        """Write the ``changed`` entries (an entry no longer in ``entries`` is removed); whether
        the file holds them now."""
        if self._whole and (self._read - self._whole) * 4 < self._whole and self._append(
                [(item, entries.get(item)) for item in changed]):
            return True

        def write(pickler: pickle.Pickler) -> None:
            pickler.dump(self.key)
            # Values the parts share are shared again when a scan collects them (SharedValues).
            _dump_in_parts(pickler, list(entries.items()))

        if not _pickle_atomically(self.path, write):
            return False
        self._whole = self._read = self.path.stat().st_size
        return True

    def _append(self, changes: list[tuple[Any, Any]]) -> bool:
        """Append a record of ``changes`` to the file this run read, unless it is gone or was
        replaced meanwhile: one write, which appends do not interleave."""
        payload = pickle.dumps((self.key, changes), protocol=pickle.HIGHEST_PROTOCOL)
        record = _RECORD_HEAD.pack(len(payload), hashlib.blake2b(payload, digest_size=16).digest()) + payload
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError:
            return False
        try:
            if os.fstat(fd).st_size < self._read:
                return False  # another file than the one read
            written = os.write(fd, record)
        except OSError:
            return False
        finally:
            os.close(fd)
        self._read += written
        return written == len(record)


def _records(handle: IO[bytes], key: str) -> Iterator[list[tuple[Any, Any]]]:
    """The changes of each whole record :meth:`_EntryFile._append` wrote under ``key``."""
    while len(head := handle.read(_RECORD_HEAD.size)) == _RECORD_HEAD.size:
        length, digest = _RECORD_HEAD.unpack(head)
        payload = handle.read(length)
        if len(payload) != length or hashlib.blake2b(payload, digest_size=16).digest() != digest:
            return
        try:
            record_key, changes = pickle.loads(payload)
        except _UNREADABLE_PICKLE:
            return
        if record_key == key:
            yield changes


class FileFacts:
    """What project-level analyses derived from single files, by analysis, file and the file's
    content digest. ``root``: the project whose facts are read from and saved to the cache
    folder (``directory``, default :func:`scan_cache_dir`); None keeps them for this run only.
    Kept one row per answer (:class:`_FactTable`): a run after an edit looks up the answers of
    the few files it checks and writes what it computed, not the project's every answer; a run
    asking for more than :data:`LOOKUPS_BEFORE_READING_ALL` reads them all at once.
    Of each analysis that ran, only the entries it asked for are saved: a deleted file's, or a
    file no longer read, go; an analysis that did not run (its rules not selected) keeps its own,
    and a run that took the project stage from its memo drops none (:meth:`keep_all`).
    ``mapper``: how :meth:`of_each` computes what the cache does not hold (default: here, in turn)."""

    def __init__(self, root: Path | None = None, directory: Path | None = None, mapper: Mapper | None = None) -> None:
        self.mapper = mapper or (lambda function, *arguments: list(map(function, *arguments)))
        self.used: set[tuple[str, str, str]] = set()
        self.changed: set[tuple[str, str, str]] = set()
        self.path = _cache_file(root, directory, ".facts.sqlite") if root is not None else None
        self._table = _FactTable(self.path, _key(f"facts {FACTS_FORMAT}")) if self.path else None
        # The answers this run read or computed; all of the table's once it was read whole.
        self._entries: dict[tuple[str, str, str], tuple[str, Any]] = {}
        self._read_whole = self._table is None
        self._lookups = 0
        self._keep_all = False
        self._equals: dict[Any, Any] = {}

    @property
    def entries(self) -> dict[tuple[str, str, str], tuple[str, Any]]:
        """Every answer held, the table read whole."""
        if not self._read_whole:
            self._entries = {**self._table.read_all(), **self._entries}  # this run's own come last
            self._read_whole = True
        return self._entries

    def _entry(self, key: tuple[str, str, str]) -> tuple[str, Any] | None:
        if self._read_whole or key in self._entries:
            return self._entries.get(key)
        self._lookups += 1
        if self._lookups > LOOKUPS_BEFORE_READING_ALL:
            return self.entries.get(key)
        entry = self._table.get(key)
        if entry is not None:
            self._entries[key] = entry
        return entry

    def of(self, analysis: str, rel: str, data: bytes, compute: Callable[[bytes], T],
           inputs: tuple[str, ...] = ()) -> T:
        """``compute(data)``, or what it returned for the same content of ``rel`` (and the same
        ``inputs``: what else the answer depends on, such as the name the file is imported as)."""
        return self.of_each(analysis, [(rel, data, compute, inputs)])[rel]

    def of_files(self, analysis: str, texts: Mapping[str, bytes], compute: Callable[[bytes], T],
                 observed: bool = True) -> dict[str, T]:
        """:meth:`of_each` of ``compute`` over every file of ``texts`` (contents by path), when
        the answer depends on nothing but the file."""
        return self.of_each(analysis, [(rel, data, compute, ()) for rel, data in for_facts(texts).items()], observed)

    def of_each(self, analysis: str, asked: Iterable[tuple[str, bytes, Callable[[bytes], T], tuple[str, ...]]],
                observed: bool = True) -> dict[str, T]:
        """:meth:`of` for many files, ``(rel, data, compute, inputs)`` each: what the cache does not
        hold is computed through the mapper, in worker processes when it has enough of it (a cold
        run's analyses parse or search hundreds of files), so ``compute`` must pickle: a module
        function, or a ``partial`` of one. ``asked`` is read once: given as it reads the files, only
        the contents to compute are held at once. ``data`` is the file's content (what the run's
        ``ProjectMemo`` derives the fact from again), and each answer is recorded as read
        (``migrator.observed``), unless not ``observed``: the caller records what it takes of
        each answer itself."""
        found: dict[str, T] = {}  # in the order asked
        missing: list[tuple[tuple[str, str, str], str]] = []
        computes: list[Callable[[bytes], T]] = []
        datas: list[bytes] = []
        for rel, data, compute, inputs in asked:
            key = fact_key(analysis, rel, inputs)
            digest = content_digest(data)
            self.used.add(key)
            if observed:
                read_fact(analysis, rel, inputs, digest, compute)
            entry = self._entry(key)
            if entry is not None and entry[0] == digest:
                found[rel] = entry[1]
            else:
                found[rel] = None  # holds the place: computed below
                missing.append((key, digest))
                computes.append(compute)
                datas.append(data)
        if missing:
            for (key, digest), result in zip(missing, self.mapper(_computed, computes, datas)):
                result = self._one_of_equals(result)
                self._entries[key] = (digest, result)
                self.changed.add(key)
                found[key[1]] = result
        return found

    def held(self, key: tuple[str, str, str], digest: str) -> tuple[bool, Any]:
        """Whether the cache holds an answer for ``key`` (:func:`fact_key`) derived from content
        of ``digest`` (:func:`content_digest`), and the answer."""
        entry = self._entry(key)
        return (True, entry[1]) if entry is not None and entry[0] == digest else (False, None)

    def keep_all(self) -> None:
        """Drop no answer when saving: this run took the project stage's results from its memo,
        whose next run may check any answer that stage read (the run that made it dropped
        what no analysis asked for)."""
        self._keep_all = True

    def _one_of_equals(self, result: T) -> T:
        """Equal results held once: most files' answer to most analyses is the same (nothing
        found), and each arrives from its worker as an object of its own."""
        try:
            return self._equals.setdefault(result, result)
        except TypeError:  # not hashable
            return result

    def save(self) -> None:
        if self._table is None or not self.used:
            return
        dropped: set[tuple[str, str, str]] = set()
        if not self._keep_all:
            ran = {analysis for analysis, _, _ in self.used}
            held = self._entries if self._read_whole else self._table.keys_of(ran)
            dropped = {key for key in held if key not in self.used and key[0] in ran}
        if (self.changed or dropped) and not self._table.write(
                ((key, self._entries[key]) for key in self.changed - dropped), dropped):
            return
        # The table holds them: read again if asked again (few runs do), not held meanwhile (a
        # large project's are tens of MB).
        self._entries, self._equals, self.changed = {}, {}, set()
        self._read_whole, self._lookups = False, 0


# More lookups than this in one run (an analysis over the project, not a check of a few edited
# files) read the whole table at once: one query, not one per answer.
LOOKUPS_BEFORE_READING_ALL = 256


class _FactTable:
    """:class:`FileFacts`' answers in an SQLite table, one row each, the value pickled. The key
    the table was written under (tool, code and format) is checked when it is opened: another
    one's rows are deleted. A table that cannot be opened or read (no space, a run killed while
    it wrote, a file that is not a database) is made again; one that cannot be written is not
    used, as a cache that cannot be written is not worth failing a scan for."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = path, key
        self._db: sqlite3.Connection | None = None
        self._unusable = False

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._unusable:
            try:
                self._db = self._open()
            except sqlite3.Error:  # not a table of ours, or a damaged one: start afresh
                with suppress(OSError, sqlite3.Error):
                    self.path.unlink()
                    self._db = self._open()
            except OSError:
                pass
            self._unusable = self._db is None
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created for this user alone, like the caches' other files: answers name the project's files.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # A cache: a crash loses at most the last run's rows, and a damaged file is made again.
            db.execute("PRAGMA synchronous = OFF")
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TABLE IF NOT EXISTS written_under (key TEXT NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS facts (analysis TEXT NOT NULL, rel TEXT NOT NULL, "
                           "inputs TEXT NOT NULL, digest TEXT NOT NULL, value BLOB NOT NULL, "
                           "PRIMARY KEY (analysis, rel, inputs)) WITHOUT ROWID")
                if [row[0] for row in db.execute("SELECT key FROM written_under")] != [self.key]:
                    db.execute("DELETE FROM facts")
                    db.execute("DELETE FROM written_under")
                    db.execute("INSERT INTO written_under VALUES (?)", (self.key,))
        except BaseException:
            db.close()
            raise
        return db

    def _failed(self, error: sqlite3.Error) -> None:
        """After a query failed: a damaged table is made again (what it held is computed
        again); one that cannot be used now (locked, read-only) is not used this run."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._unusable = isinstance(error, sqlite3.OperationalError)
        if not self._unusable:
            with suppress(OSError):
                self.path.unlink()

    def _reading(self, query: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        db = self._connection()
        if db is None:
            return []
        try:
            return db.execute(query, parameters).fetchall()
        except sqlite3.Error as error:
            self._failed(error)
            return []

    def get(self, key: tuple[str, str, str]) -> tuple[str, Any] | None:
        rows = self._reading("SELECT digest, value FROM facts WHERE analysis = ? AND rel = ? AND inputs = ?", key)
        if not rows:
            return None
        digest, value = rows[0]
        try:
            return digest, pickle.loads(value)
        except _UNREADABLE_PICKLE:
            return None  # computed again

    def read_all(self) -> dict[tuple[str, str, str], tuple[str, Any]]:
        entries: dict[tuple[str, str, str], tuple[str, Any]] = {}
        values: dict[bytes, Any] = {}  # rows of one value share one object (most answers are alike)
        with collector_paused():
            for analysis, rel, inputs, digest, value in self._reading("SELECT * FROM facts"):
                if value not in values:
                    try:
                        values[value] = pickle.loads(value)
                    except _UNREADABLE_PICKLE:
                        continue  # computed again
                entries[analysis, rel, inputs] = (digest, values[value])
        return entries

    def keys_of(self, analyses: Iterable[str]) -> list[tuple[str, str, str]]:
        wanted = sorted(analyses)
        return [tuple(row) for row in self._reading(  # type: ignore[misc]
            f"SELECT analysis, rel, inputs FROM facts WHERE analysis IN ({', '.join('?' * len(wanted))})", wanted)]

    def write(self, entries: Iterable[tuple[tuple[str, str, str], tuple[str, Any]]],
              dropped: Iterable[tuple[str, str, str]]) -> bool:
        """Write ``entries`` (key, (digest, value)) and delete the ``dropped`` keys, in one
        transaction; whether done. The rows are made as they are written: a cold run of a large
        project writes hundreds of thousands."""
        db = self._connection()
        if db is None:
            return False
        blob = _blobs()
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("DELETE FROM facts WHERE analysis = ? AND rel = ? AND inputs = ?", dropped)
                db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?)",
                               ((*key, digest, blob(value)) for key, (digest, value) in entries))
        except sqlite3.Error as error:
            self._failed(error)
            return False
        except (pickle.PicklingError, TypeError, AttributeError):  # an answer that does not pickle
            return False
        return True


def _blobs() -> Callable[[Any], bytes]:
    """``pickle.dumps`` that pickles each equal hashable value once (most answers are alike)."""
    made: dict[Any, bytes] = {}

    def blob(value: Any) -> bytes:
        try:
            found = made.get(value)
        except TypeError:  # not hashable: pickled each time, not held
            return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if found is None:
            found = made[value] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return found

    return blob


def fact_key(analysis: str, rel: str, inputs: tuple[str, ...]) -> tuple[str, str, str]:
    """Where :class:`FileFacts` keeps an answer: one per analysis, file and inputs (an analysis
    asked with other inputs in the same run, other keys to search, keeps both)."""
    return analysis, rel, _inputs_digest(inputs) if inputs else ""


@lru_cache(maxsize=4096)
def _inputs_digest(inputs: tuple[str, ...]) -> str:
    # A project's facts are asked with a few hundred inputs (keys to search, the names modules
    # are imported as) over thousands of files: a run's memo check keys each of them.
    return content_digest("\0".join(inputs).encode())


def _computed(compute: Callable[[bytes], T], data: bytes) -> T:
    return compute(data)


class ScanCache:
    def __init__(self, root: Path, key_parts: tuple[str, ...], directory: Path | None = None) -> None:
        """``directory``: the folder the scan files go in (default :func:`scan_cache_dir`)."""
        self.path = _cache_file(root, directory, ".pickle")
        self.key = _key(str(FORMAT), *key_parts)
        self._file = _EntryFile(self.path, self.key)
        # By file: the content digest the result is for, the result, and the file's stat when
        # the run that read it began (``TreeState.python_stats``; "" when not known).
        self.entries: dict[str, tuple[str, Any, str]] = self._file.load()
        self.changed: set[str] = set()

    def has(self, rel: str) -> bool:
        return rel in self.entries

    def get(self, rel: str, digest: str) -> Any | None:
        entry = self.entries.get(rel)
        return entry[1] if entry and entry[0] == digest else None

    def unchanged(self, rel: str, stat: str) -> tuple[str, Any] | None:
        """The digest and result held for ``rel`` when its stat is the one they were read with:
        a run after an edit reads only the files whose stat changed (as the memos keyed by the
        tree's stats, ``RunMemo``, trust the stat)."""
        entry = self.entries.get(rel)
        return (entry[0], entry[1]) if entry and stat and entry[2] == stat else None

    def put(self, rel: str, digest: str, result: Any, stat: str = "") -> None:
        self.entries[rel] = (digest, result, stat)
        self.changed.add(rel)

    def prune(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        for rel in stale:
            del self.entries[rel]
        self.changed |= stale

    def save(self) -> None:
        """Write what changed, unless nothing did."""
        if self.changed and self._file.save(self.entries, self.changed):
            self.changed = set()


def tree_fingerprint(root: Path) -> str:
    """A digest that changes with any entry under ``root`` (an :data:`UNREAD_DIRS` folder only by name): its
    name, kind, permissions, size, modification and change times and inode, and a symlink's target
    and what it points to. Not only the files discovery keeps: analyses also list and read folders
    it skips (a ``.airflowignore`` walk, template folders, package probes)."""
    return tree_state(root).fingerprint


class TreeState(NamedTuple):
    """A root's entries as a run begins, from one walk."""

    fingerprint: str  # tree_fingerprint
    # The same but of each regular .py file only its path, and apart: each one's stat by project
    # path (for the project stage's memo, which tells the files' changes apart: migrator.project_memo).
    python_apart: str
    python_stats: dict[str, str]


def tree_state(root: Path) -> TreeState:
    whole = hashlib.blake2b(digest_size=16)
    apart = hashlib.blake2b(digest_size=16)
    python_stats: dict[str, str] = {}
    for rel, line, regular_python in _tree_lines(root):
        whole.update(line)
        if regular_python:
            rel = rel.lstrip(os.sep).replace(os.sep, "/")
            python_stats[rel] = line.decode(errors="surrogateescape")
            apart.update(rel.encode(errors="surrogateescape") + b"\n")
        else:
            apart.update(line)
    return TreeState(whole.hexdigest(), apart.hexdigest(), python_stats)


def _tree_lines(root: Path) -> Iterator[tuple[str, bytes, bool]]:
    """``(path below root, line, whether a regular .py file)`` of each entry under ``root``, the
    line naming what :func:`tree_fingerprint` digests."""
    top = os.fspath(root)
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            yield folder[len(top):], f"{folder[len(top):]}\0{exc.errno}\n".encode(errors="surrogateescape"), False
            continue
        for entry in entries:
            rel = entry.path[len(top):]  # the same however the root is spelled (".", absolute)
            regular_python = False
            if entry.name in UNREAD_DIRS:
                # By name alone: git rewrites its folder on a mere ``git status`` (index.lock).
                yield rel, f"{rel}\0unread\n".encode(errors="surrogateescape"), False
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
                line = (f"{rel}\0{stat.st_mode}\0{stat.st_size}\0{stat.st_mtime_ns}"
                        f"\0{stat.st_ctime_ns}\0{stat.st_ino}")
                if entry.is_symlink():
                    line += f"\0{os.readlink(entry.path)}\0{stat_key(entry.path)}"
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    regular_python = entry.name.endswith(".py") and entry.is_file(follow_symlinks=False)
            except OSError as exc:
                line = f"{rel}\0{exc.errno}"
            yield rel, (line + "\n").encode(errors="surrogateescape"), regular_python


def stat_key(path: str | Path) -> str:
    """What changes when the file at ``path`` (a symlink followed) changes, or "none"."""
    try:
        return _stat_text(os.stat(path))
    except OSError:
        return "none"


def _stat_text(stat: os.stat_result) -> str:
    return f"{stat.st_mode}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"


# How many times a constraints URL was answered with its failure, in this process: a run that
# saw the count grow has findings that depend on the network's state.
_CONSTRAINTS_FAILURES = [0]


def note_constraints_failure() -> None:
    _CONSTRAINTS_FAILURES[0] += 1


def constraints_failures_seen() -> int:
    """The count a run reads before and after itself (``migrator.engine`` does not remember a
    run during which a constraints URL could not be fetched; an earlier run's failure in the
    same process is not this run's)."""
    return _CONSTRAINTS_FAILURES[0]


def outside_inputs(constraints: str | Path | None) -> list[str]:
    """What a scan reads from outside the project, for a memo's key: the offline switch, the
    constraints cache (constraints URLs are answered from it) and a ``--constraints`` file."""
    return [os.environ.get(OFFLINE_ENV, ""), stat_key(cache_dir("constraints")),
            *([stat_key(constraints)] if constraints else [])]


class RunMemo:
    """A project's last run (whatever the scan keeps of it), valid for the same ``key_parts``:
    the caller names every input of the run besides the tool, which is part of the key here.
    ``kind`` names what is kept (the scan's run, a command's report), one memo of each per root."""

    def __init__(self, root: Path, key_parts: tuple[str, ...], directory: Path | None = None,
                 kind: str = "run") -> None:
        self.path = _cache_file(root, directory, f".{kind}.pickle")
        self.key = _key(f"{kind} {RUN_MEMO_FORMAT} {FORMAT}", *key_parts)

    def load(self) -> Any | None:
        """The run kept under this key, None when there is none."""
        try:
            with self.path.open("rb") as handle, collector_paused():
                if pickle.load(handle) == self.key:
                    run = pickle.load(handle)
                    return run._replace(**{name: list(_load_parts(handle))
                                           for name, value in zip(run._fields, run) if isinstance(value, list)})
        except (OSError, *_UNREADABLE_PICKLE):
            pass
        return None

    def save(self, run: NamedTuple) -> None:
        """Keep ``run``; its lists (a large project's findings and module summaries) are written
        in parts (:func:`_dump_in_parts`), after the rest."""
        lists = {name: value for name, value in zip(run._fields, run) if isinstance(value, list)}

        def write(pickler: pickle.Pickler) -> None:
            pickler.dump(self.key)
            pickler.clear_memo()  # each pickle is read by an unpickler of its own
            pickler.dump(run._replace(**{name: [] for name in lists}))
            for items in lists.values():
                _dump_in_parts(pickler, items)

        _pickle_atomically(self.path, write)


# Read and written as it was made: a report's text may hold a path's undecodable bytes.
_TEXT_ENCODING = {"encoding": "utf-8", "errors": "surrogatepass", "newline": ""}


class KeptText:
    """A text a memo keeps beside its pickle, too large to hold while it is made (a scan's
    report: over 100 MB at 20,000 files): written to a temporary file as it passes
    (:meth:`copying`), put at ``path`` by :meth:`keep`, which returns its stamp for the memo to
    hold; :func:`open_kept_text` opens it only with that stamp, so a text a later run put there
    is never taken for this memo's. Nothing is kept when the file cannot be written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temp: str | None = None
        self._handle: IO[str] | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._temp = tempfile.mkstemp(dir=path.parent, prefix=".scan-")
            self._handle = os.fdopen(fd, "w", **_TEXT_ENCODING)
        except OSError:
            self.discard()

    def copying(self, blocks: Iterable[str]) -> Iterator[str]:
        for block in blocks:
            if self._handle is not None:
                try:
                    self._handle.write(block)
                except OSError:
                    self.discard()
            yield block

    def keep(self) -> str | None:
        """Put the text in place: its stamp, or None when it could not be written."""
        if self._handle is None or self._temp is None:
            return None
        try:
            self._handle.flush()
            os.replace(self._temp, self.path)
            # The stamp of the file written, whatever a concurrent run put at the path since.
            stamp = _stat_text(os.fstat(self._handle.fileno()))
            self._handle.close()
        except OSError:
            self.discard()
            return None
        self._handle = self._temp = None
        return stamp

    def discard(self) -> None:
        """Nothing kept (a no-op after :meth:`keep`)."""
        with suppress(OSError):
            if self._handle is not None:
                self._handle.close()
            if self._temp is not None:
                os.unlink(self._temp)
        self._handle = self._temp = None


def open_kept_text(path: Path, stamp: str) -> IO[str] | None:
    """The text :class:`KeptText` put at ``path`` with ``stamp``, open (it stays readable
    whatever replaces it meanwhile); None when it is not there, or another has replaced it."""
    try:
        handle = path.open(**_TEXT_ENCODING)
    except OSError:
        return None
    if _stat_text(os.fstat(handle.fileno())) != stamp:
        handle.close()
        return None
    return handle
