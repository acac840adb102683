"""Field truth: every command on public Airflow repositories none of us wrote, and the outcome.

    python bench/field/run.py                          # every repo, targets 3.3.1 and 2.11.2
    python bench/field/run.py --repos uktrade/lite-airflow-dags --targets 3.3.1
    python bench/field/run.py --steps scan,fix,migrate # no real Airflow (minutes, not an hour)

Before the first run, fetch each repository of corpus.toml with the search tool's `fetch`
(``github:<owner>/<name>``); the snapshots land in ``/work/.mirror`` (``--mirrors``). This
script exports each pinned commit into ``--work`` (default ``~/.cache/mwaa-migrator-field``),
then runs, per repository and target, as a user would (the installed ``migrator``, a subprocess
each):

- ``scan`` in every format (text, json, sarif, markdown);
- ``package`` (does it agree with ``scan`` on what the project is?);
- ``fix --apply`` on a copy: every file that parsed still parses, and a second run changes nothing;
- ``verify`` of the repository as it is (its own requirements), and ``migrate --verify``: the
  bundle loaded as MWAA loads it, its requirements installed: DAG files that load before and
  after, and the causes of what still does not load;
- ``aws-native`` (opt-in: ``--steps ...,aws-native``): ``migrate --aws-native --verify`` where the
  scan found a Docker or pod task (MWA001, MWA002): the tasks rewritten to ECS per fix kind, those
  left and why, whether the files holding a rewrite load, and cfn-lint, python-hcl2 and checkov
  on the ``infra/`` it writes.

Each step's result is kept in the work folder and reused until the repository's commit, the
tool's code or the step's options change (``--force`` reruns). Writes ``results.json`` and
``results.md`` beside this file (``--out``).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DEFAULT_MIRRORS, Repo, export, git_dir, load_corpus

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
FORMATS = ("text", "json", "sarif", "markdown")
STEPS = ("scan", "package", "fix", "verify", "migrate", "aws-native")
# aws-native is opt-in: a second migrate --verify (real Airflow) per repository with container tasks
DEFAULT_STEPS = ("scan", "package", "fix", "verify", "migrate")
TARGETS = ("3.3.1", "2.11.2")
STEP_TIMEOUT = 3600  # seconds: a hang is reported as one, never waited on forever
_AIRFLOW_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+airflow\b", re.MULTILINE)
_TEST_PARTS = {"tests", "test", "testing"}


@dataclass
class Run:
    returncode: int | None  # None: timed out
    seconds: float
    stdout: str
    stderr: str

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr + self.stdout or self.returncode == 3

    def to_json(self) -> dict:
        return {"returncode": self.returncode, "seconds": round(self.seconds, 2),
                "traceback": self.traceback, "stderr_tail": self.stderr[-1500:]}


def migrator(*args: str, timeout: float = STEP_TIMEOUT) -> Run:
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "migrator", *args], capture_output=True, text=True,
                              errors="backslashreplace", timeout=timeout, check=False)
        return Run(done.returncode, time.perf_counter() - started, done.stdout, done.stderr)
    except subprocess.TimeoutExpired as exc:
        return Run(None, time.perf_counter() - started, str(exc.stdout or ""), str(exc.stderr or ""))


def tool_digest() -> str:
    """Changes whenever the tool's code or data change: cached step results are then stale."""
    digest = hashlib.sha256()
    for folder in ("src", "codemods", "compat"):
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def python_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")
                  if p.is_file() and not p.is_symlink() and ".git" not in p.parts)


def airflow_files(root: Path) -> list[str]:
    """The repository's non-test .py files that import Airflow: what discovery should cover."""
    found = []
    for rel in python_files(root):
        if _TEST_PARTS & set(rel.split("/")[:-1]) or rel.rsplit("/", 1)[-1].startswith("test_"):
            continue
        head = (root / rel).read_bytes()[:200_000].decode("utf-8", "replace")
        if _AIRFLOW_IMPORT.search(head):
            found.append(rel)
    return found


def parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# -- the steps ------------------------------------------------------------------------------------


def step_scan(source: Path, target: str, work: Path) -> dict:
    runs = {fmt: migrator("scan", str(source), "--target", target, "-f", fmt, "-o", str(work / f"scan.{fmt}"),
                          "-q", "-j", "1") for fmt in FORMATS}
    result: dict = {"runs": {fmt: run.to_json() for fmt, run in runs.items()}}
    report = work / "scan.json"
    if runs["json"].returncode in (0, 1, 3) and report.is_file():
        document = json.loads(report.read_text(encoding="utf-8"))
        summary, inventory = document["summary"], document["inventory"]
        result.update({
            "files_scanned": summary.get("files_scanned", 0),
            "findings": summary.get("findings", 0),
            "errors": summary.get("by_severity", {}).get("error", 0),
            "by_rule": summary.get("by_rule", {}),
            "dag_folders": inventory.get("sources", {}).get("dag_folders", []),
            "dags": inventory.get("dags"),
        })
    return result


