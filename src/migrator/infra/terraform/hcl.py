"""Writing HCL values deterministically: strings, ARNs with the partition interpolated, lists,
maps, comments, and the IAM policy statements and roles built from them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from migrator.infra.model import PLACEHOLDER, Statement

# Each template placeholder as a Terraform interpolation.
INTERPOLATION = {"partition": "${data.aws_partition.current.partition}",
                 "region": "${data.aws_region.current.name}",
                 "account": "${data.aws_caller_identity.current.account_id}",
                 "url_suffix": "${data.aws_partition.current.dns_suffix}",
                 "environment": "${var.environment_name}",
                 "bucket_arn": "${aws_s3_bucket.environment.arn}",
                 "task_execution_role_arn": "${aws_iam_role.ecs_task_execution.arn}",
                 "eks_cluster": "${var.eks_cluster_name}"}

TRUSTED_SERVICES = ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]  # UG mwaa-create-role


def _string(text: str) -> str:
    """An HCL string literal; ``${`` and ``%{`` of the text are escaped, not interpolated."""
    return json.dumps(text.replace("${", "$${").replace("%{", "%%{"))


def _arn(template: str) -> str:
    escaped = template.replace("${", "$${").replace("%{", "%%{")
    return json.dumps(PLACEHOLDER.sub(lambda m: INTERPOLATION[m.group(1)], escaped))


def _list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _comment(lines, indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in lines]


def policy_statement(statement: Statement) -> list[str]:
    lines = _comment(statement.comment, "  ") + ["  statement {",
                                                  f"    sid       = {_string(statement.sid)}",
                                                  f"    effect    = {_string(statement.effect)}",
                                                  f"    actions   = {_list([_string(a) for a in statement.actions])}"]
    if statement.resources:
        lines.append(f"    resources = {_list([_arn(r) for r in statement.resources])}")
    if statement.not_resources:
        lines.append(f"    not_resources = {_list([_arn(r) for r in statement.not_resources])}")
    for operator, tests in sorted((statement.condition or {}).items()):
        for key, values in sorted(tests.items()):
            lines += ["    condition {",
                      f"      test     = {_string(operator)}",
                      f"      variable = {_string(key)}",
                      f"      values   = {_list([_arn(v) for v in values])}",
                      "    }"]
    return lines + ["  }"]


def _skips(skips) -> list[str]:
    return [f"  #checkov:skip={check}:{reason}" for check, reason in skips]


def _assume_role(name: str, services: list[str]) -> list[str]:
    return [f'data "aws_iam_policy_document" "{name}" {{',
            "  statement {",
            '    actions = ["sts:AssumeRole"]',
            "    principals {",
            '      type        = "Service"',
            f"      identifiers = {_list([_string(s) for s in services])}",
            "    }",
            "  }",
            "}"]


def _role(name: str, assume: str, services: list[str], prefix: str, statements) -> list[str]:
    """A role ``name`` that ``services`` assume, with one inline policy of ``statements``."""
    lines = [*_assume_role(assume, services), "", f'data "aws_iam_policy_document" "{name}" {{']
    for statement in statements:
        lines += policy_statement(statement)
    return lines + ["}",
                    "",
                    f'resource "aws_iam_role" "{name}" {{',
                    f'  name_prefix        = "{prefix}-"',
                    f"  assume_role_policy = data.aws_iam_policy_document.{assume}.json",
                    "}",
                    "",
                    f'resource "aws_iam_role_policy" "{name}" {{',
                    f'  name   = "{prefix}"',
                    f"  role   = aws_iam_role.{name}.id",
                    f"  policy = data.aws_iam_policy_document.{name}.json",
                    "}"]


def _value(value, indent: str) -> str:
    """A Python value as an HCL expression (objects one entry a line); strings through ``_arn``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _arn(value)
    inner = indent + "  "
    if isinstance(value, list):
        return "[\n" + "".join(f"{inner}{_value(v, inner)},\n" for v in value) + f"{indent}]"
    return "{\n" + "".join(f"{inner}{_string(k)} = {_value(v, inner)}\n" for k, v in value.items()) + f"{indent}}}"


def _name(text: str) -> str:
    """A Terraform resource name: letters, digits, underscores and hyphens, a letter first."""
    return "task_" + re.sub(r"[^0-9A-Za-z_-]+", "_", text)


def _expression(value: list[str] | str) -> str:
    return value if isinstance(value, str) else _list(value)


def _map(values: Mapping[str, str], indent: str) -> list[str]:
    return ["{", *(f"{indent}  {_string(k)} = {_string(v)}" for k, v in sorted(values.items())), f"{indent}}}"]
