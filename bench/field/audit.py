"""Precision audit: a judged, stratified random sample of the field run's findings.

    python bench/field/audit.py sample                 # draw (or redraw) the sample into audit.json
    python bench/field/audit.py show                   # each unjudged finding with its source context
    python bench/field/audit.py judge 12 false "the Mount target is inside the container"
    python bench/field/audit.py report                 # precision per rule -> audit.md

The population is every finding of the field run's ``scan.json`` files for one target
(``<work>/runs/<target>/<owner>+<name>/scan.json``, written by run.py). ``sample`` draws per rule:
every rule gets ``--min-per-rule`` findings (or all it has), the rest of ``--size`` is shared in
proportion to the rules' counts. Within a rule the findings drawn are those with the smallest
seeded hash of their key, so a draw is reproducible, and a redraw on a changed population keeps
the findings that still exist (a bottom-k sample: removing findings does not reshuffle the rest).

A verdict is keyed by (repo, rule, fingerprint), the scan's own stable identity of a finding, so
it survives reruns: a redraw keeps every judged finding that still exists, and marks one that no
longer does as gone (a fixed false positive, or a lost true finding: the report lists both).

Verdicts: ``true`` (breaks or misbehaves on MWAA at the target as the message says),
``misleading`` (a real problem, but the reason, remedy or location is wrong), ``false``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import load_corpus

from migrator.rule_ids import current_id, first_id

HERE = Path(__file__).resolve().parent
DEFAULT_WORK = Path.home() / ".cache" / "mwaa-migrator-field"
DEFAULT_TARGET = "3.3.1"
DEFAULT_SIZE = 160
DEFAULT_MIN_PER_RULE = 2
DEFAULT_SEED = 19  # the issue that asked for the audit
VERDICTS = ("true", "misleading", "false")
CONTEXT_LINES = 5
# The finding's fields the audit file keeps: enough to find it again, none of the repo's code.
FINDING_FIELDS = ("path", "line", "severity", "message")


@dataclass(frozen=True)
class Finding:
    repo: str  # owner/name
    rule: str
    fingerprint: str
    path: str
    line: int
    severity: str
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.repo, self.rule, self.fingerprint)


@dataclass
class Population:
    findings: list[Finding]
    dag_files: dict[str, int]  # repo -> DAG files the scan found


def load_population(runs: Path) -> Population:
    """Every finding of ``runs/<slug>/scan.json`` (one target's run folder)."""
    findings: list[Finding] = []
    dag_files: dict[str, int] = {}
    for scan in sorted(runs.glob("*/scan.json")):
        repo = scan.parent.name.replace("+", "/", 1)
        document = json.loads(scan.read_text(encoding="utf-8"))
        dag_files[repo] = document.get("inventory", {}).get("dag_files", 0)
        # A run before a rule was renamed names its old id: read as the new one, it matches
        # the verdicts (fingerprints do not change with a rename).
        findings += [Finding(repo, current_id(f["rule"]), f["fingerprint"], f["path"], f["line"], f["severity"],
                             f["message"]) for f in document["findings"]]
    return Population(findings, dag_files)


def allocate(counts: dict[str, int], size: int, min_per_rule: int) -> dict[str, int]:
    """How many findings to draw per rule: a floor each, the rest in proportion to the counts.

    The proportional share uses largest remainders; a rule never gets more than it has, and
    what a capped rule cannot take goes to the others.
    """
    quota = {rule: min(count, min_per_rule) for rule, count in counts.items()}
    left = size - sum(quota.values())
    while left > 0:  # more than one round only when a rule's share exceeds what it has
        room = {rule: counts[rule] - quota[rule] for rule in counts if quota[rule] < counts[rule]}
        if not room:
            break
        total = sum(counts[rule] for rule in room)
        shares = {rule: left * counts[rule] / total for rule in room}
        granted = {rule: min(int(share), room[rule]) for rule, share in shares.items()}
        spare = left - sum(granted.values())
        for rule in sorted(shares, key=lambda r: (int(shares[r]) - shares[r], r)):
            if spare and granted[rule] < room[rule]:
                granted[rule] += 1
                spare -= 1
        for rule, extra in granted.items():
            quota[rule] += extra
        left -= sum(granted.values())
    return quota


def rank(seed: int, finding: Finding) -> str:
    # The rule's first id: renaming a rule does not redraw its sample.
    repo, rule, fingerprint = finding.key
    return hashlib.sha256("\0".join((str(seed), repo, first_id(rule), fingerprint)).encode()).hexdigest()


def draw(findings: list[Finding], size: int, min_per_rule: int, seed: int) -> list[Finding]:
    """The stratified sample: per rule, the allocated number of lowest-ranked findings."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    quota = allocate({rule: len(group) for rule, group in by_rule.items()}, size, min_per_rule)
    return [finding for rule in sorted(by_rule)
            for finding in sorted(by_rule[rule], key=lambda f: rank(seed, f))[:quota[rule]]]


# -- the audit file -------------------------------------------------------------------------------


def load_audit(path: Path) -> dict:
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"meta": {}, "findings": []}


def save_audit(path: Path, audit: dict) -> None:
    audit["findings"].sort(key=lambda entry: entry["id"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(audit, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def entry_key(entry: dict) -> tuple[str, str, str]:
    return (entry["repo"], entry["rule"], entry["fingerprint"])


def resample(audit: dict, population: Population, commits: dict[str, str], *, target: str, size: int,
             min_per_rule: int, seed: int) -> dict:
    """Refresh the audit file against ``population`` and add this draw's findings.

    Entries whose finding still exists are kept (verdict and all); those whose finding is gone
    keep their verdict and are marked gone; drawn findings not yet in the file are added
    unjudged, with new ids. A finding that kept its fingerprint but changed its location,
    severity or message is judged again: the verdict was about what it said before (a rule that
    stops reporting one of several alike findings in a file hands their numbered fingerprints
    to the next ones). The old verdict stays beside it as ``previous``.
    """
    current = {finding.key: finding for finding in population.findings}
    entries = audit["findings"]
    known = {entry_key(entry) for entry in entries}
    for entry in entries:
        finding = current.get(entry_key(entry))
        entry["status"] = "present" if finding else "gone"
        if finding:
            now = {name: getattr(finding, name) for name in FINDING_FIELDS}
            if entry["verdict"] and any(entry[name] != value for name, value in now.items()):
                entry["previous"] = {name: entry[name] for name in (*FINDING_FIELDS, "verdict", "reason")}
                entry.update(verdict="", reason="")
            entry.update(now)
    next_id = max((entry["id"] for entry in entries), default=0) + 1
    for finding in draw(population.findings, size, min_per_rule, seed):
        if finding.key in known:
            continue
        entries.append({"id": next_id, "repo": finding.repo, "commit": commits.get(finding.repo, ""),
                        "rule": finding.rule, "fingerprint": finding.fingerprint,
                        **{name: getattr(finding, name) for name in FINDING_FIELDS},
                        "status": "present", "verdict": "", "reason": ""})
        next_id += 1
    audit["meta"] = {"target": target, "seed": seed, "size": size, "min_per_rule": min_per_rule,
                     "sampled_on": datetime.date.today().isoformat(),
                     "population": dict(sorted(Counter(f.rule for f in population.findings).items())),
                     "findings_by_repo": dict(sorted(Counter(f.repo for f in population.findings).items())),
                     "dag_files": dict(sorted(population.dag_files.items()))}
    return audit


def judge(audit: dict, ids: list[int], verdict: str, reason: str) -> None:
    if verdict not in VERDICTS:
        raise SystemExit(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if not reason.strip():
        raise SystemExit("a verdict needs a one-line reason")
    by_id = {entry["id"]: entry for entry in audit["findings"]}
    unknown = [str(i) for i in ids if i not in by_id]
    if unknown:
        raise SystemExit(f"no finding with id {', '.join(unknown)} in the audit file")
    for i in ids:
        by_id[i].update(verdict=verdict, reason=" ".join(reason.split()))


# -- precision ------------------------------------------------------------------------------------


@dataclass
class Tally:
    true: int = 0
    misleading: int = 0
    false: int = 0

    @property
    def judged(self) -> int:
        return self.true + self.misleading + self.false

    @property
    def precision(self) -> float | None:
        """Right problem (true or misleading) over judged."""
        return (self.true + self.misleading) / self.judged if self.judged else None

    @property
    def strict(self) -> float | None:
        """Strictly true over judged."""
        return self.true / self.judged if self.judged else None

    def add(self, verdict: str) -> None:
        setattr(self, verdict, getattr(self, verdict) + 1)


def tally(entries: list[dict]) -> dict[str, Tally]:
    """Verdict counts per rule over the judged findings that still exist."""
    per_rule: dict[str, Tally] = defaultdict(Tally)
    for entry in entries:
        if entry["status"] == "present" and entry["verdict"]:
            per_rule[entry["rule"]].add(entry["verdict"])
    return dict(per_rule)


def overall(per_rule: dict[str, Tally]) -> Tally:
    total = Tally()
    for counts in per_rule.values():
        total.true += counts.true
        total.misleading += counts.misleading
        total.false += counts.false
    return total


def weighted(per_rule: dict[str, Tally], population: dict[str, int]) -> tuple[float, float] | None:
    """The corpus's precision estimated from the strata: each rule's precision by its share.

    The sample over-represents small rules (the floor per rule), so its plain ratio is not the
    precision a user meets; rules without a judged finding are left out of the weights.
    """
    judged = {rule: counts for rule, counts in per_rule.items() if counts.judged and population.get(rule)}
    weight = sum(population[rule] for rule in judged)
    if not weight:
        return None
    return (sum(population[r] * c.precision for r, c in judged.items()) / weight,
            sum(population[r] * c.strict for r, c in judged.items()) / weight)


def per_file(findings: int, files: int) -> str:
    return f"{findings / files:.1f}" if files else "-"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def render_report(audit: dict, threshold: float = 0.8) -> str:
    meta, entries = audit["meta"], audit["findings"]
    population: dict[str, int] = meta.get("population", {})
    per_rule = tally(entries)
    total = overall(per_rule)
    estimate = weighted(per_rule, population)
    present = [e for e in entries if e["status"] == "present"]
    lines = [
        "# Precision audit of the field corpus",
        "",
        (f"Generated by `python bench/field/audit.py report` from `audit.json`: findings of the field "
        f"run for MWAA {meta.get('target')} (`scan.json` of each repository), a stratified random "
        f"sample (seed {meta.get('seed')}, size {meta.get('size')}, at least "
        f"{meta.get('min_per_rule')} per rule) drawn on {meta.get('sampled_on')}, each judged "
        "against its source and the rule's documentation."),
        "",
        "- **true**: breaks or behaves badly on MWAA at the target, as the message says;",
        "- **misleading**: a real problem, but the reason, remedy or location is wrong;",
        "- **false**: nothing breaks, or not for this reason at all.",
        "",
        "## Overall",
        "",
        f"- findings in the corpus: {sum(population.values())} over {len(population)} rules",
        (f"- sampled: {len(present)} present ({sum(1 for e in present if e['verdict'])} judged), "
        f"{len(entries) - len(present)} gone since judged"),
        f"- judged: {total.judged}: true {total.true}, misleading {total.misleading}, false {total.false}",
        (f"- precision of the sample (true + misleading): **{percent(total.precision)}**, strictly true: "
        f"**{percent(total.strict)}**"),
    ]
    if estimate:
        lines.append(f"- corpus estimate (each rule weighted by its share of the findings): "
                     f"**{percent(estimate[0])}**, strictly true **{percent(estimate[1])}**")
    below = sorted(rule for rule, counts in per_rule.items() if counts.precision is not None
                   and counts.precision < threshold)
    lines.append(f"- rules below {threshold:.0%} (true + misleading): {', '.join(below) if below else 'none'}; "
                 "a rule judged on a handful of findings is a pointer, not a measurement")
    lines += ["", "## Per rule", "",
              "| rule | findings | judged | true | misleading | false | precision | strictly true |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for rule in sorted(set(population) | set(per_rule)):
        counts = per_rule.get(rule, Tally())
        lines.append(f"| {rule} | {population.get(rule, 0)} | {counts.judged} | {counts.true} | "
                     f"{counts.misleading} | {counts.false} | {percent(counts.precision)} | "
                     f"{percent(counts.strict)} |")
    dag_files = meta.get("dag_files", {})
    by_repo = Counter(meta.get("findings_by_repo", {}))
    if dag_files:
        lines += ["", "## Findings per DAG file", "",
                  "DAG files as each scan's inventory counts them (`inventory.dag_files`).", "",
                  "| repository | findings | DAG files | per DAG file |", "|---|---:|---:|---:|"]
        rows = [(repo, by_repo[repo], dag_files[repo]) for repo in sorted(dag_files)]
        rows.append(("**all**", sum(by_repo.values()), sum(dag_files.values())))
        for repo, findings, files in rows:
            lines.append(f"| {repo} | {findings} | {files} | {per_file(findings, files)} |")
    wrong = [e for e in present if e["verdict"] in ("false", "misleading")]
    if wrong:
        lines += ["", "## Findings judged false or misleading", "",
                  "| id | rule | verdict | where | reason |", "|---:|---|---|---|---|"]
        for e in sorted(wrong, key=lambda e: (e["rule"], e["verdict"], e["id"])):
            lines.append(f"| {e['id']} | {e['rule']} | {e['verdict']} | {e['repo']}: "
                         f"`{e['path']}:{e['line']}` | {e['reason']} |")
    gone = [e for e in entries if e["status"] == "gone"]
    if gone:
        lines += ["", "## Judged findings that are gone", "",
                  "A gone false finding is a fixed false positive; a gone true one may be lost recall.", "",
                  "| id | rule | verdict | where | reason |", "|---:|---|---|---|---|"]
        for e in sorted(gone, key=lambda e: (e["verdict"] != "true", e["rule"], e["id"])):
            lines.append(f"| {e['id']} | {e['rule']} | {e['verdict'] or 'unjudged'} | {e['repo']}: "
                         f"`{e['path']}:{e['line']}` | {e['reason']} |")
    return "\n".join(lines) + "\n"


# -- show -----------------------------------------------------------------------------------------


def source_context(root: Path, path: str, line: int, around: int = CONTEXT_LINES) -> str:
    file = root / path
    if not file.is_file():
        return f"  ({path} is not in the exported source)"
    text = file.read_text(encoding="utf-8", errors="replace").splitlines()
    if line < 1:
        return "  (the finding is about the whole file)"
    first, last = max(1, line - around), min(len(text), line + around)
    return "\n".join(f"{'>' if n == line else ' '}{n:5} | {text[n - 1]}" for n in range(first, last + 1))


def explain(rule: str) -> str:
    done = subprocess.run([sys.executable, "-m", "migrator", "explain", rule], capture_output=True,
                          text=True, check=False)
    return done.stdout or done.stderr


def show(audit: dict, sources: Path, ids: set[int], with_docs: bool) -> str:
    chosen = [e for e in audit["findings"] if e["status"] == "present"
              and (e["id"] in ids if ids else not e["verdict"])]
    out, explained = [], set()
    for e in chosen:
        if with_docs and e["rule"] not in explained:
            explained.add(e["rule"])
            out += [f"==== {e['rule']} ====", explain(e["rule"]).rstrip(), ""]
        out += [f"---- #{e['id']} {e['rule']} {e['severity']}  {e['repo']}  {e['path']}:{e['line']}",
                f"     {e['message']}",
                *([(f"     judged {e['previous']['verdict']} when it said, at line {e['previous']['line']}: "
                    f"{e['previous']['message']} ({e['previous']['reason']})")] if "previous" in e else []),
                source_context(sources / e["repo"].replace("/", "+"), e["path"], e["line"]), ""]
    return "\n".join(out)


# -- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="run.py's work folder")
    parser.add_argument("--file", type=Path, default=HERE / "audit.json", help="the verdict file")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="draw the sample and refresh the verdict file")
    sample.add_argument("--target", default=DEFAULT_TARGET)
    sample.add_argument("--size", type=int, default=DEFAULT_SIZE)
    sample.add_argument("--min-per-rule", type=int, default=DEFAULT_MIN_PER_RULE)
    sample.add_argument("--seed", type=int, default=DEFAULT_SEED)
    show_cmd = commands.add_parser("show", help="unjudged findings (or the ids given) with source context")
    show_cmd.add_argument("ids", nargs="*", type=int)
    show_cmd.add_argument("--no-docs", action="store_true", help="leave out `migrator explain`")
    judge_cmd = commands.add_parser("judge", help="record a verdict: judge ID[,ID...] VERDICT REASON")
    judge_cmd.add_argument("ids", help="one id or several, comma-separated")
    judge_cmd.add_argument("verdict", choices=VERDICTS)
    judge_cmd.add_argument("reason")
    report = commands.add_parser("report", help="precision per rule, written as markdown")
    report.add_argument("--out", type=Path, default=HERE / "audit.md")
    args = parser.parse_args(argv)

    audit = load_audit(args.file)
    if args.command == "sample":
        population = load_population(args.work / "runs" / args.target)
        if not population.findings:
            raise SystemExit(f"no findings under {args.work / 'runs' / args.target}: run run.py first")
        commits = {repo.name: repo.commit for repo in load_corpus()}
        resample(audit, population, commits, target=args.target, size=args.size,
                 min_per_rule=args.min_per_rule, seed=args.seed)
        save_audit(args.file, audit)
        present = [e for e in audit["findings"] if e["status"] == "present"]
        print(f"{args.file}: {len(present)} sampled findings ({sum(1 for e in present if not e['verdict'])} "
              f"unjudged), {len(audit['findings']) - len(present)} gone")
    elif args.command == "show":
        print(show(audit, args.work / "src", set(args.ids), not args.no_docs))
    elif args.command == "judge":
        judge(audit, [int(i) for i in args.ids.split(",")], args.verdict, args.reason)
        save_audit(args.file, audit)
    else:
        args.out.write_text(render_report(audit), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