def step_package(source: Path, target: str, work: Path) -> dict:
    run = migrator("package", str(source), "--target", target, "--out", str(work / "bundle"), "-q")
    shipped = sorted(p.relative_to(work / "bundle").as_posix() for p in (work / "bundle" / "dags").rglob("*.py")) \
        if (work / "bundle" / "dags").is_dir() else []
    return {"run": run.to_json(), "dag_folder_py_files": len(shipped)}


def step_fix(source: Path, target: str, work: Path) -> dict:
    copy = work / "fixed"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(source, copy, symlinks=True)
    before = {rel for rel in python_files(copy) if parses(copy / rel)}
    first = migrator("fix", str(copy), "--target", target, "--apply", "--no-cache", "-j", "1")
    broken = sorted(rel for rel in before if not parses(copy / rel))
    digest = tree_digest(copy)
    second = migrator("fix", str(copy), "--target", target, "--apply", "--no-cache", "-j", "1")
    return {"first": first.to_json(), "second": second.to_json(), "broken_files": broken,
            "second_run_changed_files": tree_digest(copy) != digest}


def _verify_summary(document: dict) -> dict:
    files = document.get("files", [])
    requirements = document.get("requirements")
    return {
        "files": len(files),
        "loaded": sum(1 for f in files if f["status"] == "loaded"),
        "requirements_installed": None if requirements is None else bool(requirements.get("installed")),
        "requirement_failures": [_failure(f) for f in (requirements or {}).get("failures", [])],
    }


# pip's words when a host cannot be reached: the network of the machine running the harness (no
# GitHub here), not a verdict on the bundle, which MWAA's own network may well reach
_UNREACHABLE_HOST = re.compile(r"(?:Could not resolve host: |HTTPSConnectionPool\(host=')([\w.-]+)")


def _failure(failure: dict) -> dict:
    host = _UNREACHABLE_HOST.search(failure.get("reason") or "")
    return {"requirement": failure["requirement"], "unreachable_host": host.group(1) if host else None}


def step_verify(source: Path, target: str, work: Path) -> dict:
    out = work / "verify-before.json"
    run = migrator("verify", str(source), "--target", target, "-f", "json", "-o", str(out), "-q",
                   "--timeout", "30")
    result: dict = {"run": run.to_json()}
    if out.is_file() and run.returncode in (0, 1):
        result.update(_verify_summary(json.loads(out.read_text(encoding="utf-8"))))
    return result


def step_migrate(source: Path, target: str, work: Path, with_verify: bool) -> dict:
    out = work / "migrated"
    # The bundle is written even when its requirements are known not to install, so that the
    # DAG files can still be loaded and counted; whether they install is measured on its own.
    args = ["migrate", str(source), "--out", str(out), "--target", target, "-j", "1", "-q",
            "--allow-broken-requirements"]
    if with_verify:
        args.append("--verify")
    run = migrator(*args)
    result: dict = {"run": run.to_json()}
    report = out / "report.json"
    if report.is_file() and run.returncode in (0, 1, 3):
        document = json.loads(report.read_text(encoding="utf-8"))
        result.update({
            "findings_before": document["findings"]["before"]["summary"].get("findings"),
            "findings_after": document["findings"]["after"]["summary"].get("findings"),
            "fixed": document["fixed"]["total"],
            "bundle_dags": document["bundle"]["dags"],
        })
        verify = document.get("verify")
        if verify:
            result["verify"] = {
                "headline": verify["headline"],
                "files": verify["summary"]["files"],
                "loaded": verify["summary"]["loaded"],
                "requirements_installed": (verify["requirements"] or {}).get("installed"),
                "requirement_failures": [_failure(f) for f in (verify["requirements"] or {}).get("failures", [])],
                # what migrate changed in the bundle's requirements.txt so that it installs
                "requirement_repairs": [[r["requirement"], r["replacement"]]
                                        for r in (verify["requirements"] or {}).get("repairs", [])],
                "causes": verify["causes"],
                "not_loading": [{k: f[k] for k in ("bundle_path", "cause", "error", "findings")}
                                for f in verify["not_loading"]],
            }
    return result


# -- migrate --aws-native ----------------------------------------------------------------------------

CONTAINER_RULES = ("MWA001", "MWA002")  # a DockerOperator task, a pod-operator task
NOT_REWRITTEN = "Not rewritten to EcsRunTaskOperator automatically: "
AWS_NATIVE_SUMMARY = "summary-3"  # bump when summarise_aws_native or check_infra change what they record
CHECKOV_VERSION = "3.3.30"  # the version tests/test_infra_checkov.py installs
_checkov_lock = threading.Lock()


