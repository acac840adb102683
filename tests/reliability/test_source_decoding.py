"""Python source is read as Python reads it: the coding declaration, whatever codec it names.

CPython is the oracle: a file it compiles is analysed, a file it refuses (a codec that is no
text encoding, not ASCII-compatible, unknown, or that rejects the bytes) is a MIG003 finding
naming the declaration; never an exception out of the reader (that ended the run with exit 3).
"""

from __future__ import annotations

import ast
import codecs
import encodings.aliases

from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analysis.python import ModuleFacts
from migrator.analysis.source import Problem, SourceText, decode_python

# Every codec name Python knows, the bytes-to-bytes and text-to-text ones included.
CODEC_NAMES = sorted({*encodings.aliases.aliases, *encodings.aliases.aliases.values(),
                      "rot13", "rot_13", "base64", "hex", "uu", "zlib", "bz2", "quopri",
                      "punycode", "idna", "undefined", "unicode_escape", "raw_unicode_escape",
                      "utf-16", "utf-32", "utf-8-sig", "mbcs", "oem"})
BODY = "from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"

cookies = st.one_of(st.sampled_from(CODEC_NAMES),
                    st.from_regex(r"[A-Za-z0-9_.\-]{1,20}", fullmatch=True))
layouts = st.sampled_from(["# -*- coding: {} -*-\n", "# coding={}\n", "#!/usr/bin/python\n# vim: fileencoding={}\n"])


def python_accepts(data: bytes) -> bool:
    try:
        compile(data, "dag.py", "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError):
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(codec=cookies, layout=layouts, extra=st.text(max_size=20))
def test_any_coding_declaration_reads_as_python_reads_it(codec, layout, extra):
    text = layout.format(codec) + BODY + f"NOTE = {extra!r}\n"
    data = text.encode("utf-8", "surrogatepass")
    source = decode_python(data)
    if python_accepts(data):
        assert isinstance(source, SourceText), (codec, source)
    else:
        module = ModuleFacts.from_read("dags/dag.py", data, "dag")
        assert module.tree is None and isinstance(module.problem, Problem)
        if isinstance(source, Problem):
            assert "\n" not in source.message and 1 <= source.line <= text.count("\n")


def test_a_codec_that_is_no_text_encoding_is_named():
    for codec in ("rot13", "base64", "hex", "uu", "zlib", "bz2"):
        problem = decode_python(f"# coding: {codec}\n{BODY}".encode())
        assert isinstance(problem, Problem) and problem.kind == "undecodable", codec
        assert problem.message.startswith(f"bad encoding declaration: {codec} cannot decode")
        assert codecs.lookup(codec)  # a real codec, only not one for text


def test_an_encoding_that_is_not_ascii_compatible_is_named():
    for codec in ("utf-16", "utf-16-be", "cp037", "cp500"):
        problem = decode_python(f"#!/usr/bin/python\n# coding: {codec}\n{BODY}x = 1\n".encode())
        assert isinstance(problem, Problem), codec
        assert problem.line == 2
        assert f"{codec} is not ASCII-compatible" in problem.message, problem.message
