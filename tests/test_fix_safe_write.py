"""Atomic, all-or-nothing writes of fixed files: modes, encodings, symlinks, failures."""

from __future__ import annotations

import os
import stat

import pytest

from migrator.analysis.source import decode_python
from migrator.safe_write import WriteError, encode_like, unwritable_reason, write_files


def files_in(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink())


def test_writes_every_file_and_keeps_its_mode(tmp_path):
    (tmp_path / "dags").mkdir()
    a, b = tmp_path / "dags" / "a.py", tmp_path / "b.py"
    a.write_bytes(b"old a\n")
    b.write_bytes(b"old b\n")
    a.chmod(0o754)
    written = write_files(tmp_path, {"dags/a.py": (b"old a\n", b"new a\n"), "b.py": (b"old b\n", b"new b\n")})
    assert written == ["b.py", "dags/a.py"]
    assert a.read_bytes() == b"new a\n" and b.read_bytes() == b"new b\n"
    assert stat.S_IMODE(a.stat().st_mode) == 0o754
    assert files_in(tmp_path) == ["b.py", "dags/a.py"]  # no temp files left


def test_unchanged_entries_are_not_rewritten(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"same\n")
    before = path.stat().st_ino
    assert write_files(tmp_path, {"a.py": (b"same\n", b"same\n")}) == []
    assert path.stat().st_ino == before


@pytest.mark.parametrize(("data", "expected"), [
    ("\ufeffx = 'caf\u00e9'\r\ny = 1\r\n".encode("utf-8"),
     "\ufeffx = 'caf\u00e9'\r\ny = 2  # fixed\r\n".encode("utf-8")),
    ("# -*- coding: latin-1 -*-\nname = 'Andr\u00e9'\ny = 1\n".encode("latin-1"),
     "# -*- coding: latin-1 -*-\nname = 'Andr\u00e9'\ny = 2  # fixed\n".encode("latin-1")),
])
def test_encode_like_keeps_encoding_bom_and_newlines(data, expected):
    source = decode_python(data)
    assert encode_like(source.text, source) == data
    assert encode_like(source.text.replace("y = 1", "y = 2  # fixed"), source) == expected


def test_text_the_encoding_cannot_hold_is_refused():
    source = decode_python("# -*- coding: latin-1 -*-\nx = 1\n".encode("latin-1"))
    with pytest.raises(WriteError, match="cannot encode"):
        encode_like("x = '\u20ac'\n", source)


def test_symlinked_file_is_never_written_through(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_bytes(b"x\n")
    root = tmp_path / "project"
    root.mkdir()
    (root / "link.py").symlink_to(outside)
    with pytest.raises(WriteError, match="link.py: is a symlink"):
        write_files(root, {"link.py": (b"x\n", b"y\n")})
    assert outside.read_bytes() == b"x\n"


def test_file_inside_a_symlinked_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "a.py").write_bytes(b"x\n")
    root = tmp_path / "project"
    root.mkdir()
    (root / "dags").symlink_to(outside)
    with pytest.raises(WriteError, match="symlink"):
        write_files(root, {"dags/a.py": (b"x\n", b"y\n")})
    assert (outside / "a.py").read_bytes() == b"x\n"


@pytest.mark.parametrize("rel", ["../escape.py", "/etc/passwd", "dags/../../x.py", ""])
def test_paths_outside_the_root_are_refused(tmp_path, rel):
    with pytest.raises(WriteError, match="outside the project root"):
        write_files(tmp_path / "root", {rel: (b"", b"x")})


def test_file_changed_since_planning_stops_everything(tmp_path):
    (tmp_path / "a.py").write_bytes(b"a\n")
    (tmp_path / "b.py").write_bytes(b"edited by someone\n")
    with pytest.raises(WriteError, match="b.py: changed on disk"):
        write_files(tmp_path, {"a.py": (b"a\n", b"A\n"), "b.py": (b"b\n", b"B\n")})
    assert (tmp_path / "a.py").read_bytes() == b"a\n"


