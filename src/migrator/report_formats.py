"""The names of the scan report's formats, apart from the reporters themselves: the command line
offers them without loading a reporter (a scan answered from its kept report loads none)."""

from __future__ import annotations

FORMAT_NAMES = ("text", "concise", "json", "sarif", "markdown", "github")  # migrator.reporters.FORMATS
# Formats whose paths are read against the repository's root (code scanning, annotations), so
# the scanned folder's place in the repository prefixes them.
REPOSITORY_PATH_FORMATS = frozenset({"sarif", "github"})
STATISTICS_FORMATS = ("text", "json")  # scan --statistics
