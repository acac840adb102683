"""Project-level facts the scan cache keeps by file content: a warm scan reuses them, and a
changed input changes the finding (issue #20)."""

from __future__ import annotations

import pytest
from migrator.compat import newest_version

from migrator.analysis import credential_files
from migrator.cache import FileFacts, content_digest, fact_key
from migrator.config import Settings
from migrator.engine import scan

TARGET = newest_version()
DBT_PROFILE = "warehouse:\n  outputs:\n    prod:\n      type: postgres\n      password: {password}\n"


def _scan(root, cache_dir, monkeypatch, select):
    monkeypatch.setenv("MWAA_MIGRATOR_SCAN_CACHE", str(cache_dir))
    return scan(root, Settings(select=select), TARGET, jobs=1)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / "dags").mkdir(parents=True)
    (root / "dags" / "etl.py").write_text("from airflow import DAG\n")
    return root


def test_credential_file_verdicts_are_reused_and_follow_the_content(project, tmp_path, monkeypatch):
    profile = project / "dags" / "profiles.yml"
    profile.write_text(DBT_PROFILE.format(password="hunter2-Xk29"))
    # A second file of the same format: the saved verdicts share the format's record.
    (project / "dags" / "dev.yml").write_text(DBT_PROFILE.format(password="Zq81-devpass"))
    first = _scan(project, tmp_path / "cache", monkeypatch, ("CON010",))
    assert [f.path for f in first.findings] == ["dags/dev.yml", "dags/profiles.yml"]

    computed = []
    real_detect = credential_files.detect_data
    monkeypatch.setattr(credential_files, "detect_data",
                        lambda name, data: computed.append(name) or real_detect(name, data))
    warm = _scan(project, tmp_path / "cache", monkeypatch, ("CON010",))
    assert [f.path for f in warm.findings] == ["dags/dev.yml", "dags/profiles.yml"]
    assert computed == []  # nothing changed: no file was judged again

    profile.write_text(DBT_PROFILE.format(password="\"{{ env_var('DBT_PASSWORD') }}\""))
    changed = _scan(project, tmp_path / "cache", monkeypatch, ("CON010",))
    assert [f.path for f in changed.findings] == ["dags/dev.yml"]
    assert computed == ["profiles.yml"]  # only the edited file


def test_file_facts_keep_only_what_a_run_asked_for(tmp_path):
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    assert facts.of("a", "x.yml", b"1", len) == 1
    assert facts.of("a", "gone.yml", b"22", len) == 2
    facts.save()
    again = FileFacts(tmp_path, directory=tmp_path / "c")
    assert again.of("a", "x.yml", b"1", lambda data: pytest.fail("recomputed")) == 1
    again.save()  # gone.yml was not asked for: its entry is dropped
    assert set(FileFacts(tmp_path, directory=tmp_path / "c").entries) == {("a", "x.yml", "")}


def test_file_facts_of_an_analysis_that_did_not_run_are_kept(tmp_path):
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    facts.of("credentials", "x.yml", b"1", len)
    facts.save()
    other = FileFacts(tmp_path, directory=tmp_path / "c")  # a run whose rules need another analysis
    other.of("requirements", "requirements.txt", b"22", len)
    other.save()
    assert set(FileFacts(tmp_path, directory=tmp_path / "c").entries) == {
        ("credentials", "x.yml", ""), ("requirements", "requirements.txt", "")}


def test_file_facts_hold_equal_results_once_and_read_them_again_after_saving(tmp_path):
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    found = facts.of_each("names", [(f"m{i}.py", f"x = {i}".encode(), _no_names, ()) for i in range(3)])
    assert len({id(names) for names in found.values()}) == 1  # each computed alone, held once
    facts.save()
    assert facts._entries == {}  # not held once written
    assert facts.of("names", "m1.py", b"x = 1", lambda data: pytest.fail("recomputed")) == frozenset()
    facts.of("names", "m3.py", b"x = 3", _no_names)
    facts.save()  # what was asked for after the first save is saved too
    assert set(FileFacts(tmp_path, directory=tmp_path / "c").entries) == {
        ("names", f"m{i}.py", "") for i in range(4)}


