"""bench/field/run.py refuses to write a run of record whose steps ran different tool code."""

from __future__ import annotations

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "bench" / "field"))
import run


def test_a_tool_edited_during_the_run_writes_no_results(tmp_path, monkeypatch, capsys):
    digests = iter(["before-edit", "after-edit"])
    monkeypatch.setattr(run, "tool_digest", lambda: next(digests))
    monkeypatch.setattr(run, "load_corpus", list)
    assert run.main(["--work", str(tmp_path / "work"), "--out", str(tmp_path / "out")]) == 1
    assert "changed during the run" in capsys.readouterr().err
    assert not (tmp_path / "out" / "results.json").exists()


def test_an_unchanged_tool_writes_the_results(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "tool_digest", lambda: "same")
    monkeypatch.setattr(run, "load_corpus", list)
    assert run.main(["--work", str(tmp_path / "work"), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "results.json").is_file()
