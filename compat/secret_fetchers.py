"""Calls that fetch a secret by its name (``data/secret_fetchers.json``)."""

from __future__ import annotations

from functools import cache

from ._data import load_json


@cache
def secret_fetching_calls() -> frozenset[str]:
    """Last names of calls whose argument names a secret to fetch (``access_secret_version``)."""
    return frozenset(row["name"] for row in load_json("secret_fetchers.json")["calls"])