def test_file_facts_keep_one_answer_per_inputs_asked(tmp_path):
    """An analysis asked of a file with other inputs in the same run (other keys to look for)
    keeps both answers: neither is computed again by the next run."""
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    assert facts.of("keys", "a.py", b"x y", _count_first, ("x",)) == 1
    assert facts.of("keys", "a.py", b"x y", _count_first, ("y",)) == 1
    facts.save()
    again = FileFacts(tmp_path, directory=tmp_path / "c")
    for inputs in (("x",), ("y",)):
        assert again.of("keys", "a.py", b"x y", lambda data: pytest.fail("recomputed"), inputs) == 1
    assert len(again.entries) == 2


def test_file_facts_kept_for_a_later_run_survive_a_save_that_did_not_ask_for_them(tmp_path):
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    facts.of("a", "x.py", b"1", len)
    facts.of("a", "y.py", b"22", len)
    facts.save()
    again = FileFacts(tmp_path, directory=tmp_path / "c")
    again.of("a", "y.py", b"333", len)  # y.py changed; x.py's answer is the project memo's to check
    again.keep_all()
    again.save()
    assert FileFacts(tmp_path, directory=tmp_path / "c").held(fact_key("a", "x.py", ()), content_digest(b"1")) == (
        True, 1)


def _count_first(data: bytes) -> int:
    return data.split().count(data.split()[0])


def _no_names(data: bytes) -> frozenset[str]:
    return frozenset(set())  # a new object each call


def test_file_facts_recompute_on_new_content():
    facts = FileFacts()
    assert facts.of("a", "x", b"1", len) == 1
    assert facts.of("a", "x", b"333", len) == 3


def test_requirements_file_edit_changes_the_index(project, tmp_path):
    from migrator.engine import build_index
    from migrator.workspace import discover

    requirements = project / "requirements.txt"
    requirements.write_text("dbt-core==1.8.0\n")

    def executables():
        facts = FileFacts(project, directory=tmp_path / "c")
        found = build_index(discover(project, Settings()), facts).bundled_executables
        facts.save()
        return found

    assert executables() == {"dbt"}
    assert executables() == {"dbt"}  # from the saved facts
    requirements.write_text("pandas==2.2.3\n")
    assert executables() == frozenset()


def test_package_edit_between_warm_scans_changes_the_finding(project, tmp_path, monkeypatch):
    (project / "dags" / "etl.py").write_text("from airflow import DAG\nfrom company.utils.io import read\n")
    (project / "company").mkdir()
    (project / "company" / "__init__.py").write_text("")
    missing = _scan(project, tmp_path / "cache", monkeypatch, ("MWA016",))
    assert [f.rule for f in missing.findings] == ["MWA016"]
    (project / "company" / "utils").mkdir()
    (project / "company" / "utils" / "io.py").write_text("def read():\n    pass\n")
    assert _scan(project, tmp_path / "cache", monkeypatch, ("MWA016",)).findings == []


def test_a_fact_is_recomputed_when_what_else_it_depends_on_changes():
    facts = FileFacts()
    calls = []

    def compute(data):
        calls.append(data)
        return len(calls)

    assert facts.of("uses", "a.py", b"x = 1\n", compute, inputs=("pkg.a",)) == 1
    assert facts.of("uses", "a.py", b"x = 1\n", compute, inputs=("pkg.a",)) == 1  # same content, same inputs
    assert facts.of("uses", "a.py", b"x = 1\n", compute, inputs=("a",)) == 2  # imported under another name
    assert calls == [b"x = 1\n", b"x = 1\n"]


def test_of_each_computes_only_what_it_does_not_hold_through_the_mapper_in_the_order_asked():
    mapped = []

    def mapper(function, *arguments):
        mapped.append(len(arguments[0]))
        return list(map(function, *arguments))

    facts = FileFacts(mapper=mapper)
    assert facts.of_each("n", [("b", b"22", len, ()), ("a", b"1", len, ())]) == {"b": 2, "a": 1}
    asked = [("c", b"333", len, ()), ("a", b"1", lambda data: pytest.fail("recomputed"), ()), ("b", b"4444", len, ())]
    found = facts.of_each("n", asked)
    assert list(found.items()) == [("c", 3), ("a", 1), ("b", 4)]  # b changed: computed again
    assert mapped == [2, 2]  # what the cache held never reached the mapper
    assert facts.of_each("n", [("a", b"1", len, ())]) == {"a": 1} and mapped == [2, 2]


