"""Credential shapes the reliability canaries found unmasked, and masking in linear time."""

from __future__ import annotations

import pytest

from migrator.secrets import mask


@pytest.mark.parametrize(("text", "secret"), [
    ("git+https://ghp_SECRETTOKEN1@github.com/acme/etl.git", "ghp_SECRETTOKEN1"),
    ("PGPASSWORD=s3cretpw psql -h db", "s3cretpw"),
    ("DBPASS=s3cretpw", "s3cretpw"),
    ("Authorization: Bearer abcdefSECRET123", "abcdefSECRET123"),
    ("smtp_password = two words", "words"),
    ("[smtp]\nsmtp_password = two words\nsmtp_port = 587\n", "two words"),
])
def test_secret_shapes_are_masked(text, secret):
    assert secret not in mask(text)


@pytest.mark.parametrize(("text", "kept"), [
    ("PGPASSWORD=pw psql -h db", "psql -h db"),
    ("git+ssh://git@github.com/acme/x.git", "git@github.com"),
    ("pool = bypass_pool", "bypass_pool"),
    ("password: ${SMTP_PASSWORD}", "${SMTP_PASSWORD}"),
])
def test_what_is_not_a_secret_stays(text, kept):
    assert kept in mask(text)


def test_long_values_without_credentials_come_back_unchanged():
    # These took minutes when the patterns retried at every character of a long word; the
    # benchmark of record is the suite's own run time, this checks they are left intact.
    for text in ("y" * 200_000, "ab://" * 50_000, "password" * 20_000):
        assert mask(text) == text
