"""Operator signatures read from wheels (``signature_reader``, on small synthetic modules) and
what ``operator_signature`` answers from the checked-in data for real MWAA targets."""

from __future__ import annotations

from migrator.compat import operator_signature
from migrator.compat import signature_reader as sr
from migrator.compat.signatures import enum_members

OLD_SSH = '''
import warnings
from airflow.models import BaseOperator

class SSHOperator(BaseOperator):
    def __init__(self, *, command=None, timeout=None, conn_timeout=None, cmd_timeout=None, **kwargs):
        super().__init__(**kwargs)
        self.timeout = timeout
        self.conn_timeout = conn_timeout
        self.cmd_timeout = cmd_timeout
        if self.conn_timeout is None and self.timeout:
            self.conn_timeout = self.timeout
        if self.cmd_timeout is None:
            self.cmd_timeout = self.timeout if self.timeout else 10
        if self.timeout:
            warnings.warn("Parameter `timeout` is deprecated."
                          "Please use `conn_timeout` and `cmd_timeout` instead.", DeprecationWarning)
        if delimiter:
            warnings.warn("`delimiter` is deprecated, use `command`", DeprecationWarning)
'''


def test_renames_are_exact_only_when_the_old_value_is_handed_on():
    found = sr.module_classes(OLD_SSH.replace("command=None,", "command=None, delimiter=None,"),
                              "airflow/providers/ssh/operators/ssh.py")
    facts = found["deprecations"]["airflow.providers.ssh.operators.ssh.SSHOperator"]
    assert facts["renamed"] == {"timeout": ["conn_timeout", "cmd_timeout"]}
    assert facts["replaced"] == {"delimiter": ["command"]}  # advice, not the same value
    signature = found["classes"]["airflow.providers.ssh.operators.ssh.SSHOperator"]
    assert signature["bases"] == ["airflow.models.BaseOperator"]
    assert "closed" not in signature and "timeout" in signature["parameters"]


def test_dropped_value_renames_checked_values_and_enum_members():
    source = '''
import warnings
from airflow.utils.trigger_rule import TriggerRule
from .base import BaseOperator as _Base

class TriggerRule(str):
    ALWAYS = "always"

class PythonOperator(_Base):
    def __init__(self, *, python_callable, auto_remove="never", trigger_rule="all_success", **kwargs):
        if kwargs.get("provide_context"):
            warnings.warn("provide_context is deprecated as of 2.0 and is no longer required")
            kwargs.pop("provide_context", None)
        if isinstance(auto_remove, bool):
            warnings.warn("bool value for `auto_remove` is deprecated")
            auto_remove = "success" if auto_remove else "never"
        if auto_remove not in ("never", "success", "force"):
            raise ValueError("no")
        if trigger_rule == "dummy":
            warnings.warn("dummy Trigger Rule is deprecated.")
            trigger_rule = TriggerRule.ALWAYS
        super().__init__(**kwargs)

class NotAnOperatorHook:
    def __init__(self, a): ...
'''
    found = sr.module_classes(source, "airflow/operators/python.py")
    assert list(found["classes"]) == ["airflow.operators.python.PythonOperator"]
    signature = found["classes"]["airflow.operators.python.PythonOperator"]
    assert signature["bases"] == ["airflow.operators.base.BaseOperator"]
    assert signature["values"] == {"auto_remove": ["force", "never", "success"]}
    facts = found["deprecations"]["airflow.operators.python.PythonOperator"]
    assert facts["dropped"] == ["provide_context"]
    assert facts["value_renames"] == {"auto_remove": [[True, "success"], [False, "never"]],
                                      "trigger_rule": [["dummy", "\0TriggerRule.ALWAYS"]]}
    assert found["enums"] == {"airflow.operators.python.TriggerRule": {"ALWAYS": "always"}}


