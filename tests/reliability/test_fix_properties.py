"""Fix safety, as properties: generated modules go through every codemod via ``migrator.fix``.

Two generators feed a temporary project that ``plan_fixes`` + ``apply_plan`` fix:

* Airflow DAG modules assembled from the legacy constructs the codemods rewrite (moved imports
  in every import form, schedule_interval / concurrency / task_concurrency / provide_context in
  calls and default_args, days_ago, DummyOperator, PostgresOperator, @apply_defaults, context
  keys in subscripts, .get() and Jinja, Airflow's VolumeMount and Volume, ``dag >> task``, a
  LoggingMixin subclass before an operator's base, a mixin with a required argument after it, an unused removed name, a Databricks payload read),
  interleaved with filler lines, in UTF-8 or latin-1 (with a coding cookie), with or without a
  BOM, with LF or CRLF newlines and any indentation;
* arbitrary Python modules from hypothesmith, followed by a few legacy lines.

For every example: the fixed file parses, a second fix is a no-op, every filler line (all the
code outside the edits) is still there byte for byte and in order, the BOM, encoding and
newline style are kept. Across the DAG examples every codemod kind must have been applied.

Example counts are modest so the suite stays fast; ``derandomize`` makes CI deterministic.
"""

from __future__ import annotations

import ast
import tempfile
from collections import Counter
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migrator.compat import get_version

from migrator import codemods
from migrator.config import load_settings
from migrator.findings import FixSafety
from migrator.fix import apply_plan, effective_safety, plan_fixes

DAG_EXAMPLES = 100
HYPOTHESMITH_EXAMPLES = 60
TARGETS = ("3.3.1", "2.11.2")
PROPERTY_SETTINGS = settings(derandomize=True, database=None, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                    HealthCheck.filter_too_much])

# -- the DAG module generator -----------------------------------------------------------------------

# name -> (import line, how the code refers to the imported object)
IMPORT_FORMS = {
    "bash": [("from airflow.operators.bash_operator import BashOperator", "BashOperator"),
             ("from airflow.operators.bash_operator import BashOperator as Bash", "Bash"),
             ("import airflow.operators.bash_operator as bash_mod", "bash_mod.BashOperator"),
             ("import airflow.operators.bash_operator", "airflow.operators.bash_operator.BashOperator")],
    "python": [("from airflow.operators.python_operator import PythonOperator", "PythonOperator"),
               ("import airflow.operators.python_operator as po", "po.PythonOperator")],
    "dummy": [("from airflow.operators.dummy_operator import DummyOperator", "DummyOperator"),
              ("from airflow.operators.dummy import DummyOperator", "DummyOperator")],
    "postgres": [("from airflow.operators.postgres_operator import PostgresOperator", "PostgresOperator")],
    "mount": [("from airflow.kubernetes.volume_mount import VolumeMount", "VolumeMount"),
              ("from airflow.contrib.kubernetes.volume_mount import VolumeMount as Mount", "Mount")],
    "volume": [("from airflow.kubernetes.volume import Volume", "Volume")],
    "subdag": [("from airflow.operators.subdag_operator import SubDagOperator", "SubDagOperator")],
    "days_ago": [("from airflow.utils.dates import days_ago", "days_ago"),
                 ("from airflow.utils import dates", "dates.days_ago")],
    "dag": [("from airflow import DAG", "DAG"), ("from airflow.models import DAG", "DAG")],
}
CONTEXT_READS = ['context["execution_date"]', 'context.get("next_ds")', 'context["tomorrow_ds"]',
                 'context["prev_execution_date"]', 'context.get("yesterday_ds_nodash")']
JINJA = ["{{ execution_date }}", "{{ ds }}", "{{ next_execution_date.isoformat() }}", "{{ prev_ds }}"]


class Module:
    """Lines of a generated module; ``keep`` marks filler lines no fix may touch."""

    def __init__(self, indent: str) -> None:
        self.indent = indent
        self.lines: list[tuple[str, bool]] = []
        self.filler = 0

    def add(self, text: str, depth: int = 0, keep: bool = False) -> None:
        self.lines.append((self.indent * depth + text, keep))

    def fill(self, draw, depth: int = 0) -> None:
        for _ in range(draw(st.integers(0, 2))):
            self.filler += 1
            text = draw(st.sampled_from([f"keep_{self.filler} = {self.filler}  # filler",
                                         f"# filler comment {self.filler}: café",
                                         f"keep_{self.filler} = ('a',  'b' )  # odd spacing",
                                         ""]))
            self.add(text, depth, keep=bool(text))