def step_aws_native(source: Path, target: str, work: Path, scan: dict, reuse: dict | None = None) -> dict:
    """``migrate --aws-native --verify`` where the scan found a container task; nothing otherwise.
    ``reuse``: the run record of an earlier migrate by the same tool code on the same commit, whose
    output is summarised again (the summary changed, not what it reads)."""
    if "by_rule" not in scan:
        code = scan.get("runs", {}).get("json", {}).get("returncode", "-")
        return {"skipped": "scan refused the project (exit 2)" if code == 2 else f"no scan result (scan exit {code})"}
    if not any(scan["by_rule"].get(rule) for rule in CONTAINER_RULES):
        return {"skipped": "no container tasks"}
    out = work / "aws-native"
    report = out / "report.json"
    if reuse is not None and report.is_file():
        run = reuse
    else:
        run = migrator("migrate", str(source), "--out", str(out), "--target", target, "--aws-native", "--verify",
                       "-f", "json", "-j", "1", "-q", "--allow-broken-requirements").to_json()
    result: dict = {"run": run}
    if report.is_file() and run["returncode"] in (0, 1, 3):
        document = json.loads(report.read_text(encoding="utf-8"))
        parsed = {row["path"] for row in document["bundle"]["manifest"]["files"]
                  if row["path"].startswith("dags/") and row["path"].endswith(".py")
                  and _might_contain_dag(out / "bundle" / row["path"])}
        result.update(summarise_aws_native(document, scan.get("dag_folders") or [], parsed))
        result["infra"] = check_infra(out / "infra")
    return result


def _might_contain_dag(path: Path) -> bool:
    """Airflow's safe-mode heuristic: a .py file it parses mentions both words."""
    try:
        content = path.read_bytes().lower()
    except OSError:
        return False
    return b"dag" in content and b"airflow" in content


def _is_aws_native(kind: object) -> bool:
    if not isinstance(kind, str):
        return False
    from migrator import codemods  # codemods/ installs as migrator.codemods

    return codemods.is_aws_native(codemods.FIX_TYPES.get(kind))


_SUBCLASS_DEFINITION = re.compile(r"^[\w.]+ extends an? ")
_SUBCLASS_TASK = re.compile(r"^[\w.]+ \(an? ([\w.]+)\) ")


def reason_clause(message: str, fallback: str | None = None) -> str:
    """The first clause of why a container task was not rewritten: ``affinity``, ``the call passes
    positional arguments or **kwargs``; else ``fallback`` (why the fix plan left it) and what the
    finding is about (``no automatic fix (a project subclass of DockerOperator)``)."""
    _, found, why = message.partition(NOT_REWRITTEN)
    if not found:  # no rewrite was offered: say of what (a task of the project's own subclass)
        subclass = _SUBCLASS_TASK.match(message)
        subject = (f"a project subclass of {subclass.group(1)}" if subclass
                   else message.split(" needs ", 1)[0] if " needs " in message else "")
        return (fallback or "no reason given").split(":")[0].strip() + (f" ({subject})" if subject else "")
    return re.split(r":|,|;| \(| - |\.(?:\s|$)", why, maxsplit=1)[0].strip() or "no reason given"


def _bundle_path(path: str, dag_folders: Iterable[str]) -> str | None:
    for folder in dag_folders:
        if folder in (".", ""):
            return f"dags/{path}"
        prefix = folder.rstrip("/") + "/"
        if path.startswith(prefix):
            return "dags/" + path[len(prefix):]
    return None


