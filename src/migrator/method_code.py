"""The bytecode of the methods ``dataclasses`` writes, kept between runs of the command line.

``@dataclass`` on Python 3.11 and 3.12 writes each method it adds (``__init__``, ``__repr__``,
``__eq__``; ``__hash__``, ``__setattr__`` and ``__delattr__`` of a frozen class) as source text
and compiles it, one ``exec`` each: the 160 classes a scan after an edit loads cost it 0.07 s
of compiling, a tenth of the run, the same texts every run. While :func:`kept` is active,
``dataclasses`` is given an ``exec`` that compiles a text once and keeps its bytecode, by the
text, in the scan cache folder (``marshal``, one file per bytecode format). Only the command
line uses it: importing the library changes nothing.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

from migrator.cache import scan_cache_dir, write_atomically

# Past this many kept texts (the tool's classes change between versions), only the ones this
# run compiled or used are written.
KEPT_MAX = 4000


def code_file() -> Path:
    return scan_cache_dir() / f"dataclass-methods-{MAGIC_NUMBER.hex()}.marshal"


class MethodCode:
    """Bytecode by source text, read from ``path`` when a class is first made: a command that
    makes none reads nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes: dict[str, CodeType] | None = None
        self.compiled = 0  # texts this run compiled
        self._used: set[str] = set()

    def _kept(self) -> dict[str, CodeType]:
        if self._codes is None:
            self._codes = {}
            with suppress(OSError, EOFError, ValueError, TypeError):
                kept = marshal.loads(self.path.read_bytes())
                if isinstance(kept, dict):
                    self._codes = {text: code for text, code in kept.items()
                                   if isinstance(text, str) and isinstance(code, CodeType)}
        return self._codes

    def exec(self, source: Any, globals: dict[str, Any] | None = None, locals: Any = None, /) -> None:
        """``exec`` as ``dataclasses`` calls it; a text is compiled as ``exec`` would compile
        it there (``dataclasses`` has no ``__future__`` imports to inherit)."""
        if isinstance(source, str):
            codes = self._kept()
            code = codes.get(source)
            if code is None:
                code = codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
                self.compiled += 1
            self._used.add(source)
            source = code
        builtins.exec(source, globals, locals)  # noqa: S102 - the text dataclasses wrote, as it would run it

    def save(self) -> None:
        """Write the texts kept, when this run compiled any."""
        if not self.compiled or self._codes is None:
            return
        codes = self._codes
        if len(codes) > KEPT_MAX:
            codes = {text: code for text, code in codes.items() if text in self._used}
        write_atomically(self.path, lambda handle: marshal.dump(codes, handle))


@contextmanager
def kept(path: Path | None = None) -> Iterator[MethodCode | None]:
    """The classes made inside take their methods' bytecode from ``path`` (default
    :func:`code_file`); None when another ``exec`` is already given to ``dataclasses``."""
    if "exec" in vars(dataclasses):
        yield None
        return
    method_code = MethodCode(path or code_file())
    dataclasses.exec = method_code.exec  # type: ignore[attr-defined]  # found before the builtin
    try:
        yield method_code
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]
        method_code.save()
