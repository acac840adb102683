"""The network resources of the Terraform module: the VPC with its private subnets, NAT and
endpoints (or the subnets and security group given), and the ECS and EKS resources the AWS-native
rewrites need."""

from __future__ import annotations

from migrator.compat.aws_native import docker_to_ecs
from migrator.infra.model import ECS_TASKS_TRUST, EnvironmentSpec, resource_names
from migrator.infra.skips import (
    LOG_GROUP_SKIPS,
    REPOSITORY_SKIPS,
    TASK_DEFINITION_SKIPS,
    VPC_SKIPS,
    ZONES_SKIPS,
)
from migrator.infra.terraform.hcl import _arn, _list, _name, _role, _skips, _string, _value


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