@st.composite
def dag_modules(draw):
    """(source text, filler lines, encoding, BOM, newline) of one legacy DAG module."""
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    bom = encoding == "utf-8" and draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    module = Module(indent)
    if encoding == "latin-1":
        module.add("# -*- coding: latin-1 -*-", keep=True)
    module.add('"""A generated DAG module."""', keep=True)
    forms = {name: draw(st.sampled_from(options)) for name, options in IMPORT_FORMS.items()}
    used = draw(st.sets(st.sampled_from(["bash", "python", "dummy", "postgres", "mount", "volume", "subdag"]),
                        min_size=1))
    imports = [forms["dag"][0], forms["days_ago"][0]] + [forms[name][0] for name in sorted(used)]
    custom = draw(st.booleans())
    if custom:
        imports += ["from airflow.utils.decorators import apply_defaults",
                    "from airflow.models import BaseOperator"]
    for line in draw(st.permutations(imports)):
        module.add(line)
    module.add("")
    module.fill(draw)
    days = draw(st.integers(0, 5))
    keys = {"owner": '"data"', "start_date": f"{forms['days_ago'][1]}({days})", "retries": "1"}
    for key, value in (("provide_context", "True"), ("task_concurrency", "2"),
                       ("trigger_rule", "\"none_failed_or_skipped\"")):
        if draw(st.booleans()):
            keys[key] = value
    if draw(st.booleans()):
        module.add("default_args = {" + ", ".join(f'"{k}": {v}' for k, v in keys.items()) + "}")
    else:
        module.add("default_args = {")
        for key, value in keys.items():
            module.add(f'"{key}": {value},', 1)
        module.add("}")
    module.fill(draw)
    callbacks = draw(st.lists(st.sampled_from(CONTEXT_READS), min_size=1, max_size=3))
    for number, read in enumerate(callbacks):
        module.add(f"def callback_{number}(**context):")
        module.fill(draw, 1)
        module.add(f"return {read}", 1)
        module.add("")
    if custom:
        module.add("class CustomOperator(BaseOperator):")
        module.add("@apply_defaults", 1)
        module.add("def __init__(self, **kwargs):", 1)
        module.fill(draw, 2)
        module.add("super().__init__(**kwargs)", 2)
        module.add("def execute(self, context):", 1)
        module.add(f"return {draw(st.sampled_from(CONTEXT_READS))}", 2)
        module.add("")
    if "subdag" in used:
        module.add("def make_subdag(parent_dag_id, child_id, args):")
        module.add(f'sub = {forms["dag"][1]}(dag_id="{{}}.{{}}".format(parent_dag_id, child_id), default_args=args)', 1)
        if "dummy" in used:
            module.add(f'{forms["dummy"][1]}(task_id="inner", dag=sub)', 1)
        module.add("return sub", 1)
        module.add("")
    dag_args = ['"generated"', "default_args=default_args"]
    if draw(st.booleans()):
        dag_args.append('schedule_interval="@daily"')
    if draw(st.booleans()):
        dag_args.append("concurrency=4")
    use_with = draw(st.booleans())
    depth = 1 if use_with else 0
    if use_with:
        module.add(f"with {forms['dag'][1]}({', '.join(dag_args)}) as dag:")
    else:
        module.add(f"dag = {forms['dag'][1]}({', '.join(dag_args)})")
    dag_kw = "" if use_with else ", dag=dag"
    tasks = draw(st.lists(st.sampled_from(sorted(used | ({"custom"} if custom else set()))),
                          min_size=1, max_size=4))
    for number, kind in enumerate(tasks):
        module.fill(draw, depth)
        task = f'task_{number} = '
        if kind == "bash":
            extra = ", task_concurrency=2" if draw(st.booleans()) else ""
            task += (f'{forms["bash"][1]}(task_id="t{number}", '
                     f'bash_command="echo {draw(st.sampled_from(JINJA))}"{extra}{dag_kw})')
        elif kind == "python":
            extra = ", provide_context=True" if draw(st.booleans()) else ""
            task += (f'{forms["python"][1]}(task_id="t{number}", '
                     f'python_callable=callback_{number % len(callbacks)}{extra}{dag_kw})')
        elif kind == "dummy":
            task += f'{forms["dummy"][1]}(task_id="t{number}"{dag_kw})'
        elif kind == "subdag":
            task += f'{forms["subdag"][1]}(task_id="t{number}", subdag=make_subdag("generated", "t{number}", default_args){dag_kw})'
        elif kind == "postgres":
            task += f'{forms["postgres"][1]}(task_id="t{number}", postgres_conn_id="pg", sql="select 1"{dag_kw})'
        elif kind == "mount":
            task += f'{forms["mount"][1]}("data", mount_path="/data", sub_path=None, read_only=True)'
        elif kind == "volume":
            task += f'{forms["volume"][1]}(name="data", configs={{"persistentVolumeClaim": {{"claimName": "c{number}"}}}})'
        else:
            task += f'CustomOperator(task_id="t{number}"{dag_kw})'
        module.add(task, depth)
    if not use_with and tasks[0] not in ("mount", "volume") and draw(st.booleans()):
        module.add("dag >> task_0")  # Airflow 1.10's DAG assignment (API017)
    module.fill(draw, depth)
    # Drawn last, so the modules drawn before it stay as they were (derandomized): a class only
    # tested against, imported at the end of the module (guard-removed-import on Airflow 3).
    if draw(st.booleans()):
        module.add("from airflow.operators.subdag import SubDagOperator as SubDagType")
        module.add("def is_subdag(task):")
        module.add("return isinstance(task, SubDagType)", 1)
    # Drawn after it for the same reason: an operator whose LoggingMixin subclass comes before
    # its base (append-base on Airflow 3).
    if draw(st.booleans()):
        module.add("from airflow.models import BaseOperator as OperatorBase")
        module.add("from airflow.utils.log.logging_mixin import LoggingMixin")
        module.add("class RetryMixin(LoggingMixin):")
        module.add("def __init__(self, *args, **kwargs):", 1)
        module.add("super().__init__(*args, **kwargs)", 2)
        module.add("class RetryingOperator(RetryMixin, OperatorBase):")
        module.add("pass", 1)
    # Drawn after it for the same reason: an operator whose mixin with a required __init__
    # argument comes after its base (end-init-chain on Airflow 3).
    if draw(st.booleans()):
        module.add("from airflow.models import BaseOperator as AlertingBase")
        module.add("class AlertingMixin:")
        module.add("def __init__(self, configuration):", 1)
        module.add("self.configuration = configuration", 2)
        module.add("class AlertingOperator(AlertingBase, AlertingMixin):")
        module.add("def __init__(self, configuration, **kwargs):", 1)
        module.add("AlertingMixin.__init__(self, configuration)", 2)
        module.add("AlertingBase.__init__(self, **kwargs)", 2)
    # Drawn after it for the same reason: a Databricks operator's payload read while parsed,
    # which the provider 3.3.1 pins fills only in execute() (payload-read on Airflow 3).
    if draw(st.booleans()):
        module.add("from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator")
        module.add('run_now = DatabricksRunNowOperator(task_id="run_now", job_id=42)')
        module.add('run_job_id = run_now.json["job_id"]')
    # Drawn after it for the same reason: a removed name imported and never used
    # (remove-unused-import on Airflow 3), among the module's first imports (a comment right
    # above a removed import goes with it, by design).
    if draw(st.booleans()):
        first_import = next(i for i, (line, _) in enumerate(module.lines) if line.startswith("from airflow"))
        module.lines.insert(first_import + 1, ("from airflow.utils.dates import round_time", False))
    # Drawn after it for the same reason: a Docker task and a pod task ECS Fargate can run
    # (docker-to-ecs, pod-to-ecs, with --unsafe; the pod's Kubernetes model import goes with
    # it), a pod with node placement that runs on EKS (pod-to-eks) and a removed private helper
    # (define-removed-helper). One draw for all: another draw would change which modules the
    # fixed budget reaches.
    if draw(st.booleans()):
        module.add("from airflow.providers.docker.operators.docker import DockerOperator")
        module.add('container = DockerOperator(task_id="container", image="acme/etl:1", command="run {{ ds }}",')
        module.add('auto_remove="force", retries=1)', 1)
        module.add("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator")
        module.add("from kubernetes.client import models as k8s")
        module.add('pod = KubernetesPodOperator(task_id="pod", name="pod", image="acme/etl:1", cmds=["run"],')
        module.add('env_vars=[k8s.V1EnvVar(name="DAY", value="{{ ds }}")], in_cluster=True)', 1)
        module.add('trainer = KubernetesPodOperator(task_id="trainer", name="trainer", image="acme/train:1",')
        module.add('affinity={}, in_cluster=True)', 1)
        # And a private helper of 1.10's SFTP operator that no release keeps, called by the
        # module (define-removed-helper, with --unsafe).
        module.add("from airflow.contrib.operators.sftp_operator import _make_intermediate_dirs")
        module.add("def make_upload_dirs(sftp_client):")
        module.add('_make_intermediate_dirs(sftp_client, "/upload/{{ ds }}")', 1)
    text = newline.join(line for line, _ in module.lines) + newline
    filler = [line for line, keep in module.lines if keep]
    return text, filler, encoding, bom, newline


