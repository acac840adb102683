"""``migrate``'s report.html: one self-contained page a lead can open and share.

A pure function of the migration's report document (what report.json holds), the rules and the
project's DAG files: no file is read here. The page has no external assets and no script; every
string that comes from the project (paths, messages, connection ids) is escaped. Sections: the
before/after summary, whether the DAG files load (``--verify``), findings by rule (the remedy
once, a link to the rule's documentation, which the page carries), DAG files ready or blocked and
by what, findings by file (collapsible), and ``migrator size``'s chart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from html import escape
from typing import Any

from migrator.reporters.html_page import html_page
from migrator.reporters.text import SEVERITIES, remedy
from migrator.rules.base import Rule
from migrator.sizing.chart import concurrency_svg

_STYLE = """
.error { color: #c53030; font-weight: bold; }
.warning { color: #b7791f; font-weight: bold; }
.info { color: #2b6cb0; }
.ready { color: #2f855a; font-weight: bold; }
.verdict { font-size: 17px; padding: 8px 12px; border-left: 4px solid #c53030; background: #fff5f5; }
.verdict.ok { border-color: #2f855a; background: #f0fff4; }
details { margin: 4px 0; }
summary { cursor: pointer; }
pre { white-space: pre-wrap; background: #f7fafc; padding: 8px; font-size: 12px; }
code { background: #edf2f7; padding: 0 3px; }
"""


def render(document: dict[str, Any], rules: Sequence[Rule], dag_files: Sequence[str]) -> str:
    """The page. ``document``: migrate's report document; ``dag_files``: the fixed project's
    files that define DAGs (paths as in the findings)."""
    target = document["target"]
    title = f"MWAA migration of {document['source']}"
    used = _rules_used(document, rules)
    body = [
        f"<h1>{escape(title)}</h1>",
        (f"<p>Target: MWAA Airflow {escape(target['airflow_version'])} (Python "
         f"{escape(target['python_version'])}). The fixed copy is in <code>project/</code>, the S3 "
         f"bundle in <code>bundle/</code>. Report by {escape(document['tool']['name'])} "
         f"{escape(document['tool']['version'])}.</p>"),
        *_summary(document),
        *_loading(document),
        *_by_rule(document, used),
        *_dags(document, dag_files),
        *_by_file(document),
        *_size(document["sizing"]),
        *_rule_docs(used),
    ]
    return html_page(title, body, _STYLE)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of cells that are already HTML (callers escape what they put in)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


def _rule_link(rule_id: str) -> str:
    """The rule id, linked to its documentation further down the page."""
    return f'<a href="#rule-{escape(rule_id)}">{escape(rule_id)}</a>'


def _severity(label: str) -> str:
    return f'<span class="{escape(label)}">{escape(label)}</span>'


def _severity_counts(counts: dict[str, int]) -> str:
    parts = [f"{counts[s]} {_severity(s)}" for s in SEVERITIES if counts.get(s)]
    return ", ".join(parts) or "none"


def _summary(document: dict[str, Any]) -> list[str]:
    findings, fixed, bundle = document["findings"], document["fixed"], document["bundle"]
    rows = [[when, str(findings[key]["summary"]["findings"]),
             _severity_counts(findings[key]["summary"]["by_severity"])]
            for when, key in (("before the fixes", "before"), ("after the fixes", "after"))]
    out = ['<h2 id="summary">Before and after</h2>', _table(["", "findings", "by severity"], rows),
           (f"<p>Fixed automatically: {fixed['total']} findings in {len(fixed['files'])} files"
            + (f", {len(fixed['review'])} of them by unsafe fixes to review" if fixed["review"] else "")
            + ".</p>")]
    if fixed["files"]:
        out.append(f"<details><summary>Files changed ({len(fixed['files'])})</summary><ul>"
                   + "".join(f"<li><code>{escape(p)}</code></li>" for p in fixed["files"])
                   + "</ul></details>")
    errors = [c for c in bundle["checks"] if c["severity"] == "error"]
    errors_left = findings["after"]["summary"]["by_severity"]["error"]
    dags = f"{bundle['dags']}{'+' if bundle['dags_estimated'] else ''} DAGs"
    if errors:
        verdict = f"but its checks failed ({len(errors)} error(s) below): do not upload it yet"
    elif errors_left:
        verdict = (f"but {errors_left} error findings remain: what they point at breaks on MWAA "
                   "until a human fixes it")
    else:
        verdict = "no bundle check failed and no error finding remains"
    out.append(f'<p class="verdict{"" if errors or errors_left else " ok"}">Bundle written to '
               f"<code>bundle/</code> ({dags}); {verdict}.</p>")
    if errors:
        out.append("<ul>" + "".join(f"<li>{_check(c)}</li>" for c in errors) + "</ul>")
    warnings = [c for c in bundle["checks"] if c["severity"] != "error"]
    if warnings:
        out.append(f"<details><summary>Bundle warnings and notes ({len(warnings)})</summary><ul>"
                   + "".join(f"<li>{_check(c)}</li>" for c in warnings) + "</ul></details>")
    unreadable = [row for row in document["not_copied"] if row["reason"].startswith("cannot read")]
    if unreadable:
        out.append(f'<p class="verdict">{len(unreadable)} source files or folders could not be read: '
                   "the copy, the fixes and the bundle lack them.</p><ul>"
                   + "".join(f"<li><code>{escape(r['path'])}</code>: {escape(r['reason'])}</li>"
                             for r in unreadable) + "</ul>")
    return out


def _check(check: dict[str, Any]) -> str:
    where = f"<code>{escape(check['path'])}</code>: " if check["path"] else ""
    return f"{_severity(check['severity'])} {where}{escape(check['message'])}"


def _loading(document: dict[str, Any]) -> list[str]:
    out = ['<h2 id="loading">Do the DAG files load?</h2>']
    verify = document["verify"]
    if verify is None:
        return out + [("<p>Not checked: this migration ran without <code>--verify</code>. Run "
                       "<code>migrator migrate SRC --out DIR --verify</code> to load the bundle in a "
                       "real Airflow of the target with its requirements installed.</p>")]
    loaded, total = verify["summary"]["loaded"], verify["summary"]["files"]
    out.append(f'<p class="verdict{" ok" if loaded == total else ""}">{escape(verify["headline"])}.</p>')
    if verify["not_loading"]:
        out.append(_table(["file", "source", "cause", "error", "findings"], [
            [f"<code>{escape(f['bundle_path'])}</code>", f"<code>{escape(f['source_path'] or '?')}</code>",
             escape(f["cause_text"]), escape(f["error"]), escape(", ".join(f["findings"]) or "none")]
            for f in verify["not_loading"]]))
    return out


def _rules_used(document: dict[str, Any], rules: Sequence[Rule]) -> list[Rule]:
    """The rules with a finding before or after the fixes, in the catalogue's order."""
    ids = {f["rule"] for key in ("before", "after") for f in document["findings"][key]["findings"]}
    return [r for r in rules if r.id in ids]


def _by_rule(document: dict[str, Any], used: Sequence[Rule]) -> list[str]:
    before = Counter(f["rule"] for f in document["findings"]["before"]["findings"])
    after = Counter(f["rule"] for f in document["findings"]["after"]["findings"])
    fixed = document["fixed"]["by_rule"]
    ordered = sorted(used, key=lambda r: (SEVERITIES.index(r.severity.label), -after[r.id], r.id))
    rows = [[_rule_link(r.id), escape(r.name),
             f"{before[r.id]}", f"{fixed.get(r.id, 0)}", f"{after[r.id]}", _severity(r.severity.label),
             escape(r.fix_safety.value), escape(remedy(r)),
             f"<code>migrator explain {escape(r.id)}</code>"] for r in ordered]
    return ['<h2 id="rules">Findings by rule</h2>',
            _table(["rule", "name", "before", "fixed", "left", "severity", "fix", "remedy", "documentation"],
                   rows)]


def _dags(document: dict[str, Any], dag_files: Sequence[str]) -> list[str]:
    """Each DAG file is blocked by the error findings on it (or on a related place in it) and,
    with ``--verify``, by the reason it does not load."""
    blockers: dict[str, set[str]] = defaultdict(set)
    for finding in document["findings"]["after"]["findings"]:
        if finding["severity"] == "error":
            for path in {finding["path"], *(r["path"] for r in finding["related"])}:
                blockers[path].add(finding["rule"])
    causes: dict[str, set[str]] = defaultdict(set)
    for failure in (document["verify"] or {}).get("not_loading", []):
        causes[failure["source_path"] or failure["bundle_path"]].add(failure["cause"])
    blocked = [p for p in dag_files if blockers[p] or causes[p]]
    ready = [p for p in dag_files if p not in blocked]
    verified = document["verify"] is not None
    headers = ["blocked DAG file", "error findings (rules)"] + (["does not load because"] if verified else [])
    rows = [[f"<code>{escape(p)}</code>", escape(", ".join(sorted(blockers[p])) or "none")]
            + ([escape(", ".join(sorted(causes[p])) or "it loads")] if verified else [])
            for p in blocked]
    out = [f'<h2 id="dags">DAG files: {len(ready)} ready, {len(blocked)} blocked</h2>']
    if blocked:
        out.append(_table(headers, rows))
    if ready:
        out.append('<p><span class="ready">Ready</span> (no error finding'
                   + (", loads" if verified else "") + "): "
                   + ", ".join(f"<code>{escape(p)}</code>" for p in ready) + "</p>")
    return out


def _by_file(document: dict[str, Any]) -> list[str]:
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in document["needs_human"]:
        by_path[row["path"]].append(row)
    out = [f'<h2 id="files">Findings left, by file ({len(document["needs_human"])})</h2>']
    for path in sorted(by_path):
        rows = sorted(by_path[path], key=lambda f: (f["line"], f["column"], f["rule"]))
        counts = Counter(f["severity"] for f in rows)
        out.append(f"<details><summary><code>{escape(path)}</code>: {_severity_counts(counts)}</summary>"
                   + _table(["line", "severity", "rule", "what", "why it is left"], [
                       [str(f["line"]), _severity(f["severity"]), _rule_link(f["rule"]),
                        escape(f["message"]), escape(f["reason"])]
                       for f in rows]) + "</details>")
    return out


def _size(sizing: dict[str, Any]) -> list[str]:
    rec = sizing["recommendation"]
    return ['<h2 id="size">Environment size</h2>',
            (f"<p>Recommended: <strong>{escape(rec['environment_class'])}</strong>, "
             f"{rec['min_workers']}-{rec['max_workers']} workers, {rec['schedulers']} schedulers, about "
             f"${rec['monthly_cost_usd']} a month in {escape(sizing['region'])}. "
             "<code>migrator size</code> gives the full report.</p>"),
            f'<div class="chart">{concurrency_svg(sizing)}</div>']


def _rule_docs(used: Sequence[Rule]) -> list[str]:
    out = ['<h2 id="docs">Rule documentation</h2>']
    out += [f'<details id="rule-{escape(r.id)}"><summary>{escape(r.id)} {escape(r.name)}: '
            f"{escape(r.summary)}</summary><pre>{escape(r.documentation)}</pre></details>" for r in used]
    return out