def summarise_aws_native(document: dict, dag_folders: Iterable[str], parsed: set[str]) -> dict:
    """What ``migrate --aws-native --verify``'s report says about the container tasks.

    ``document``: report.json; ``dag_folders``: the scan's (project paths -> ``dags/...``);
    ``parsed``: the bundle's ``dags/`` files Airflow parses (safe-mode heuristic).

    Before: the MWA001/MWA002 findings of the scan before the fixes, one per task call (the
    definitions of project subclasses of a Docker operator are counted apart). Rewritten: the findings the fix applied (listed in
    ``fixed.review``, as every AWS-native fix is unsafe) whose fix kind is AWS-native. Left: the
    other findings, grouped by the first clause of the reason their message gives (or the fix
    plan's reason, from ``needs_human``)."""
    found = [f for f in document["findings"]["before"]["findings"] if f["rule"] in CONTAINER_RULES]
    # MWA001 also flags the definition of a project subclass of a Docker operator: not a task
    definitions = [f for f in found if _SUBCLASS_DEFINITION.match(f["message"])]
    before = [f for f in found if f not in definitions]
    rewritten = [f for f in document["fixed"]["review"]
                 if f["rule"] in CONTAINER_RULES and _is_aws_native(((f.get("fix") or {}).get("data") or {}).get("kind"))]
    done = {f["fingerprint"] for f in rewritten}
    plan_reason = {f["fingerprint"]: f.get("reason") for f in document.get("needs_human", [])}
    left = [f for f in before if f["fingerprint"] not in done]
    reasons = Counter(reason_clause(f["message"], plan_reason.get(f["fingerprint"])) for f in left)
    files = sorted({f["path"] for f in rewritten})
    verify = document.get("verify")
    failures = {}
    if verify:
        by_source = {f["source_path"]: f for f in verify["not_loading"] if f.get("source_path")}
        raised = {}
        for failure in verify["not_loading"]:
            if failure.get("raised_in"):
                raised.setdefault(failure["raised_in"].rsplit(":", 1)[0], failure)
        checked, loading = [], []
        for path in files:
            bundle_path = _bundle_path(path, dag_folders)
            failure = by_source.get(path) or (raised.get(bundle_path) if bundle_path else None)
            if failure is not None:
                failures[path] = {"cause": failure["cause"], "error": (failure["error"] or "").partition("\n")[0][:300],
                                  "bundle_path": failure["bundle_path"]}
            elif bundle_path in parsed:
                loading.append(path)
            if failure is not None or bundle_path in parsed:
                checked.append(path)
    return {
        "container_tasks": len(before),
        "by_rule": dict(sorted(Counter(f["rule"] for f in before).items())),
        "subclass_definitions": len(definitions),
        "rewritten": dict(sorted(Counter(f["fix"]["data"]["kind"] for f in rewritten).items())),
        "not_rewritten": sum(reasons.values()),
        "not_rewritten_reasons": dict(reasons.most_common()),
        "rewritten_files": files,
        "verified": None if not verify else len(checked),
        "loading": None if not verify else len(loading),
        "not_loading": failures,
        "verify_headline": verify["headline"] if verify else None,
        "findings_after": sum(1 for f in document["findings"]["after"]["findings"]
                              if f["rule"] in CONTAINER_RULES and not _SUBCLASS_DEFINITION.match(f["message"])),
    }


