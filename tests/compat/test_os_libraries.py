"""The OS-library knowledge (compat/data/os_libraries.json) REQ015 and REQ017 decide with."""

from __future__ import annotations

import re

from migrator.compat import (
    get_version,
    image_build_tools,
    os_library_modules,
    os_library_need,
    os_package_serves,
)
from migrator.compat._data import load_json

TARGET = get_version("3.3.1")


def test_every_row_is_consistent():
    data = load_json("os_libraries.json")
    for name, row in data["distributions"].items():
        need = os_library_need(name)
        assert need is not None and need.source.startswith("https://"), name
        # A name that works without the library is one of the modules that need it.
        assert all(use.partition(".")[0] in (need.used_as or ()) for use in need.needless_uses), name
        assert all(re.fullmatch(r"cp3\d+", tag) for tags in need.wheels_bundle.values() for tag in tags), name
        assert not need.wheels_bundle or row.get("wheels_source"), name
    for row in data["os_packages"]["serves"]:
        assert os_library_need(row["distribution"]) is not None


def test_xmlsec_wheels_carry_libxmlsec1_from_1_3_14_but_not_1_3_15():
    xmlsec = os_library_need("xmlsec")
    assert xmlsec.used_as is None  # a build need: without a wheel, pip compiles against it
    assert xmlsec.bundled_in_wheel("1.3.14", TARGET) and xmlsec.bundled_in_wheel(xmlsec.newest_bundled, TARGET)
    assert not xmlsec.bundled_in_wheel("1.3.15", TARGET) and not xmlsec.bundled_in_wheel("1.3.13", TARGET)


def test_libaio_serves_the_instant_client_of_cx_oracle_and_oracledb():
    need = os_package_serves("libaio1")
    assert need is not None and need.distribution == "cx-oracle"
    assert set(need.used_as) == {"cx_Oracle", "oracledb"} and "cx_Oracle.makedsn" in need.needless_uses
    assert os_package_serves("unixodbc") is None  # unknown: reported as before
    assert "cx_Oracle" in os_library_modules()
    assert "alien" in image_build_tools()
