"""The failure-signature catalogue (compat/data/mwaa_failure_signatures.json): every example
line does what it says, every pattern is linear on long runs, every fix is fully filled."""

from __future__ import annotations

import re
import time

import pytest
from migrator.compat.failure_signatures import (
    failed_statuses,
    log_group_kinds,
    log_signatures,
    metric_signatures,
)
from reliability.test_linear_patterns import BOUND, subjects

from migrator.doctor.match import explain, match_line

SIGNATURES = {signature.id: signature for signature in log_signatures()}
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def test_catalogue_covers_the_failure_classes_of_the_issue():
    titles = " ".join(s.title for s in log_signatures()) + " " + " ".join(s.title for s in metric_signatures())
    for words in ("critical package", "constraint", "resolution conflict", "no matching distribution",
                  "startup script timed out", "startup script failed", "plugin import", "fails to import",
                  "DAG import timeout", "processor killed", "SIGKILL", "worker lost", "KMS",
                  "Secrets Manager", "not authorized", "access denied", "log stream conflict",
                  "memory", "CPU", "queued"):
        assert words.lower() in titles.lower(), words


def test_ids_are_unique_and_in_the_doctor_family():
    ids = [*SIGNATURES, *(s.id for s in metric_signatures()), failed_statuses().id]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"DOC\d{3}", id_) for id_ in ids)


def test_every_signature_names_known_groups_and_a_source():
    suffixes = {kind.suffix for kind in log_group_kinds()}
    for signature in log_signatures():
        assert signature.groups and set(signature.groups) <= suffixes, signature.id
        assert signature.source and signature.cause and signature.fix and signature.needles
        assert signature.matching_examples and signature.other_examples, signature.id


@pytest.mark.parametrize("signature_id", sorted(SIGNATURES))
def test_matching_examples_match_and_fill_every_placeholder(signature_id):
    signature = SIGNATURES[signature_id]
    for line in signature.matching_examples:
        match = match_line(signature, line)
        assert match, f"{signature_id} misses {line!r}"
        for text in explain(signature, match):
            assert not PLACEHOLDER.search(text), (signature_id, text)


@pytest.mark.parametrize("signature_id", sorted(SIGNATURES))
def test_other_examples_do_not_match(signature_id):
    signature = SIGNATURES[signature_id]
    for line in signature.other_examples:
        assert not match_line(signature, line), f"{signature_id} matches {line!r}"


@pytest.mark.parametrize("signature_id", sorted(SIGNATURES))
def test_needles_hold_what_the_pattern_needs(signature_id):
    """The needle check skips a line before the regex runs: a needle the pattern does not
    spell would hide its matches."""
    signature = SIGNATURES[signature_id]
    for line in signature.matching_examples:
        assert any(needle in line.lower() for needle in signature.needles)


@pytest.mark.parametrize("signature_id", sorted(SIGNATURES))
def test_pattern_is_linear_on_long_runs(signature_id):
    """The repo's linear-pattern guard (tests/reliability/test_linear_patterns.py), applied to
    the patterns that come from data: a log line can be a megabyte-long run."""
    pattern = SIGNATURES[signature_id].pattern
    for subject in subjects(pattern):
        started = time.perf_counter()
        for _ in pattern.finditer(subject):
            pass
        assert time.perf_counter() - started < BOUND, f"{signature_id} on {subject[:30]!r}..."


def test_specific_denials_come_before_the_general_one():
    """A message takes the first signature that matches: KMS and Secrets Manager denials must
    not be reported as a generic denial with the generic fix."""
    order = list(SIGNATURES)
    assert order.index("DOC014") < order.index("DOC016")
    assert order.index("DOC015") < order.index("DOC016")
    assert order.index("DOC008") < order.index("DOC009")  # a missing module names the module


def test_metric_signatures_have_thresholds_and_sources():
    for signature in metric_signatures():
        assert signature.threshold > 0 and signature.source and signature.statistic == "Maximum"


def test_docs_list_every_signature():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "doctor.md").read_text(encoding="utf-8")
    ids = [*SIGNATURES, *(s.id for s in metric_signatures()), failed_statuses().id]
    assert [id_ for id_ in ids if f"| {id_} |" not in docs] == []