# -- running the fix -----------------------------------------------------------------------------------


def fix_module(data: bytes, target: str, unsafe: bool) -> tuple[bytes, object, object]:
    """Fix one module in a fresh project; (new bytes, first plan, second plan)."""
    with tempfile.TemporaryDirectory(prefix="fix-property-") as folder:
        root = Path(folder)
        (root / "dags").mkdir()
        (root / "dags" / "generated.py").write_bytes(data)
        project = load_settings(root)
        mwaa = get_version(target)
        first = plan_fixes(root, project, mwaa, unsafe=unsafe, jobs=1, use_cache=False)
        apply_plan(root, first)
        new = (root / "dags" / "generated.py").read_bytes()
        second = plan_fixes(root, project, mwaa, unsafe=unsafe, jobs=1, use_cache=False)
        return new, first, second


def applied_kinds(plan, unsafe: bool) -> Counter[str]:
    remaining = {f.fingerprint for f in plan.remaining}
    kinds: Counter[str] = Counter()
    for finding in plan.scan.all_findings:  # absorbed ones too: their fixes apply
        eligible = effective_safety(finding) is FixSafety.SAFE or (
            unsafe and effective_safety(finding) is FixSafety.UNSAFE)
        if finding.fix is not None and eligible and finding.fingerprint not in remaining:
            kinds[finding.fix.kind] += 1
    return kinds


