"""The failure-signature catalogue (compat/data/mwaa_failure_signatures.json): every example
line and metric series does what it says, every pattern is linear on long runs, every fix is
fully filled."""

from __future__ import annotations

import re
import time
from string import Template

import pytest
from migrator.compat import mwaa_default
from migrator.compat.failure_signatures import (
    failed_statuses,
    log_group_kinds,
    log_signatures,
    metric_signatures,
)
from reliability.test_linear_patterns import BOUND, subjects

from migrator.doctor.match import explain, match_line, match_metrics
from migrator.doctor.model import Environment, MetricSeries

SIGNATURES = {signature.id: signature for signature in log_signatures()}
METRIC_SIGNATURES = {signature.id: signature for signature in metric_signatures()}
# The catalogue's example environment (its "about"): mw1.small, MaxWorkers 2, newest Airflow, no options.
EXAMPLE_ENVIRONMENT = Environment("example", "AVAILABLE", environment_class="mw1.small", max_workers=2)
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def test_catalogue_covers_the_failure_classes_of_the_issue():
    titles = " ".join(s.title for s in log_signatures()) + " " + " ".join(s.title for s in metric_signatures())
    for words in ("critical package", "constraint", "resolution conflict", "no matching distribution",
                  "startup script timed out", "startup script failed", "plugin import", "fails to import",
                  "DAG import timeout", "processor killed", "SIGKILL", "worker lost", "KMS",
                  "Secrets Manager", "not authorized", "access denied", "log stream conflict",
                  "memory", "CPU", "queued", "DAG parsing slower"):
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
        assert signature.source and signature.statistic == "Maximum"
        assert signature.namespace in ("AWS/MWAA", "AmazonMWAA"), signature.id
        if signature.threshold_setting:  # a timeout option the defaults record, and its outer one
            assert signature.threshold is None and signature.outer_setting, signature.id
            assert mwaa_default(signature.outer_setting).value > mwaa_default(signature.threshold_setting).value
        else:
            assert signature.threshold > 0, signature.id
        assert signature.matching_examples and signature.other_examples, signature.id


def test_scan_rules_of_a_signature_exist():
    from migrator.rules import get_rule

    for signature in metric_signatures():
        assert all(get_rule(rule) for rule in signature.scan_rules), signature.id


def example_series(signature, example) -> list[MetricSeries]:
    """The example's values as the signature's series on its first cluster (if it has clusters)."""
    dimensions = tuple((name, Template(value).substitute(cluster=(signature.clusters or ("-",))[0],
                                                         environment=EXAMPLE_ENVIRONMENT.name))
                       for name, value in signature.dimensions)
    return [MetricSeries(signature.namespace, metric, dimensions,
                         tuple((300_000 * n, value) for n, value in enumerate(values)))
            for metric, values in example]


@pytest.mark.parametrize("signature_id", sorted(METRIC_SIGNATURES))
def test_matching_metric_examples_are_diagnosed_with_every_placeholder_filled(signature_id):
    signature = METRIC_SIGNATURES[signature_id]
    for example in signature.matching_examples:
        diagnoses = match_metrics(example_series(signature, example), EXAMPLE_ENVIRONMENT)
        assert [d.id for d in diagnoses] == [signature_id], example
        for text in (diagnoses[0].cause, diagnoses[0].fix):
            assert not PLACEHOLDER.search(text), (signature_id, text)


@pytest.mark.parametrize("signature_id", sorted(METRIC_SIGNATURES))
def test_other_metric_examples_are_not_diagnosed(signature_id):
    signature = METRIC_SIGNATURES[signature_id]
    for example in signature.other_examples:
        assert match_metrics(example_series(signature, example), EXAMPLE_ENVIRONMENT) == [], example


def test_docs_list_every_signature():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "doctor.md").read_text(encoding="utf-8")
    ids = [*SIGNATURES, *(s.id for s in metric_signatures()), failed_statuses().id]
    assert [id_ for id_ in ids if f"| {id_} |" not in docs] == []
