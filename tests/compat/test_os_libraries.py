"""The OS-library knowledge (compat/data/os_libraries.json) REQ015 and REQ017 decide with."""

from __future__ import annotations

import re

from migrator.compat import (
    get_version,
    image_build_tools,
    image_os_packages,
    os_library_modules,
    os_library_need,
    os_package_programs,
    os_package_serves,
    wheel_bundled_os_packages,
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
        assert all(re.fullmatch(r"cp3\d+|py3", tag) for tags in need.wheels_bundle.values() for tag in tags), name
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


def test_git_serves_its_program_and_tzdata_is_on_the_image():
    git = os_package_programs("git")
    assert git is not None and git.programs == {"git"} and git.modules == ("git",) and git.pip_urls == ("git+",)
    assert os_package_programs("p7zip-full").programs >= {"7z", "7za"}
    assert os_package_programs("unixodbc") is None  # a library, not a program: judged as before
    assert "tzdata" in image_os_packages()
    data = load_json("os_libraries.json")["os_packages"]
    for row in (*data["programs"], *data["on_image"], *data["wheel_bundled"]):
        assert row["names"] and row["why"] and row["source"], row
    # A package is one kind or the other, never both.
    named = [name for row in (*data["programs"], *data["on_image"], *data["serves"], *data["wheel_bundled"])
             for name in row["names"]]
    assert len(named) == len(set(named))


def test_what_only_compiles_lxml_or_pillow_is_bundled_in_their_wheels_and_the_runtime_is_on_the_image():
    assert {"libxml2-dev", "libxslt", "jpeg-dev", "tiff", "postgresql-dev"} <= wheel_bundled_os_packages()
    assert {"libstdc++", "libxml2", "zlib", "freetype", "libpng"} <= image_os_packages()
    # Every distribution named is one pip installs from a wheel that bundles the libraries.
    data = load_json("os_libraries.json")["os_packages"]["wheel_bundled"]
    assert {d for row in data for d in row["distributions"]} == {"lxml", "pillow", "psycopg2-binary"}
    assert "unixodbc" not in wheel_bundled_os_packages()  # pyodbc loads it: judged by what serves it


def test_entrypoint_and_base_image_packages_are_not_needed_and_bindings_decide_theirs():
    # netcat waits for the database in an image's entrypoint: a program, needed only for a task's nc
    assert os_package_programs("netcat").programs >= {"nc"}
    assert {"curl", "python3", "netbase", "binutils"} <= image_os_packages()
    assert {"apt-utils", "locales"} <= image_build_tools()
    assert os_package_serves("libgdal-dev").used_as == ("osgeo",)
    assert os_package_serves("freetds-dev").distribution == "pymssql"
    assert os_package_serves("freetds-bin") is None  # FreeTDS's programs, not pymssql's library


def test_a_py3_wheel_carries_the_library_for_every_python():
    rtree = os_library_need("rtree")
    assert rtree.bundled_in_wheel("1.4.1", TARGET) and rtree.bundled_in_wheel("1.0.1", TARGET) is False
