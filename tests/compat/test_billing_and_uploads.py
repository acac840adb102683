"""Billing terms and upload limits: the typed API and the shape of the hand-kept entries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migrator import compat

DATA = Path(compat.__file__).parent / "data"
DATE = re.compile(r"\d{4}-\d\d-\d\d")


def test_billing_terms():
    terms = compat.billing()
    included = terms.included_in_base_fee
    assert (included.workers, included.schedulers, included.webservers) == (1, 2, 2)
    # The research could only read this from a third party: it must stay marked.
    assert not included.confirmed and included.note.startswith("UNCONFIRMED")
    assert "no scale to zero" in terms.metering_note


def test_every_billing_entry_has_source_and_date():
    block = json.loads((DATA / "environment_classes.json").read_text())["billing"]
    entries = [block["metering"], block["included_in_base_fee"]]
    for entry in entries:
        assert entry["source"] and DATE.fullmatch(entry["date"]), entry
        assert entry["confirmed"] or entry["note"].startswith("UNCONFIRMED"), entry


def test_upload_limits():
    plugins = compat.upload_limit("plugins.zip")
    requirements = compat.upload_limit("requirements.txt")
    for limit in (plugins, requirements):
        assert limit.recommended_max_bytes == 1024**3 and not limit.hard_limit
        assert limit.start_up_limit_seconds == 600 and limit.start_up_limit_minutes == 10
        assert limit.recommended_max_text.startswith("1 GB")
    # The image stops pip before the documented limit.
    assert requirements.image_limit_seconds == 540 and plugins.image_limit_seconds is None
    assert [limit.name for limit in compat.upload_limits()] == ["plugins.zip", "requirements.txt"]
    with pytest.raises(KeyError, match="plugins.zip"):
        compat.upload_limit("startup.sh")


def test_every_upload_entry_has_source_and_date():
    for row in json.loads((DATA / "upload_limits.json").read_text())["uploads"]:
        assert row["source"] and DATE.fullmatch(row["date"]), row
        assert row["confirmed"] or row["note"].startswith("UNCONFIRMED"), row


def test_the_secret_value_limit_has_its_source():
    limit = compat.secret_value_limit()
    assert limit.max_bytes == 64 * 1024 and limit.max_text == "64 KiB"
    assert "65,536 bytes" in limit.source and DATE.fullmatch(limit.date)
