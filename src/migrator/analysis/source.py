"""Reading project files as text without ever crashing: encodings, BOMs, binaries, permissions."""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from migrator.observed import ObservedTexts, read_whole

# Files larger than this are not parsed: nothing a DAG processor would load is this big, and
# parsing a generated blob would dominate a scan.
MAX_SOURCE_BYTES = 16 * 1024 * 1024
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)
# Byte order marks and the encoding each announces; UTF-32 LE first, as it begins with UTF-16
# LE's. Windows tools write them: PowerShell 5's ``pip freeze > requirements.txt`` is UTF-16 LE.
BOMS = {
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}


@dataclass(frozen=True)
class Problem:
    """Why a file could not be turned into facts. ``kind`` selects the MIG rule that reports it."""

    kind: str  # unreadable | undecodable | binary | too-large | syntax | python2 | too-complex
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str
    bom: bytes  # the byte order mark the file starts with (b"" when none)
    newline: str  # the first newline sequence found ("\n" if none)


def detect_newline(text: str) -> str:
    match = re.search(r"\r\n|\r|\n", text)
    return match.group(0) if match else "\n"


def read_bytes(path: Path, *, for_facts: bool = False) -> bytes | Problem:
    """The file's bytes. ``for_facts``: the caller hands them to ``cache.FileFacts`` alone,
    which records what it derives; otherwise the read is recorded as a whole one
    (``migrator.observed``)."""
    if not for_facts:
        read_whole(path)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            problem = Problem("too-large", f"file is {size / 1024 / 1024:.1f} MB; not analysed")
        else:
            return path.read_bytes()
    except OSError as exc:
        problem = Problem("unreadable", f"cannot read file: {exc.strerror or exc}")
    if for_facts:
        read_whole(path)  # no facts are derived: what the caller sees is this problem
    return problem


def project_python_bytes(workspace) -> ObservedTexts:
    """The bytes of every readable Python file of the project by path: the DAG and plugins
    folders and the helper packages beside them (``Workspace.other_python_files``)."""
    found = {}
    for rel in sorted({*workspace.python_files, *workspace.other_python_files}):
        data = read_bytes(workspace.path(rel), for_facts=True)
        if not isinstance(data, Problem):
            found[rel] = data
    return ObservedTexts(found, workspace.root)


def bom_encoding(data: bytes) -> str | None:
    """The encoding whose byte order mark ``data`` starts with, or None."""
    return next((codec for codec, bom in BOMS.items() if data.startswith(bom)), None)


def decode_python(data: bytes) -> SourceText | Problem:
    """Decode Python source the way the interpreter does (PEP 263 cookie, UTF-8 BOM)."""
    announced = bom_encoding(data)
    if announced not in (None, "utf-8"):
        return Problem("undecodable", f"starts with a {announced} byte order mark: Python reads "
                       "source as UTF-8 (or as its coding declaration says), so neither it nor "
                       "Airflow can import this file; re-save it as UTF-8")
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        return Problem("binary", "contains NUL bytes; a binary file, not Python source", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if _CODING_COOKIE.search(b"\n".join(data.splitlines()[:2])):
            return Problem("undecodable", f"bad encoding declaration: {exc.msg}", exc.lineno or 1)
        encoding = "utf-8"  # no cookie: the first lines are not UTF-8; the decode below says where
    bom = BOMS["utf-8"] if announced == "utf-8" else b""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        # PEP 263: the declared encoding must read the declaration itself back (be ASCII-
        # compatible); UTF-16 or EBCDIC make other characters of it, and Python refuses the file.
        if codec != "utf-8" and not _reads_its_declaration(data, codec):
            return Problem("undecodable", f"bad encoding declaration: {codec} is not "
                           "ASCII-compatible, so Python cannot read source declared in it",
                           _cookie_line(data))
        text = data[len(bom):].decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Problem(
            "undecodable",
            f"cannot decode as {codec} (byte 0x{data[exc.start]:02x}); add a coding declaration "
            "or re-save the file as UTF-8",
            line,
        )
    except (LookupError, ValueError) as exc:
        # A codec that is no text encoding (rot13, base64, zlib) or that refuses the bytes in
        # its own way (punycode, "undefined"): Python cannot read the file either.
        reason = " ".join(str(exc).split())  # one line: a codec may quote a newline
        return Problem("undecodable", f"bad encoding declaration: {codec} cannot decode Python "
                       f"source ({reason})", _cookie_line(data))
    return SourceText(text, codec, bom, detect_newline(text))


def _reads_its_declaration(data: bytes, codec: str) -> bool:
    head = b"".join(data.splitlines(keepends=True)[:2])
    try:
        return bool(_CODING_COOKIE.search(head.decode(codec).encode("utf-8", "surrogatepass")))
    except UnicodeDecodeError:
        return False


def _cookie_line(data: bytes) -> int:
    match = _CODING_COOKIE.search(b"\n".join(data.splitlines()[:2]))
    return data.count(b"\n", 0, match.start()) + 1 if match else 1


def decode_text(data: bytes) -> SourceText | Problem:
    """Decode a non-Python text file (config, requirements, YAML): by its byte order mark when
    it has one (UTF-8, UTF-16, UTF-32), else UTF-8, else latin-1."""
    announced = bom_encoding(data)
    bom = BOMS[announced] if announced else b""
    if announced not in (None, "utf-8"):
        try:
            text = data[len(bom):].decode(announced)
        except UnicodeDecodeError as exc:
            return Problem("undecodable", f"starts with a {announced} byte order mark but is not "
                           f"{announced} text (byte {exc.start + len(bom)})")
        if "\x00" in text:
            return Problem("binary", "contains NUL characters; a binary file, not text")
        return SourceText(text, announced, bom, detect_newline(text))
    if b"\x00" in data:
        return Problem("binary", "contains NUL bytes; a binary file, not text")
    body = data[len(bom):]
    try:
        text, codec = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, codec = body.decode("latin-1"), "latin-1"
    return SourceText(text, codec, bom, detect_newline(text))


def read_text(path: Path) -> SourceText | Problem:
    data = read_bytes(path)
    return data if isinstance(data, Problem) else decode_text(data)
