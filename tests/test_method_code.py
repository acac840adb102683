"""The command line keeps the bytecode of the methods dataclasses write (migrator.method_code):
the classes are the ones dataclasses makes, and a second run compiles nothing."""

from __future__ import annotations

import dataclasses
import inspect
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from migrator import method_code


def _make_classes():
    """Classes of every kind the tool uses, made afresh on each call."""

    @dataclasses.dataclass(frozen=True)
    class Frozen:
        name: str
        tags: tuple[str, ...] = ()
        extra: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class KeywordsOnly:
        rule: str
        line: int = 1

    @dataclasses.dataclass
    class Mutable:
        path: str
        count: int = 0

    return Frozen, KeywordsOnly, Mutable


def _behaviour(classes) -> list[object]:
    frozen, keywords_only, mutable = classes
    first, second = frozen("a", ("x",)), frozen("a", ("x",), {"ignored": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.name = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        keywords_only("API001")  # type: ignore[misc]
    changed = mutable("dags/a.py")
    changed.count += 1
    return [str(inspect.signature(cls)) for cls in classes] + [
        repr(first), first == second, hash(first) == hash(second), repr(keywords_only(rule="API001")),
        keywords_only(rule="r") == keywords_only(rule="r", line=1), repr(changed), changed == mutable("dags/a.py", 1),
        sorted(f.name for f in dataclasses.fields(frozen)),
    ]


def test_classes_made_with_kept_bytecode_are_the_ones_dataclasses_makes(tmp_path: Path):
    path = tmp_path / "methods.marshal"
    expected = _behaviour(_make_classes())
    with method_code.kept(path) as first_run:
        assert first_run is not None
        made = _make_classes()
    assert "exec" not in vars(dataclasses)  # given back
    assert _behaviour(made) == expected
    assert first_run.compiled >= 3 * 3  # __init__, __repr__, __eq__ of each at least
    written = path.read_bytes()
    with method_code.kept(path) as second_run:
        assert second_run is not None
        again = _make_classes()
    assert second_run.compiled == 0  # every method's bytecode read from the file
    assert path.read_bytes() == written
    assert _behaviour(again) == expected


def test_a_damaged_file_is_compiled_again_and_replaced(tmp_path: Path):
    path = tmp_path / "methods.marshal"
    path.write_bytes(b"\x00not marshal data")
    with method_code.kept(path) as run:
        made = _make_classes()
    assert run is not None and run.compiled > 0
    assert _behaviour(made) == _behaviour(_make_classes())
    kept = marshal.loads(path.read_bytes())
    assert kept and all(isinstance(text, str) for text in kept)


def test_past_the_limit_only_what_the_run_used_is_written(tmp_path: Path, monkeypatch):
    path = tmp_path / "methods.marshal"
    stale = {f"x = {i}\n": compile(f"x = {i}\n", "<string>", "exec") for i in range(20)}
    path.write_bytes(marshal.dumps(stale))
    monkeypatch.setattr(method_code, "KEPT_MAX", 10)
    with method_code.kept(path):
        _make_classes()
    kept = marshal.loads(path.read_bytes())
    assert kept and not set(kept) & set(stale)


def test_an_exec_already_given_to_dataclasses_is_left_alone(tmp_path: Path):
    with method_code.kept(tmp_path / "outer.marshal") as outer, method_code.kept(tmp_path / "inner.marshal") as inner:
        assert outer is not None and inner is None
        _make_classes()
    assert (tmp_path / "outer.marshal").exists() and not (tmp_path / "inner.marshal").exists()


def test_the_command_line_compiles_the_methods_once(tmp_path: Path):
    env = {**os.environ, "MWAA_MIGRATOR_SCAN_CACHE": str(tmp_path / "scan-cache"), "MWAA_MIGRATOR_OFFLINE": "1"}
    project = REPO / "examples" / "onprem-project"
    command = [sys.executable, "-m", "migrator", "scan", str(project), "-f", "json", "--fail-on", "never", "--no-cache"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    kept = tmp_path / "scan-cache" / method_code.code_file().name
    first = kept.stat()
    assert len(marshal.loads(kept.read_bytes())) > 100  # the tool's classes' methods
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    assert kept.stat().st_mtime_ns == first.st_mtime_ns  # nothing new to keep: not written again
