"""The environment as a Terraform module (``main.tf``, ``variables.tf``, ``outputs.tf``), the
same resources as the CloudFormation template, with a comment above each policy statement
naming the files that need it. Deterministic: the same ``EnvironmentSpec`` gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from migrator import __version__
from migrator.bundle import DAGS
from migrator.compat.aws_native import docker_to_ecs, pod_to_eks
from migrator.infra.model import (
    ECS_TASKS_TRUST,
    INCOMPLETE_UPLOAD_DAYS,
    LOG_LEVELS,
    NAME_PATTERN,
    PLACEHOLDER,
    PLUGINS,
    REQUIREMENTS,
    STARTUP,
    WEBSERVER_ACCESS_MODES,
    EnvironmentSpec,
    Statement,
    resource_names,
)
from migrator.infra.skips import (
    BUCKET_SKIPS,
    LOG_GROUP_SKIPS,
    REPOSITORY_SKIPS,
    TASK_DEFINITION_SKIPS,
    VPC_SKIPS,
    ZONES_SKIPS,
)

# Each template placeholder as a Terraform interpolation.
INTERPOLATION = {"partition": "${data.aws_partition.current.partition}",
                 "region": "${data.aws_region.current.name}",
                 "account": "${data.aws_caller_identity.current.account_id}",
                 "url_suffix": "${data.aws_partition.current.dns_suffix}",
                 "environment": "${var.environment_name}",
                 "bucket_arn": "${aws_s3_bucket.environment.arn}",
                 "task_execution_role_arn": "${aws_iam_role.ecs_task_execution.arn}",
                 "eks_cluster": "${var.eks_cluster_name}"}

# Bundle file -> (its path argument, its object version argument, also the version's variable).
OBJECT_ARGUMENTS = {
    PLUGINS: ("plugins_s3_path", "plugins_s3_object_version"),
    REQUIREMENTS: ("requirements_s3_path", "requirements_s3_object_version"),
    STARTUP: ("startup_script_s3_path", "startup_script_s3_object_version"),
}
TRUSTED_SERVICES = ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]  # UG mwaa-create-role
# Terraform's names of the log types (aws_mwaa_environment logging_configuration blocks).
LOG_BLOCKS = {"DagProcessingLogs": "dag_processing_logs", "SchedulerLogs": "scheduler_logs",
              "TaskLogs": "task_logs", "WebserverLogs": "webserver_logs", "WorkerLogs": "worker_logs"}
PROVIDER_VERSION = ">= 5.0"


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


def container_resources(spec: EnvironmentSpec) -> list[str]:
    """The ECS cluster, and per task definition its log group, ECR repository (a private
    registry's image) and the task definition, with the task execution role they share."""
    if not spec.container_tasks:
        return []
    facts = docker_to_ecs()
    names = resource_names(spec.container_tasks)
    lines = ["",
             'resource "aws_ecs_cluster" "tasks" {',
             f"  name = {_string(spec.ecs_cluster)}",
             "  setting {",
             '    name  = "containerInsights"',
             '    value = "enabled"',
             "  }",
             "}",
             "",
             *_role("ecs_task_execution", "ecs_task_assume", [ECS_TASKS_TRUST], "ecs-task-execution",
                    spec.task_execution_statements)]
    for repository in spec.ecr_repositories:
        lines += ["",
                  f'resource "aws_ecr_repository" {_string(_name(repository))} {{',
                  *_skips(REPOSITORY_SKIPS),
                  f"  name                 = {_string(repository)}",
                  '  image_tag_mutability = "MUTABLE"',
                  "  image_scanning_configuration {",
                  "    scan_on_push = true",
                  "  }",
                  "}"]
    for task in spec.container_tasks:
        name = _name(names[task.family])
        container = {"name": task.family, "image": task.image_uri, "essential": True,
                     "logConfiguration": {"logDriver": "awslogs", "options": {
                         "awslogs-group": task.log_group, "awslogs-region": "{region}",
                         "awslogs-stream-prefix": facts.log_stream_prefix}}}
        lines += ["",
                  f'resource "aws_cloudwatch_log_group" "{name}" {{',
                  *_skips(LOG_GROUP_SKIPS),
                  f"  name              = {_string(task.log_group)}",
                  f"  retention_in_days = {facts.log_retention_days}",
                  "}",
                  "",
                  f'resource "aws_ecs_task_definition" "{name}" {{',
                  *_skips(TASK_DEFINITION_SKIPS),
                  f"  family                   = {_string(task.family)}",
                  f"  requires_compatibilities = [{_string(facts.launch_type)}]",
                  '  network_mode             = "awsvpc"',
                  f"  cpu                      = {_string(str(task.cpu))}",
                  f"  memory                   = {_string(str(task.memory))}",
                  "  execution_role_arn       = aws_iam_role.ecs_task_execution.arn",
                  f"  container_definitions    = jsonencode({_value([container], '  ')})",
                  f"  depends_on               = [aws_cloudwatch_log_group.{name}]",
                  "}"]
    return lines


SUBNETS = ("aws_subnet.private_1.id", "aws_subnet.private_2.id")
SECURITY_GROUP = "aws_security_group.environment.id"


def eks_resources(spec: EnvironmentSpec) -> list[str]:
    """The execution role's access entry on the EKS cluster, with the edit policy on the pod
    tasks' namespaces only."""
    if spec.eks is None or not spec.eks.namespaces:
        return []
    return ["",
            f"# EksPodOperator tasks start pods in these namespaces: {', '.join(spec.eks.files)}",
            'resource "aws_eks_access_entry" "execution" {',
            "  cluster_name  = var.eks_cluster_name",
            "  principal_arn = aws_iam_role.execution.arn",
            '  type          = "STANDARD"',
            "}",
            "",
            'resource "aws_eks_access_policy_association" "execution" {',
            "  cluster_name  = var.eks_cluster_name",
            "  principal_arn = aws_iam_role.execution.arn",
            f"  policy_arn    = {_arn(spec.eks.policy)}",
            "  access_scope {",
            '    type       = "namespace"',
            f"    namespaces = {_list([_string(n) for n in spec.eks.namespaces])}",
            "  }",
            "  depends_on = [aws_eks_access_entry.execution]",
            "}"]


def network(spec: EnvironmentSpec) -> tuple[list[str], list[str]] | tuple[str, str]:
    """The subnets and security groups (HCL expressions): the created VPC's, or the variables'."""
    if spec.vpc is None:
        return "var.subnet_ids", "var.security_group_ids"
    return list(SUBNETS), [SECURITY_GROUP]


def vpc_resources(spec: EnvironmentSpec) -> list[str]:
    """A VPC with no internet route: two private subnets in two Availability Zones, a security
    group open to itself (MWAA UG vpc-security), and the endpoints through which AWS is reached."""
    vpc = spec.vpc
    if vpc is None:
        return []
    lines = ["",
             'data "aws_availability_zones" "available" {',
             *_skips(ZONES_SKIPS),
             '  state = "available"',
             "}",
             "",
             'resource "aws_vpc" "this" {',
             *_skips(VPC_SKIPS),
             f"  cidr_block           = {_string(vpc.cidr)}",
             "  enable_dns_hostnames = true",
             "  enable_dns_support   = true",
             "}",
             "",
             "# No rules: nothing uses the VPC's default security group.",
             'resource "aws_default_security_group" "this" {',
             "  vpc_id = aws_vpc.this.id",
             "}",
             "",
             'resource "aws_route_table" "private" {',
             "  vpc_id = aws_vpc.this.id",
             "}"]
    for index, cidr in enumerate(vpc.subnet_cidrs):
        name = SUBNETS[index].split(".")[1]
        lines += ["",
                  f'resource "aws_subnet" "{name}" {{',
                  "  vpc_id                  = aws_vpc.this.id",
                  f"  cidr_block              = {_string(cidr)}",
                  f"  availability_zone       = data.aws_availability_zones.available.names[{index}]",
                  "  map_public_ip_on_launch = false",
                  "}",
                  "",
                  f'resource "aws_route_table_association" "{name}" {{',
                  f"  subnet_id      = aws_subnet.{name}.id",
                  "  route_table_id = aws_route_table.private.id",
                  "}"]
    lines += ["",
              'resource "aws_security_group" "environment" {',
              '  name_prefix = "mwaa-"',
              '  description = "MWAA environment, its VPC endpoints and ECS tasks"',
              "  vpc_id      = aws_vpc.this.id",
              "  ingress {",
              '    description = "members of the group reach each other (MWAA needs it)"',
              '    protocol    = "-1"',
              "    from_port   = 0",
              "    to_port     = 0",
              "    self        = true",
              "  }",
              "  egress {",
              '    description = "to the other members of the group"',
              '    protocol    = "-1"',
              "    from_port   = 0",
              "    to_port     = 0",
              "    self        = true",
              "  }",
              "  egress {",
              '    description = "HTTPS to AWS through the endpoints (no route to the internet)"',
              '    protocol    = "tcp"',
              "    from_port   = 443",
              "    to_port     = 443",
              '    cidr_blocks = ["0.0.0.0/0"]',
              "  }",
              "}"]
    for endpoint in vpc.endpoints:
        lines += ["",
                  f"# {endpoint.why}",
                  f'resource "aws_vpc_endpoint" "{endpoint_name(endpoint.suffix)}" {{',
                  "  vpc_id            = aws_vpc.this.id",
                  f'  service_name      = "com.amazonaws.${{data.aws_region.current.name}}.{endpoint.suffix}"',
                  f"  vpc_endpoint_type = {_string(endpoint.type)}"]
        if endpoint.type == "Gateway":
            lines.append("  route_table_ids   = [aws_route_table.private.id]")
        else:
            lines += ["  private_dns_enabled = true",
                      f"  subnet_ids          = {_list(list(SUBNETS))}",
                      f"  security_group_ids  = [{SECURITY_GROUP}]"]
        lines.append("}")
    return lines


def endpoint_name(suffix: str) -> str:
    return "endpoint_" + suffix.replace(".", "_")


def _name(text: str) -> str:
    """A Terraform resource name: letters, digits, underscores and hyphens, a letter first."""
    return "task_" + re.sub(r"[^0-9A-Za-z_-]+", "_", text)


def _expression(value: list[str] | str) -> str:
    return value if isinstance(value, str) else _list(value)


def _map(values: Mapping[str, str], indent: str) -> list[str]:
    return ["{", *(f"{indent}  {_string(k)} = {_string(v)}" for k, v in sorted(values.items())), f"{indent}}}"]


def main_tf(spec: EnvironmentSpec) -> str:
    lines = [(f"# Generated by mwaa-migrator {__version__}: the MWAA environment, its bucket and its "
             "least-privilege execution role."),
             *(f"# To do by hand: {note}" for note in spec.notes),
             "",
             "terraform {",
             "  required_providers {",
             f"    aws = {{ source = \"hashicorp/aws\", version = {_string(PROVIDER_VERSION)} }}",
             "  }",
             "}",
             "",
             'data "aws_partition" "current" {}',
             'data "aws_region" "current" {}',
             'data "aws_caller_identity" "current" {}',
             "",
             'resource "aws_s3_bucket" "environment" {',
             *_skips(BUCKET_SKIPS),
             '  bucket_prefix = "airflow-"',
             "}",
             "",
             'resource "aws_s3_bucket_versioning" "environment" {',
             "  bucket = aws_s3_bucket.environment.id",
             "  versioning_configuration {",
             '    status = "Enabled"',
             "  }",
             "}",
             "",
             'resource "aws_s3_bucket_lifecycle_configuration" "environment" {',
             "  bucket = aws_s3_bucket.environment.id",
             "  rule {",
             '    id     = "abort-incomplete-uploads"',
             '    status = "Enabled"',
             "    filter {}",
             "    abort_incomplete_multipart_upload {",
             f"      days_after_initiation = {INCOMPLETE_UPLOAD_DAYS}",
             "    }",
             "  }",
             "}",
             "",
             'resource "aws_s3_bucket_public_access_block" "environment" {',
             "  bucket                  = aws_s3_bucket.environment.id",
             "  block_public_acls       = true",
             "  block_public_policy     = true",
             "  ignore_public_acls      = true",
             "  restrict_public_buckets = true",
             "}",
             "",
             'resource "aws_s3_bucket_server_side_encryption_configuration" "environment" {',
             "  bucket = aws_s3_bucket.environment.id",
             "  rule {",
             "    apply_server_side_encryption_by_default {",
             '      sse_algorithm = "AES256"',
             "    }",
             "  }",
             "}",
             "",
             *_role("execution", "assume", TRUSTED_SERVICES, "mwaa-execution", spec.statements),
             "",
             'resource "aws_mwaa_environment" "this" {',
              "  name                  = var.environment_name",
              f"  airflow_version       = {_string(spec.airflow_version)}",
              f"  environment_class     = {_string(spec.environment_class)}",
              f"  min_workers           = {spec.min_workers}",
              f"  max_workers           = {spec.max_workers}",
              f"  schedulers            = {spec.schedulers}",
              "  execution_role_arn    = aws_iam_role.execution.arn",
              "  source_bucket_arn     = aws_s3_bucket.environment.arn",
              f"  dag_s3_path           = {_string(DAGS)}",
              "  webserver_access_mode = var.webserver_access_mode"]
    for part in sorted(spec.parts):
        path_argument, variable = OBJECT_ARGUMENTS[part]
        lines += [f"  {path_argument} = var.{variable} == \"\" ? null : {_string(part)}",
                  f"  {variable} = var.{variable} == \"\" ? null : var.{variable}"]
    if spec.configuration:
        lines.append("  airflow_configuration_options = " + "\n".join(_map(spec.configuration, "  ")))
    subnets, security_groups = network(spec)
    lines += ["  network_configuration {",
              f"    security_group_ids = {_expression(security_groups)}",
              f"    subnet_ids         = {_expression(subnets)}",
              "  }",
              "  logging_configuration {"]
    for log, level in LOG_LEVELS.items():
        lines += [f"    {LOG_BLOCKS[log]} {{",
                  "      enabled   = true",
                  f"      log_level = {_string(level)}",
                  "    }"]
    endpoints = [f"aws_vpc_endpoint.{endpoint_name(e.suffix)}" for e in spec.vpc.endpoints] if spec.vpc else []
    lines += ["  }",
              "  depends_on = [aws_iam_role_policy.execution, aws_s3_bucket_versioning.environment,",
              "                aws_s3_bucket_public_access_block.environment"
              + "".join(f",\n                {e}" for e in endpoints) + "]",
              "}"]
    lines += container_resources(spec) + eks_resources(spec) + vpc_resources(spec)
    return "\n".join(lines) + "\n"


def variables_tf(spec: EnvironmentSpec) -> str:
    lines = ['variable "environment_name" {',
             "  description = \"Name of the MWAA environment\"",
             "  type        = string",
             f"  default     = {_string(spec.name)}",
             "  validation {",
             f"    condition     = can(regex({_string(NAME_PATTERN)}, var.environment_name))",
             "    error_message = \"A letter, then letters, digits, hyphens and underscores.\"",
             "  }",
             "}"]
    if spec.vpc is None:
        lines += ["",
                  'variable "subnet_ids" {',
                  "  description = \"Two private subnets in different Availability Zones (MWAA needs exactly two)\"",
                  "  type        = list(string)",
                  "}",
                  "",
                  'variable "security_group_ids" {',
                  "  description = \"Security groups of the environment (one must allow all traffic from itself)\"",
                  "  type        = list(string)",
                  "}"]
    lines += ["",
              'variable "webserver_access_mode" {',
              "  description = \"PRIVATE_ONLY: the Airflow UI only from the VPC; PUBLIC_ONLY: from the internet, signed in through IAM\"",
              "  type        = string",
              f"  default     = {_string(WEBSERVER_ACCESS_MODES[0])}",
              "  validation {",
              f"    condition     = contains({_list([_string(m) for m in WEBSERVER_ACCESS_MODES])}, var.webserver_access_mode)",
              f"    error_message = {_string('One of ' + ', '.join(WEBSERVER_ACCESS_MODES) + '.')}",
              "  }",
              "}"]
    if spec.eks is not None:
        lines += ["",
                  'variable "eks_cluster_name" {',
                  "  description = \"Name of the EKS cluster the EksPodOperator tasks run their pods on\"",
                  "  type        = string",
                  "}"]
    for part in sorted(spec.parts):
        variable = OBJECT_ARGUMENTS[part][1]
        lines += ["",
                  f'variable "{variable}" {{',
                  f"  description = {_string(f'S3 object version of {part} (printed by `migrator package --upload`); empty: the environment does not read {part} yet')}",
                  "  type        = string",
                  '  default     = ""',
                  "}"]
    return "\n".join(lines) + "\n"


def outputs_tf(spec: EnvironmentSpec) -> str:
    outputs = [("bucket_name", "aws_s3_bucket.environment.id", "Upload the bundle here: migrator package --upload s3://BUCKET"),
               ("execution_role_arn", "aws_iam_role.execution.arn", ""),
               ("environment_arn", "aws_mwaa_environment.this.arn", ""),
               ("webserver_url", "aws_mwaa_environment.this.webserver_url", "")]
    subnets, security_groups = network(spec)
    chosen = {"subnet": subnets, "security_group": security_groups}
    outputs += [(variable, f"{chosen[kind]}[{index}]" if isinstance(chosen[kind], str) else chosen[kind][index],
                 f"Airflow Variable {variable}, read by the ECS tasks")
                for variable, kind, index in spec.task_network_outputs]
    if spec.eks is not None:
        variable = pod_to_eks().cluster_variable
        outputs.append((variable, "var.eks_cluster_name", f"Airflow Variable {variable}, read by the EKS pod tasks"))
    lines: list[str] = []
    for name, value, description in outputs:
        lines += [f'output "{name}" {{', f"  value = {value}"]
        lines += [f"  description = {_string(description)}"] if description else []
        lines += ["}", ""]
    return "\n".join(lines[:-1]) + "\n"


def render_terraform(spec: EnvironmentSpec) -> dict[str, str]:
    """File name -> text of the module."""
    return {"main.tf": main_tf(spec), "variables.tf": variables_tf(spec), "outputs.tf": outputs_tf(spec)}
