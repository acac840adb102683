"""The import-name knowledge (compat/data/import_names.json) REQ021 and PLG006 match modules with."""

from __future__ import annotations

from migrator.compat import installed_as, module_distributions, module_provided
from migrator.compat._data import load_json
from packaging.utils import canonicalize_name


def test_every_row_is_canonical_and_every_alias_has_a_source():
    data = load_json("import_names.json")
    for module, distributions in data["modules"].items():
        assert distributions and all(d == canonicalize_name(d) or d.endswith("-") for d in distributions), module
    for alias, row in data["aliases"].items():
        assert alias == canonicalize_name(alias) and row["target"] == canonicalize_name(row["target"])
        assert row["source"].startswith("https://pypi.org/project/"), alias


def test_a_module_is_provided_by_its_distribution_or_an_alias_of_it():
    assert module_distributions("bs4") == ("beautifulsoup4",)
    assert installed_as("bs4") == "beautifulsoup4" and installed_as("pandas") == "pandas"
    assert module_provided("bs4", {"beautifulsoup4"}) and module_provided("bs4", {"bs4"})
    assert module_provided("yaml", {"pyyaml"}) and not module_provided("yaml", {"yaml"})
    # Not listed: the distribution of the module's own name.
    assert module_provided("sentry_sdk", {"sentry-sdk"}) and not module_provided("sentry_sdk", {"sentry"})
    # A namespace: any distribution of the prefix.
    assert module_provided("google", {"google-cloud-storage"}) and not module_provided("google", {"googlemaps"})