def test_not_a_regular_file_is_refused(tmp_path):
    (tmp_path / "folder.py").mkdir()
    with pytest.raises(WriteError, match="folder.py"):
        write_files(tmp_path, {"folder.py": (b"", b"x")})


def test_failure_part_way_restores_every_file_written(tmp_path, monkeypatch):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_bytes(name.encode())
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 3:  # a.py and b.py are in place when c.py fails
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    changes = {name: (name.encode(), b"fixed " + name.encode()) for name in ("a.py", "b.py", "c.py")}
    with pytest.raises(WriteError, match="c.py: cannot write the fixed file .No space left on device.; "
                                         "every file was left as it was"):
        write_files(tmp_path, changes)
    assert {n: (tmp_path / n).read_bytes() for n in ("a.py", "b.py", "c.py")} == \
        {"a.py": b"a.py", "b.py": b"b.py", "c.py": b"c.py"}
    assert files_in(tmp_path) == ["a.py", "b.py", "c.py"]


def test_interrupt_part_way_restores_and_still_interrupts(tmp_path, monkeypatch):
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_bytes(b"old")
    real_replace = os.replace
    calls = []

    def interrupted(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_files(tmp_path, {"a.py": (b"old", b"new"), "b.py": (b"old", b"new")})
    assert (tmp_path / "a.py").read_bytes() == b"old" and (tmp_path / "b.py").read_bytes() == b"old"
    assert files_in(tmp_path) == ["a.py", "b.py"]


def test_a_file_that_cannot_be_restored_is_named(tmp_path, monkeypatch):
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_bytes(b"old")
    real_replace = os.replace
    calls = []

    def broken_disk(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) >= 2:  # b.py fails, and so does putting a.py back
            raise OSError(5, "Input/output error")
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", broken_disk)
    with pytest.raises(WriteError, match="could not put back a.py"):
        write_files(tmp_path, {"a.py": (b"old", b"new"), "b.py": (b"old", b"new")})


def test_unwritable_reason_says_why_before_anything_is_written(tmp_path):
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "a.py").write_bytes(b"x")
    (tmp_path / "dags" / "link.py").symlink_to(tmp_path / "dags" / "a.py")
    (tmp_path / "linked").symlink_to(tmp_path / "dags")
    assert unwritable_reason(tmp_path, "dags/a.py") is None
    assert "symlink" in unwritable_reason(tmp_path, "dags/link.py")
    assert "symlink" in unwritable_reason(tmp_path, "linked/a.py")
    assert unwritable_reason(tmp_path, "../a.py") == "outside the project root"
    assert unwritable_reason(tmp_path, "dags") == "not a regular file"
    assert unwritable_reason(tmp_path, "missing.py").startswith("cannot be read")


def test_a_file_that_cannot_be_staged_leaves_every_file_untouched(tmp_path, monkeypatch):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_bytes(name.encode())
    real_fsync = os.fsync
    files_flushed = []

    def failing_fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            files_flushed.append(fd)
            if len(files_flushed) == 2:  # one of the three temp files cannot be flushed
                raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    changes = {name: (name.encode(), b"fixed " + name.encode()) for name in ("a.py", "b.py", "c.py")}
    with pytest.raises(WriteError, match=r"[abc]\.py: cannot write the fixed file .Input/output error.; "
                                         "every file was left as it was"):
        write_files(tmp_path, changes)
    assert {n: (tmp_path / n).read_bytes() for n in ("a.py", "b.py", "c.py")} == \
        {"a.py": b"a.py", "b.py": b"b.py", "c.py": b"c.py"}
    assert files_in(tmp_path) == ["a.py", "b.py", "c.py"]  # no temp file left behind


def test_many_files_in_many_folders_are_all_written(tmp_path):
    changes = {}
    for index in range(40):
        path = tmp_path / f"dags/team_{index % 7}/dag_{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"old %d" % index)
        changes[f"dags/team_{index % 7}/dag_{index}.py"] = (b"old %d" % index, b"new %d" % index)
    assert write_files(tmp_path, changes) == sorted(changes)
    assert all((tmp_path / rel).read_bytes() == new for rel, (_, new) in changes.items())
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".migrator-tmp")]