def assert_is_subsequence(kept: list[str], lines: list[str]) -> None:
    position = 0
    for line in kept:
        try:
            position = lines.index(line, position) + 1
        except ValueError:
            raise AssertionError(f"line changed or moved by the fix: {line!r}\n" + "".join(lines)) from None


def decode(data: bytes, encoding: str, bom: bool) -> str:
    assert data.startswith(b"\xef\xbb\xbf") == bom
    return (data[3:] if bom else data).decode(encoding)


# -- the properties --------------------------------------------------------------------------------


def test_generated_dag_modules_fix_safely_and_reach_every_codemod():
    seen: Counter[str] = Counter()

    @settings(PROPERTY_SETTINGS, max_examples=DAG_EXAMPLES)
    @given(dag_modules(), st.sampled_from(TARGETS), st.booleans())
    def check(module, target, unsafe):
        text, filler, encoding, bom, newline = module
        data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
        ast.parse(data)  # the generator writes valid modules
        new, first, second = fix_module(data, target, unsafe)
        ast.parse(new)
        assert second.files == {}, second.diff()  # a second run changes nothing
        new_text = decode(new, encoding, bom)
        if newline == "\r\n":
            assert new.count(b"\n") == new.count(b"\r\n"), "a bare LF in a CRLF file"
        assert_is_subsequence([line + newline for line in filler],
                              new_text.splitlines(keepends=True))
        if first.files:
            seen.update(applied_kinds(first, unsafe))

    check()
    assert set(codemods.FIX_TYPES) <= set(seen), seen


HYPOTHESMITH_TAIL = ("from airflow.operators.bash_operator import BashOperator\n"
                     "legacy_task = BashOperator(task_id='legacy', bash_command='echo {{ execution_date }}',"
                     " task_concurrency=1)\n")


@settings(PROPERTY_SETTINGS, max_examples=HYPOTHESMITH_EXAMPLES)
@given(hypothesmith.from_node(), st.sampled_from(TARGETS))
def test_arbitrary_python_is_left_byte_identical_around_the_fixed_lines(source, target):
    """Whatever code a module holds, the fix edits only the legacy lines appended to it."""
    prefix = source if source.endswith("\n") else source + "\n"
    data = (prefix + HYPOTHESMITH_TAIL).encode("utf-8")
    try:
        ast.parse(data)
    except SyntaxError:
        return  # e.g. a __future__ import the tail cannot follow; nothing to fix then
    new, _first, second = fix_module(data, target, unsafe=True)
    ast.parse(new)
    assert second.files == {}, second.diff()
    assert new.startswith(prefix.encode("utf-8")), new[:2000]
    assert new != data  # the tail's legacy import was fixed


@settings(PROPERTY_SETTINGS, max_examples=HYPOTHESMITH_EXAMPLES)
@given(hypothesmith.from_node())
def test_arbitrary_python_without_airflow_is_never_changed(source):
    data = source.encode("utf-8")
    new, first, second = fix_module(data, TARGETS[0], unsafe=True)
    assert new == data and first.files == {} and second.files == {}
