"""The sizes MWAA and AWS document for what the bundle hands them: the files MWAA unpacks or
installs at every container start (``upload_limits.json``), and one Secrets Manager secret's value
(``secrets_manager.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ._data import load_json


@dataclass(frozen=True)
class UploadLimit:
    """MWAA's guidance for a file it unpacks or installs at every container start."""

    name: str                      # "plugins.zip", "requirements.txt"
    what: str
    recommended_max_bytes: int
    recommended_max_text: str      # as MWAA words it ("1 GB")
    hard_limit: bool               # False: a recommendation; going past risks the start-up timeout
    start_up_limit_seconds: int    # the documented time before start-up fails and rolls back
    image_limit_seconds: int | None  # a stricter limit the MWAA image enforces itself, if any
    confirmed: bool
    note: str
    source: str
    date: str

    @property
    def start_up_limit_minutes(self) -> float:
        return self.start_up_limit_seconds / 60


@lru_cache(maxsize=1)
def upload_limits() -> tuple[UploadLimit, ...]:
    return tuple(UploadLimit(row["name"], row["what"], row["recommended_max_bytes"],
                             row["recommended_max_text"], row["hard_limit"],
                             row["start_up_limit_seconds"], row.get("image_limit_seconds"),
                             row["confirmed"], row.get("note", ""), row["source"], row["date"])
                 for row in load_json("upload_limits.json")["uploads"])


def upload_limit(name: str) -> UploadLimit:
    """The guidance for ``plugins.zip`` or ``requirements.txt``; KeyError for anything else."""
    found = next((limit for limit in upload_limits() if limit.name == name), None)
    if found is None:
        known = ", ".join(limit.name for limit in upload_limits())
        raise KeyError(f"no upload limit recorded for {name!r}; known: {known}")
    return found


@dataclass(frozen=True)
class SecretValueLimit:
    """The largest value one AWS Secrets Manager secret holds."""

    max_bytes: int  # of the SecretString, UTF-8 encoded
    max_text: str  # as AWS words it ("64 KiB")
    source: str
    date: str


@lru_cache(maxsize=1)
def secret_value_limit() -> SecretValueLimit:
    row = load_json("secrets_manager.json")["secret_value"]
    return SecretValueLimit(row["max_bytes"], row["max_text"], row["source"], row["date"])
