"""``migrate``'s report.html: well-formed, every section there, project strings escaped, and
rendered for real in headless Chromium (what is visible, the screenshot, no console errors)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT

from migrator.cli import main
from migrator.reporters import migrate_html
from migrator.rules import all_rules

SECTIONS = ("summary", "loading", "rules", "dags", "files", "size", "docs")
VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "source", "wbr"})
# A file name, a script path and a Variable id from the project, each holding markup.
HOSTILE_DAG = '''\
from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.models import Variable

with DAG("hostile", schedule_interval="@daily") as dag:
    BashOperator(task_id="t", bash_command="/opt/run.sh")
    Variable.get("<script>alert(3)</script>")
'''
HOSTILE_FILE = "dags/etl_<script>alert(1)<.py"


class Page(HTMLParser):
    """The tags (checked to nest and close), the ids, and the text outside <style>/<svg>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.ids.update(value for name, value in attrs if name == "id")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
        else:
            self.open.pop()

    def handle_data(self, data):
        if not {"style", "title"} & set(self.open[-1:]):
            self.text.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "src"
    (source / "dags").mkdir(parents=True)
    (source / HOSTILE_FILE).write_text(HOSTILE_DAG, encoding="utf-8")
    out = folder / "out"
    assert main(["migrate", str(source), "--out", str(out), "-q"]) == 1
    return out


def test_report_html_is_well_formed_has_every_section_and_escapes_project_strings(hostile):
    page = (hostile / "report.html").read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.problems == [] and parsed.open == []
    assert set(SECTIONS) <= parsed.ids
    # Self-contained, and no markup of the project's made it through as markup.
    assert parsed.tags.count("script") == 0
    assert not re.search(r"""(?:src|href)=["']?(?:https?:|//)""", page)
    assert "<script>" not in page
    assert "etl_&lt;script&gt;alert(1)&lt;.py" in page
    text = " ".join(" ".join(parsed.text).split())
    assert "variable '<script>alert(3)</script>' is read here" in text  # shown as text
    assert "DAG files: 0 ready, 1 blocked" in text
    assert "Not checked: this migration ran without --verify" in text
    assert "findings in 1 files" in text
    assert "Expected concurrent tasks over 24 hours" in text  # the sizing chart's own title


def test_report_html_says_how_many_dag_files_load_when_verify_ran(hostile):
    document = json.loads((hostile / "report.json").read_text(encoding="utf-8"))
    verified = copy.deepcopy(document)
    verified["verify"] = {
        "headline": "0 of 1 DAG files load in Airflow 3.3.1 with this bundle's requirements",
        "summary": {"files": 1, "loaded": 0},
        "not_loading": [{"bundle_path": "dags/etl_<script>alert(1)<.py", "source_path": HOSTILE_FILE,
                         "status": "import_error", "error": "ModuleNotFoundError: No module named '<b>'",
                         "raised_in": None, "cause": "third-party-missing",
                         "cause_text": "a third-party module it imports is not installed",
                         "findings": ["REQ001"]}],
    }
    parsed = parse(migrate_html.render(verified, all_rules(), [HOSTILE_FILE]))
    assert parsed.problems == []
    text = " ".join(" ".join(parsed.text).split())
    assert "0 of 1 DAG files load in Airflow 3.3.1" in text
    assert "No module named '<b>'" in text
    assert "third-party-missing" in text  # why the blocked DAG file does not load
    assert "Not checked" not in text


# -- headless Chromium -----------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1200, 1600
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", f"--window-size={WIDTH},{HEIGHT}")
# What the page's own console said (console.error, an uncaught exception): the page has no script,
# so any line is a fault.
CONSOLE_LINE = re.compile(r":CONSOLE[:(]|Uncaught")


def chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=60, check=True)


def png_size_and_colours(data: bytes, enough: int = 2) -> tuple[int, int, int]:
    """Width, height and the number of distinct pixel colours seen (counting stops at
    ``enough``) of an 8-bit RGB or RGBA PNG, unfiltered row by row in plain Python."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format: depth {depth}, colour type {colour}"
    step = 3 if colour == 2 else 4
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        colours.update(bytes(line[i:i + step]) for i in range(0, stride, step))
        if len(colours) >= enough:
            break
        previous = line
    return width, height, len(colours)


@pytest.mark.browser
def test_report_html_renders_in_headless_chromium(tmp_path):
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium binary on PATH (an optional tool for this test; .ci/run installs it)")
    source, out = tmp_path / "onprem", tmp_path / "out"  # a copy: a bug here cannot touch the example
    shutil.copytree(EXAMPLE_PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))
    main(["migrate", str(source), "--out", str(out), "-q"])
    url = (out / "report.html").as_uri()
    shot = tmp_path / "report.png"
    rendered = run_chromium(binary, tmp_path / "profile", f"--screenshot={shot}", url)
    dumped = run_chromium(binary, tmp_path / "profile", "--dump-dom", url)
    for stderr in (rendered.stderr, dumped.stderr):
        assert [line for line in stderr.splitlines() if CONSOLE_LINE.search(line)] == []
    width, height, colours = png_size_and_colours(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    assert colours >= 2, "the screenshot is one colour: nothing was drawn"
    text = " ".join(" ".join(parse(dumped.stdout).text).split())
    assert "MWAA migration of " in text
    for visible in ("Before and after", "Findings by rule", "Findings left, by file", "Environment size",
                    "Bundle written to bundle/", "Not checked: this migration ran without --verify"):
        assert visible in text
    assert re.search(r"DAG files: \d+ ready, \d+ blocked", text)
    assert "migrator explain MWA005" in text