def test_re_exports_through_an_import_map_are_aliases():
    source = '''
_IMPORT_MAP = {"BaseOperator": ("airflow.sdk", "airflow.models.baseoperator"), "conf": "airflow.configuration"}
'''
    found = sr.module_classes(source, "airflow/providers/common/compat/sdk.py")
    assert found["aliases"] == {"airflow.providers.common.compat.sdk.BaseOperator":
                                ["airflow.sdk.BaseOperator", "airflow.models.baseoperator.BaseOperator"]}


def test_ssh_operator_on_each_target_rejects_timeout_and_knows_the_rename():
    for target in ("2.11.2", "3.3.1"):
        signature = operator_signature("airflow.contrib.operators.ssh_operator.SSHOperator", target)
        assert signature is not None, target
        assert signature.qualname == "airflow.providers.ssh.operators.ssh.SSHOperator"
        assert "cmd_timeout" in signature.accepted and "task_id" in signature.accepted
        assert "timeout" not in signature.accepted
        assert signature.renamed["timeout"] == ("conn_timeout", "cmd_timeout")


def test_python_operator_subclasses_inherit_the_dropped_provide_context():
    signature = operator_signature("airflow.operators.python_operator.ShortCircuitOperator", "3.3.1")
    assert signature is not None and signature.source.startswith("apache-airflow-providers-standard==")
    assert "provide_context" not in signature.accepted and "python_callable" in signature.accepted
    assert "provide_context" in signature.dropped
    branch = operator_signature("airflow.operators.python.BranchPythonOperator", "2.11.2")
    assert branch is not None and "provide_context" in branch.dropped


def test_docker_auto_remove_values_and_trigger_rule_members():
    signature = operator_signature("airflow.providers.docker.operators.docker.DockerOperator", "3.3.1")
    assert signature.values["auto_remove"] == ("force", "never", "success")
    assert dict(signature.value_renames["auto_remove"]) == {True: "success", False: "never"}
    assert dict(signature.value_renames["trigger_rule"])["none_failed_or_skipped"] == "none_failed_min_one_success"
    assert "NONE_FAILED_OR_SKIPPED" not in enum_members("TriggerRule", "3.3.1")
    assert enum_members("TriggerRule", "2.11.2")["NONE_FAILED_OR_SKIPPED"] == "none_failed_or_skipped"


def test_classes_the_data_cannot_follow_have_no_signature():
    assert operator_signature("acme.operators.CustomOperator", "3.3.1") is None
    assert operator_signature("airflow.providers.ssh.operators.ssh.NoSuchOperator", "3.3.1") is None


def test_the_tables_kept_in_the_tool_cache_are_the_knowledge_bases(tmp_path, monkeypatch):
    # Read from dozens of files once, then from the tool's cache until the knowledge base changes.
    from migrator.compat import get_version, signatures

    from migrator import cache

    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path))
    target = get_version("3.3.1")
    built = signatures._TargetSignatures(target)
    for cached in (signatures._signatures, signatures._deprecations):
        monkeypatch.setattr(signatures, cached.__name__, cached.__wrapped__)  # past the process's own cache
    first, second = signatures._signatures(target), signatures._signatures(target)
    assert (tmp_path / "signatures-3.3.1.pickle").is_file() and first is not second
    assert vars(second) == vars(first) == vars(built)
    assert signatures._deprecations(target) == signatures._target_deprecations(target)
    assert (tmp_path / "deprecations-3.3.1.pickle").is_file()


def test_the_resolvers_target_data_kept_in_the_tool_cache_is_the_knowledge_bases(tmp_path, monkeypatch):
    from migrator.compat import get_version, target_data

    from migrator import cache

    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path))
    target = get_version("2.11.2")
    monkeypatch.setattr(target_data, "target_data", target_data.target_data.__wrapped__)
    first, second = target_data.target_data(target), target_data.target_data(target)
    assert (tmp_path / "target-data-2.11.2.pickle").is_file() and first is not second
    assert vars(second) == vars(first) == vars(target_data.TargetData(target))