def check_infra(infra: Path) -> dict:
    """cfn-lint on the CloudFormation template, python-hcl2 on the Terraform, checkov on both."""
    result: dict = {}
    template = infra / "cloudformation.yaml"
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    if not template.is_file():
        result["cfn_lint"] = {"error": "no cloudformation.yaml"}
    elif not cfn_lint.is_file():
        result["cfn_lint"] = {"error": "cfn-lint not installed (pip install -e '.[test]')"}
    else:
        done = subprocess.run([str(cfn_lint), "--format", "json", str(template)], capture_output=True, text=True,
                              check=False, timeout=600)
        try:
            matches = json.loads(done.stdout or "[]")
            levels = Counter(m["Level"] for m in matches)
            result["cfn_lint"] = {"errors": levels["Error"], "warnings": levels["Warning"],
                                  "rules": sorted({m["Rule"]["Id"] for m in matches})}
        except (ValueError, KeyError, TypeError):
            result["cfn_lint"] = {"error": (done.stderr or done.stdout)[-500:]}
    terraform = sorted((infra / "terraform").glob("*.tf"))
    try:
        import hcl2

        for path in terraform:
            hcl2.loads(path.read_text(encoding="utf-8"))
        result["terraform"] = {"files": len(terraform), "parsed": bool(terraform)}
    except Exception as exc:  # noqa: BLE001 - any parse failure is the finding
        result["terraform"] = {"files": len(terraform), "parsed": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    checkov = checkov_binary()
    if isinstance(checkov, str):
        result["checkov"] = {"error": checkov}
    else:
        result["checkov"] = {framework: run_checkov(checkov, framework, flag, place)
                             for framework, flag, place in (("cloudformation", "-f", template),
                                                            ("terraform", "-d", infra / "terraform"))}
    return result


def checkov_binary() -> Path | str:
    """checkov in its own venv of the tool's cache (as tests/test_infra_checkov.py builds it: it
    pins libraries older than ours); the reason when it cannot be installed."""
    import fcntl

    from migrator.cache import cache_dir

    venv = cache_dir("venvs") / f"checkov-{CHECKOV_VERSION}"
    done = venv / ".complete"  # written last: a half-built venv is rebuilt
    with _checkov_lock:
        venv.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{venv}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.is_file():
                shutil.rmtree(venv, ignore_errors=True)
                for command in ([sys.executable, "-m", "venv", str(venv)],
                                [str(venv / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"]):
                    built = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
                    if built.returncode != 0:
                        return f"checkov {CHECKOV_VERSION} could not be installed: {built.stderr[-300:]}"
                done.touch()
    return venv / "bin" / "checkov"


def run_checkov(checkov: Path, framework: str, flag: str, place: Path) -> dict:
    done = subprocess.run([str(checkov), flag, str(place), "--framework", framework, "--output", "json",
                           "--skip-download"], capture_output=True, text=True, check=False, timeout=900)
    try:
        report = json.loads(done.stdout)
        report = report[0] if isinstance(report, list) else report
        results = report.get("results") or {}
        failed = results.get("failed_checks", [])
        return {"failed": len(failed), "passed": len(results.get("passed_checks", [])),
                "skipped": len(results.get("skipped_checks", [])),
                "failed_checks": sorted({f"{c['check_id']} {c['resource']}" for c in failed})}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {"error": (done.stderr or done.stdout)[-500:]}


# -- one repository ----------------------------------------------------------------------------------


def run_repo(repo: Repo, targets: list[str], steps: list[str], args: argparse.Namespace, digest: str) -> dict:
    work = args.work / "runs"
    source = args.work / "src" / repo.slug
    marker = source / ".field-commit"
    if not (marker.is_file() and marker.read_text().strip() == repo.commit):
        git = git_dir(args.mirrors, repo)
        if git is None:
            return {"name": repo.name, "error": f"not fetched: fetch github:{repo.name} first"}
        missing = export(git, repo.commit, source)
        marker.write_text(repo.commit + "\n")
        (source.parent / f"{repo.slug}.missing.json").write_text(json.dumps(missing))
    missing_file = source.parent / f"{repo.slug}.missing.json"
    result: dict = {
        "name": repo.name, "commit": repo.commit, "era": repo.era,
        "py_files": len([p for p in python_files(source) if p != ".field-commit"]),
        "airflow_files": len(airflow_files(source)),
        "absent_blobs": json.loads(missing_file.read_text()) if missing_file.is_file() else [],
        "targets": {},
    }
    for target in targets:
        place = work / target / repo.slug
        place.mkdir(parents=True, exist_ok=True)
        outcome: dict = {}
        for step in steps:
            key = f"{repo.commit}:{digest}:{step}:{'verify' in steps}"
            if step == "aws-native":
                key += f":{AWS_NATIVE_SUMMARY}"
            cache = place / f"{step}.result.json"
            cached = None
            if not args.force and cache.is_file():
                cached = json.loads(cache.read_text(encoding="utf-8"))
                if cached.get("key") == key:
                    outcome[step] = cached["result"]
                    continue
            print(f"[field] {repo.name} {target} {step}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            if step == "scan":
                value = step_scan(source, target, place)
            elif step == "package":
                value = step_package(source, target, place)
            elif step == "fix":
                value = step_fix(source, target, place)
            elif step == "verify":
                value = step_verify(source, target, place)
            elif step == "aws-native":
                # a summary that changed re-reads the report of a migrate run by the same tool code
                same_run = cached is not None and cached.get("key", "").startswith(f"{repo.commit}:{digest}:{step}:")
                value = step_aws_native(source, target, place, outcome.get("scan", {}),
                                        reuse=cached["result"].get("run") if same_run else None)
            else:
                value = step_migrate(source, target, place, "verify" in steps)
            value["step_seconds"] = round(time.perf_counter() - started, 1)
            cache.write_text(json.dumps({"key": key, "result": value}, indent=1), encoding="utf-8")
            outcome[step] = value
        result["targets"][target] = outcome
    return result


# -- the tables ----------------------------------------------------------------------------------------


def _rc(run: dict | None) -> str:
    if not run:
        return "-"
    code = run["returncode"]
    return ("timeout" if code is None else str(code)) + (" TB" if run["traceback"] else "")


def row_facts(repo: dict, target: str) -> dict:
    outcome = repo["targets"].get(target, {})
    scan, package, fix = outcome.get("scan", {}), outcome.get("package", {}), outcome.get("fix", {})
    verify, migrate = outcome.get("verify", {}), outcome.get("migrate", {})
    scan_codes = {run["returncode"] for run in scan.get("runs", {}).values()}
    tracebacks = [name for name, run in [*((f"scan -f {f}", r) for f, r in scan.get("runs", {}).items()),
                                         ("package", package.get("run")), ("fix", fix.get("first")),
                                         ("fix (again)", fix.get("second")), ("verify", verify.get("run")),
                                         ("migrate", migrate.get("run"))] if run and run["traceback"]]
    def refused(code: int | None) -> bool:
        return code == 2

    agree = None
    if scan and package:
        agree = all(refused(c) == refused(package["run"]["returncode"]) for c in scan_codes)
    after = migrate.get("verify") or {}
    return {
        "scan_codes": sorted(c if c is not None else -1 for c in scan_codes),
        "tracebacks": tracebacks,
        "silent_empty": bool(scan) and scan.get("files_scanned", 0) == 0 and repo["airflow_files"] > 0
        and not any(refused(c) for c in scan_codes),
        "agree": agree,
        "fix_ok": (not fix.get("broken_files") and not fix.get("second_run_changed_files")) if fix else None,
        "before": (verify.get("loaded"), verify.get("files")) if "files" in verify else None,
        "after": (after.get("loaded"), after.get("files")) if "files" in after else None,
        "requirements_install": after.get("requirements_installed"),
        "requirement_repairs": after.get("requirement_repairs", []),
        "requirement_failures": after.get("requirement_failures", []),
        "causes": after.get("causes", {}),
    }


def render_markdown(results: dict) -> str:
    meta = results["meta"]
    lines = ["# Field results", "",
             (f"Made by `{meta['command']}` on {meta['date']} ({meta['machine']}); tool code "
              f"{meta['tool_digest']}, commit {meta['tool_commit']}. Per repository and target: exit codes "
              "of `scan` in the four formats and of `package` (2 = refused with a message), whether they "
              "agree on what the project is, `fix --apply` on a copy (every file that parsed still parses, "
              "a second run changes nothing), and the DAG files that load in real Airflow: before (the "
              "repository as it is, its own requirements) and after (`migrate --verify`: the bundle as "
              "MWAA loads it, its requirements installed). TB marks a traceback or exit 3."), ""]
    for target in meta["targets"]:
        lines += [f"## Target {target}", "",
                  ("| repository | era | .py importing airflow | files scanned | findings | per file | scan | "
                   "package | agree | fix | requirements install | load before | load after |"),
                  "|---|---|---:|---:|---:|---:|---|---|---|---|---|---:|---:|"]
        totals = Counter()
        causes = Counter()
        requirement_notes: list[str] = []
        for repo in results["repos"]:
            if "error" in repo:
                lines.append(f"| {repo['name']} | | | | | | {repo['error']} | | | | | | |")
                continue
            facts = row_facts(repo, target)
            outcome = repo["targets"].get(target, {})
            scan = outcome.get("scan", {})
            files, findings = scan.get("files_scanned", 0), scan.get("findings", 0)
            per_file = f"{findings / files:.1f}" if files else "-"
            before, after = facts["before"], facts["after"]
            causes.update(facts["causes"])
            for key, pair in (("before", before), ("after", after)):
                if pair:
                    totals[f"{key}_loaded"] += pair[0]
                    totals[f"{key}_files"] += pair[1]
            totals["tracebacks"] += len(facts["tracebacks"])
            totals["silent_empty"] += facts["silent_empty"]
            totals["disagree"] += facts["agree"] is False
            totals["fix_bad"] += facts["fix_ok"] is False
            totals["repos_with_requirements"] += facts["requirements_install"] is not None
            totals["requirements_install"] += facts["requirements_install"] is True
            failures = facts["requirement_failures"]
            totals["requirements_unreachable_only"] += bool(failures) and all(
                f["unreachable_host"] for f in failures)
            repairs = facts["requirement_repairs"]
            moved = sum(1 for _, replacement in repairs if replacement)
            totals["lines_moved"] += moved
            totals["lines_removed"] += len(repairs) - moved
            if repairs or failures:
                requirement_notes.append(
                    f"- {repo['name']}: " + "; ".join(
                        [f"`{line}` → " + (f"`{new}`" if new else "removed") for line, new in repairs]
                        + [f"`{f['requirement']}` does not install"
                           + (f" (needs {f['unreachable_host']}, which this machine cannot reach)"
                              if f["unreachable_host"] else "") for f in failures]))
            installs = _yes(facts["requirements_install"])
            if repairs:
                installs += f" ({moved} moved, {len(repairs) - moved} removed)"
            package = outcome.get("package", {})
            lines.append(
                f"| {repo['name']} | {repo['era']} | {repo['airflow_files']} | {files} | {findings} | {per_file} | "
                f"{'/'.join(map(str, facts['scan_codes'])) or '-'} | {_rc(package.get('run'))} | "
                f"{_yes(facts['agree'])} | {_yes(facts['fix_ok'])} | {installs} | "
                f"{_pair(before)} | {_pair(after)} |")
        lines += ["",
                  (f"Totals: DAG files loading {totals['before_loaded']} of {totals['before_files']} before, "
                   f"{totals['after_loaded']} of {totals['after_files']} after; bundle requirements install "
                   f"for {totals['requirements_install']} of {totals['repos_with_requirements']} repositories "
                   f"with requirements, and fail only on hosts this machine cannot reach for "
                   f"{totals['requirements_unreachable_only']} more (migrate moved {totals['lines_moved']} lines to a version that installs "
                   f"and removed {totals['lines_removed']} that install at no version); runs with a traceback or exit 3: {totals['tracebacks']}; silent empty "
                   f"scans: {totals['silent_empty']}; scan/package disagreements: {totals['disagree']}; "
                   f"fix runs that broke a file or were not idempotent: {totals['fix_bad']}."), ""]
        if requirement_notes:
            lines += ["The bundle's requirements lines migrate changed, and those that still do not install:",
                      "", *requirement_notes, ""]
        if causes:
            lines += ["Why the remaining DAG files do not load (after), by cause:", "",
                      "| cause | files |", "|---|---:|"]
            lines += [f"| {cause} | {count} |" for cause, count in causes.most_common()]
            lines.append("")
    lines += render_aws_native(results)
    return "\n".join(lines)


def _infra_cell(infra: dict | None) -> str:
    if not infra:
        return "-"
    lint = infra.get("cfn_lint", {})
    cells = ["cfn-lint " + (f"{lint['errors']} E / {lint['warnings']} W" if "errors" in lint else "**failed to run**")]
    terraform = infra.get("terraform", {})
    cells.append("hcl2 " + ("ok" if terraform.get("parsed") else "**no**"))
    checkov = infra.get("checkov", {})
    if "error" in checkov:
        cells.append("checkov not run (" + checkov["error"].split(":")[0] + ")")
    else:
        cells.append("checkov " + "/".join(f"{c['failed']} failed" if "failed" in c else "**error**"
                                           for c in (checkov.get("cloudformation", {}), checkov.get("terraform", {})))
                     + " (CFN/TF)")
    return ", ".join(cells)


def infra_passes(infra: dict | None) -> bool | None:
    """No cfn-lint error or warning, Terraform that parses, and no failed checkov check (None:
    not checked, or checkov could not run)."""
    if not infra:
        return None
    lint, checkov = infra.get("cfn_lint", {}), infra.get("checkov", {})
    if "errors" not in lint or "error" in checkov:
        return None
    runs = [checkov.get("cloudformation", {}), checkov.get("terraform", {})]
    if any("failed" not in run for run in runs):
        return None
    return (lint["errors"] == lint["warnings"] == 0 and bool(infra.get("terraform", {}).get("parsed"))
            and all(run["failed"] == 0 for run in runs))


AWS_NATIVE_INTRO = (
    "`migrate --aws-native --verify` on each repository whose scan has a Docker or pod task (MWA001, "
    "MWA002 findings of the scan before the fixes, one per task call; a project's own subclass of a "
    "Docker operator is flagged where it is defined too, which is not counted as a task). Rewritten: the findings the fix applied, by fix kind (every kind whose codemod is "
    "AWS-native). Not rewritten: the first clause of the reason the finding gives. Files: the project files "
    "holding a rewritten task, and of those Airflow parses as DAG files in the bundle, the ones that load "
    "(`migrate --verify`). Infra: cfn-lint on `infra/cloudformation.yaml` (errors / warnings), python-hcl2 "
    "on `infra/terraform/`, checkov's failed checks on both.")


def render_aws_native(results: dict) -> list[str]:
    """The section of results.md on ``migrate --aws-native``, a table per target ([] without the step)."""
    lines: list[str] = []
    for target in results["meta"]["targets"]:
        lines += _aws_native_target(results, target)
    return ["## AWS-native rewrites (migrate --aws-native)", "", AWS_NATIVE_INTRO, "", *lines] if lines else []


def _aws_native_target(results: dict, target: str) -> list[str]:
    rows, skipped = [], []
    for repo in results["repos"]:
        step = repo.get("targets", {}).get(target, {}).get("aws-native")
        if step is None:
            continue
        if "skipped" in step:
            skipped.append(f"{repo['name']} ({step['skipped']})")
        else:
            rows.append((repo["name"], step))
    if not rows and not skipped:
        return []
    lines = [f"### Target {target}", "",
             "| repository | container tasks | rewritten | not rewritten (top reasons) | files with a rewrite | of them loading | infra |",
             "|---|---:|---|---|---:|---:|---|"]
    totals: Counter = Counter()
    kinds: Counter = Counter()
    reasons: Counter = Counter()
    failing: list[str] = []
    for name, step in rows:
        if "container_tasks" not in step:
            lines.append(f"| {name} | | migrate exit {_rc(step.get('run'))} | | | | |")
            totals["crashed"] += 1
            continue
        kinds.update(step["rewritten"])
        reasons.update(step["not_rewritten_reasons"])
        files = len(step["rewritten_files"])
        totals.update({"tasks": step["container_tasks"], "left": step["not_rewritten"], "files": files,
                       "verified": step["verified"] or 0, "loading": step["loading"] or 0})
        passes = infra_passes(step.get("infra"))
        totals["infra_checked"] += passes is not None
        totals["infra_pass"] += passes is True
        top = "; ".join(f"{reason} {count}" for reason, count in list(step["not_rewritten_reasons"].items())[:3])
        more = len(step["not_rewritten_reasons"]) - 3
        rewritten = ", ".join(f"{kind} {count}" for kind, count in step["rewritten"].items()) or "0"
        loading = "-" if step["loading"] is None else f"{step['loading']}/{step['verified']}"
        if step["verified"] is not None and step["verified"] < files:
            loading += f" ({files - step['verified']} not parsed as DAG files)"
        lines.append(f"| {name} | {step['container_tasks']} | {rewritten} | {step['not_rewritten']}"
                     f"{': ' + top if top else ''}{f' (+{more} more)' if more > 0 else ''} | {files} | {loading} | "
                     f"{_infra_cell(step.get('infra'))} |")
        failing += [f"- {name}: `{path}`: {failure['cause']}: {failure['error']}"
                    for path, failure in step["not_loading"].items()]
    lines += ["", (f"Totals: {totals['tasks']} container tasks, {sum(kinds.values())} rewritten ("
                   + (", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "none")
                   + f"), {totals['left']} not rewritten; {totals['files']} files with a rewrite, "
                   f"{totals['loading']} of the {totals['verified']} loaded by verify load; infra passes "
                   f"cfn-lint, hcl2 and checkov for {totals['infra_pass']} of {totals['infra_checked']} "
                   f"repositories checked; migrate runs without a report: {totals['crashed']}."), ""]
    if skipped:
        lines += ["Not run: " + ", ".join(skipped) + ".", ""]
    if reasons:
        lines += ["Why tasks were not rewritten, over all repositories:", "", "| reason | tasks |", "|---|---:|"]
        lines += [f"| {reason} | {count} |" for reason, count in reasons.most_common()]
        lines.append("")
    if failing:
        lines += ["Files holding a rewritten task that do not load, with the cause verify gives:", "", *failing, ""]
    return lines


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "**no**")


def _pair(pair: tuple | None) -> str:
    return "-" if not pair or pair[1] is None else f"{pair[0]}/{pair[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS,
                        help="where `fetch` put the snapshots (<owner>+<name>/repo)")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "mwaa-migrator-field",
                        help="exports and per-step results (outside the repository)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.json and results.md")
    parser.add_argument("--repos", nargs="*", help="owner/name of the repositories to run (default: all)")
    parser.add_argument("--targets", nargs="*", default=list(TARGETS))
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS),
                        help=f"comma-separated subset of {','.join(STEPS)} (default: all but aws-native; "
                             "aws-native runs scan too)")
    parser.add_argument("--jobs", type=int, default=2, help="repositories run at once")
    parser.add_argument("--force", action="store_true", help="rerun steps whose results are cached")
    args = parser.parse_args(argv)
    asked = set(args.steps.split(","))
    if "aws-native" in asked:
        asked.add("scan")  # it runs only where the scan found a container task
    steps = [s for s in STEPS if s in asked]
    corpus = [r for r in load_corpus() if not args.repos or r.name in args.repos]
    (args.work / "src").mkdir(parents=True, exist_ok=True)
    # Each repository needs two requirements venvs per target (its own file, the bundle's): keep
    # them all between runs instead of the tool's default, so a rerun installs nothing again.
    # (aws-native: a third bundle per repository, whose requirements lose the Docker/Kubernetes ones)
    os.environ.setdefault("MWAA_MIGRATOR_KEEP_LAYERS", str((4 + 2 * ("aws-native" in steps)) * len(corpus)))
    digest = tool_digest()
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    started = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        repos = list(pool.map(lambda repo: run_repo(repo, args.targets, steps, args, digest), corpus))
    if tool_digest() != digest:
        # Each step runs the tool from this checkout: an edit during the run gave later steps
        # other code than earlier ones, and their results are no one version's.
        print(f"the tool's code changed during the run (digest {digest} at the start): its results mix "
              "versions and are not written; rerun on a checkout nobody edits", file=sys.stderr)
        return 1
    results = {
        "meta": {
            "command": "python bench/field/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d"), "tool_digest": digest, "tool_commit": commit,
            "machine": f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
                       f"Python {platform.python_version()}",
            "targets": args.targets, "steps": steps, "wall_seconds": round(time.perf_counter() - started),
        },
        "repos": repos,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(render_markdown(results), encoding="utf-8")
    print(render_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