def test_fact_workers_map_in_worker_processes_only_past_the_threshold():
    import os

    from migrator.workers import PARALLEL_THRESHOLD, FactWorkers

    with FactWorkers(2) as workers:
        small = workers(_process_of, range(PARALLEL_THRESHOLD - 1))
        assert set(small) == {os.getpid()} and not workers.started
        large = workers(_process_of, range(PARALLEL_THRESHOLD * 4))
        assert workers.started and os.getpid() not in large
    # After the run (a result's facts derived later): in this process, the workers are gone.
    assert set(workers(_process_of, range(PARALLEL_THRESHOLD * 4))) == {os.getpid()}
    with FactWorkers(1) as alone:
        assert set(alone(_process_of, range(PARALLEL_THRESHOLD * 4))) == {os.getpid()}


def _process_of(_item: int) -> int:
    import os

    return os.getpid()


# -- the table the answers are kept in -----------------------------------------------------------


def _saved(tmp_path, answers: dict[str, bytes]) -> FileFacts:
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    for rel, data in answers.items():
        facts.of("a", rel, data, len)
    facts.save()
    return FileFacts(tmp_path, directory=tmp_path / "c")


def test_a_few_answers_are_looked_up_and_many_read_at_once(tmp_path, monkeypatch):
    from migrator import cache

    monkeypatch.setattr(cache, "LOOKUPS_BEFORE_READING_ALL", 3)
    answers = {f"m{i}.py": b"x" * i for i in range(6)}
    again = _saved(tmp_path, answers)
    assert again.of("a", "m1.py", b"x", pytest.fail) == 1
    assert not again._read_whole and set(again._entries) == {("a", "m1.py", "")}  # one row asked, one read
    found = again.of_each("a", [(rel, data, pytest.fail, ()) for rel, data in answers.items()])
    assert found == {rel: len(data) for rel, data in answers.items()} and again._read_whole


def test_the_table_is_readable_by_its_owner_alone(tmp_path):
    _saved(tmp_path, {"x.py": b"1"})
    (table,) = (tmp_path / "c").glob("*.facts.sqlite")
    assert table.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damage", ["garbage", "truncated", "damaged pages", "other key"])
def test_a_damaged_or_foreign_table_is_made_again(tmp_path, damage):
    _saved(tmp_path, {"x.py": b"1", "y.py": b"22", **{f"m{i}.py": b"x" * i for i in range(400)}})
    (table,) = (tmp_path / "c").glob("*.facts.sqlite")
    if damage == "garbage":
        table.write_bytes(b"not a database" * 100)
    elif damage == "truncated":
        table.write_bytes(table.read_bytes()[:1500])
    elif damage == "damaged pages":  # opens, then fails to read (a disk error, a killed write)
        data = bytearray(table.read_bytes())
        data[len(data) // 2:] = b"\xff" * (len(data) - len(data) // 2)
        table.write_bytes(bytes(data))
    else:  # written under another tool version or format
        facts = FileFacts(tmp_path, directory=tmp_path / "c")
        facts._table.key = "another version"
        facts.of("a", "x.py", b"1", len)
        facts.save()
    recomputed = []
    again = FileFacts(tmp_path, directory=tmp_path / "c")
    assert again.of("a", "x.py", b"1", lambda data: recomputed.append(data) or len(data)) == 1
    assert recomputed == [b"1"]
    again.save()
    assert FileFacts(tmp_path, directory=tmp_path / "c").held(fact_key("a", "x.py", ()), content_digest(b"1")) == (
        True, 1)


def test_a_table_that_cannot_be_written_leaves_the_answers_computed(tmp_path):
    (tmp_path / "c").write_text("a file where the cache folder should be")
    facts = FileFacts(tmp_path, directory=tmp_path / "c")
    assert facts.of("a", "x.py", b"1", len) == 1
    facts.save()  # no error: a cache that cannot be written is not worth failing a scan for
    assert facts.of("a", "x.py", b"1", pytest.fail) == 1
