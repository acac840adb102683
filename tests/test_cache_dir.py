"""The tool's one cache folder: where it is, its subfolders, and who uses it."""

from __future__ import annotations

import pytest

from migrator import airflow_env
from migrator.cache import (
    PART_ITEMS,
    SCAN_CACHE_ENV_VAR,
    ScanCache,
    cache_dir,
    scan_cache_dir,
    write_atomically,
)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("MWAA_MIGRATOR_CACHE", "XDG_CACHE_HOME", SCAN_CACHE_ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def test_home_cache_by_default(clean_env, tmp_path):
    assert cache_dir() == tmp_path / "home" / ".cache" / "mwaa-migrator"
    assert cache_dir("venvs") == tmp_path / "home" / ".cache" / "mwaa-migrator" / "venvs"


def test_xdg_then_explicit_variable(clean_env, tmp_path):
    clean_env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("wheels") == tmp_path / "xdg" / "mwaa-migrator" / "wheels"
    clean_env.setenv("MWAA_MIGRATOR_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    assert cache_dir("constraints") == tmp_path / "mine" / "constraints"


def test_unknown_subfolder_is_refused(clean_env):
    with pytest.raises(ValueError, match="scan, venvs, constraints, wheels"):
        cache_dir("tmp")  # type: ignore[arg-type]


def test_airflow_venvs_follow_the_one_cache(clean_env, tmp_path):
    clean_env.setenv("MWAA_MIGRATOR_CACHE", str(tmp_path / "mine"))
    assert airflow_env.default_cache_dir() == tmp_path / "mine"


def test_scan_override_moves_only_the_scan_folder(clean_env, tmp_path):
    clean_env.setenv("MWAA_MIGRATOR_CACHE", str(tmp_path / "shared"))
    project = tmp_path / "project"
    project.mkdir()
    assert scan_cache_dir() == tmp_path / "shared" / "scan"
    assert ScanCache(project, ("k",)).path.parent == tmp_path / "shared" / "scan"
    clean_env.setenv(SCAN_CACHE_ENV_VAR, str(tmp_path / "scan-only"))
    assert ScanCache(project, ("k",)).path.parent == tmp_path / "scan-only"
    assert airflow_env.default_cache_dir() == tmp_path / "shared"


def test_scan_results_survive_a_reload(clean_env, tmp_path):
    clean_env.setenv(SCAN_CACHE_ENV_VAR, str(tmp_path / "scan"))
    project = tmp_path / "project"
    project.mkdir()
    first = ScanCache(project, ("v1",))
    first.put("dags/a.py", "digest", ["finding"])
    first.save()
    assert ScanCache(project, ("v1",)).get("dags/a.py", "digest") == ["finding"]
    assert ScanCache(project, ("v2",)).get("dags/a.py", "digest") is None


def test_a_cache_saved_in_many_parts_reloads_whole_and_a_torn_one_is_ignored(clean_env, tmp_path):
    clean_env.setenv(SCAN_CACHE_ENV_VAR, str(tmp_path / "scan"))
    project = tmp_path / "project"
    project.mkdir()
    shared_message = "the same message in every file"
    first = ScanCache(project, ("v1",))
    count = 2 * PART_ITEMS + 5
    for index in range(count):
        first.put(f"dags/d{index}.py", f"digest{index}", [shared_message, index])
    first.save()
    again = ScanCache(project, ("v1",))
    assert len(again.entries) == count
    assert all(again.get(f"dags/d{i}.py", f"digest{i}") == [shared_message, i] for i in range(count))
    data = first.path.read_bytes()
    first.path.write_bytes(data[: len(data) * 2 // 3])  # a write cut short, by a crash or a full disk
    assert ScanCache(project, ("v1",)).entries == {}


@pytest.fixture
def project(clean_env, tmp_path):
    """A project folder, its scan cache in a folder of the test's own."""
    clean_env.setenv(SCAN_CACHE_ENV_VAR, str(tmp_path / "scan"))
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


def _filled_cache(project, key: str, count: int) -> ScanCache:
    cache = ScanCache(project, (key,))
    for index in range(count):
        cache.put(f"dags/d{index}.py", f"digest{index}", ["finding", index])
    cache.save()
    return ScanCache(project, (key,))


def test_a_runs_changes_are_appended_and_read_back_over_the_whole(project):
    cache = _filled_cache(project, "v1", 500)
    whole = cache.path.stat().st_size
    cache.put("dags/d1.py", "edited", ["edited"])
    cache.prune({f"dags/d{index}.py" for index in range(1, 500)})  # d0.py deleted
    cache.save()
    assert whole < cache.path.stat().st_size < whole + whole // 20  # the two changes, not the 499 entries
    again = ScanCache(project, ("v1",))
    assert len(again.entries) == 499 and "dags/d0.py" not in again.entries
    assert again.get("dags/d1.py", "edited") == ["edited"] and again.get("dags/d2.py", "digest2") == ["finding", 2]


def test_appended_records_are_folded_into_a_whole_write_before_they_outgrow_it(project):
    cache = _filled_cache(project, "v1", 40)
    whole = cache.path.stat().st_size
    for round_no in range(30):
        cache = ScanCache(project, ("v1",))
        for index in range(5):
            cache.put(f"dags/d{index}.py", f"round{round_no}", ["finding", round_no])
        cache.save()
        assert cache.path.stat().st_size < whole * 3 // 2
    assert ScanCache(project, ("v1",)).get("dags/d4.py", "round29") == ["finding", 29]


def test_a_record_cut_short_or_under_another_key_is_not_read(project):
    cache = _filled_cache(project, "v1", 10)
    cache.put("dags/d1.py", "edited", ["edited"])
    cache.save()
    data = cache.path.read_bytes()
    cache.path.write_bytes(data[:-3])  # a run killed while appending
    torn = ScanCache(project, ("v1",))
    assert torn.get("dags/d1.py", "digest1") == ["finding", 1] and torn.get("dags/d1.py", "edited") is None
    # Another version's run replaces the file while this one runs; this one's record is its own.
    stale = ScanCache(project, ("v1",))
    _filled_cache(project, "v2", 50)
    stale.put("dags/d1.py", "v1-only", ["v1"])
    stale.save()
    other = ScanCache(project, ("v2",))
    assert len(other.entries) == 50 and other.get("dags/d1.py", "v1-only") is None


def test_wheel_cache_of_the_generator_is_in_the_one_cache():
    from migrator.compat.wheel_cache import DEFAULT_CACHE

    # Fixed when the module is imported, from the environment of this test session.
    assert DEFAULT_CACHE == cache_dir("wheels")


def test_scan_cache_key_follows_the_tools_own_code():
    """An edited rule must not be answered from results the old rule computed."""
    import os
    from pathlib import Path

    from migrator.cache import code_fingerprint
    from migrator.rules.mig import syntax_error

    path = Path(syntax_error.__file__)
    stat = path.stat()
    before = code_fingerprint()
    try:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        code_fingerprint.cache_clear()
        assert code_fingerprint() != before
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        code_fingerprint.cache_clear()
    assert code_fingerprint() == before


def test_the_code_fingerprint_names_the_interpreter(monkeypatch):
    """Its ast reads the files: two virtualenvs of one checkout (3.11, 3.12) share the folder."""
    import sys

    from migrator.cache import code_fingerprint

    before = code_fingerprint()
    try:
        monkeypatch.setattr(sys, "version", "3.12.9 (another build)")
        code_fingerprint.cache_clear()
        assert code_fingerprint() != before
    finally:
        monkeypatch.undo()
        code_fingerprint.cache_clear()
    assert code_fingerprint() == before


def test_an_installed_release_is_known_by_the_hashes_its_installer_recorded(tmp_path):
    """pip gives every file it installs the time of the install: a CI job installing the same
    release afresh must still find the scan cache it restored. The RECORD's hashes say what
    the code is; an editable install's RECORD names none of the package's modules."""
    from migrator import __version__
    from migrator.cache import installed_hashes

    package = tmp_path / "site-packages" / "migrator"
    package.mkdir(parents=True)
    record = package.parent / f"mwaa_migrator-{__version__}.dist-info" / "RECORD"
    record.parent.mkdir()
    lines = ["migrator/rules/x.py,sha256=AAA,10", "migrator/__init__.py,sha256=BBB,20",
             "migrator/compat/data/v.json,sha256=CCC,30", "migrator/__pycache__/x.cpython-311.pyc,,",
             "../../../bin/migrator,sha256=DDD,5", f"mwaa_migrator-{__version__}.dist-info/RECORD,,"]
    record.write_text("\n".join(lines) + "\n")
    first = installed_hashes(package)
    assert first == b"\n".join(sorted(line.encode() for line in lines[:3]))
    record.write_text("\n".join(lines).replace("sha256=AAA", "sha256=EEE") + "\n")
    assert installed_hashes(package) != first  # another release's code
    record.write_text("__editable__.mwaa_migrator-0.1.0.pth,sha256=FFF,97\n")
    assert installed_hashes(package) is None
    record.unlink()
    assert installed_hashes(package) is None


def test_a_write_that_fails_leaves_the_file_as_it_was_and_no_temporary_file(tmp_path):
    target = tmp_path / "kept.bin"
    target.write_bytes(b"before")

    def disk_full(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    assert not write_atomically(target, disk_full)
    assert target.read_bytes() == b"before" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.bin"]
    assert write_atomically(target, lambda handle: handle.write(b"after"))
    assert target.read_bytes() == b"after" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.bin"]
