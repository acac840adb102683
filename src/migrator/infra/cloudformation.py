"""The environment as a CloudFormation template (YAML, long-form intrinsics so any YAML reader
loads it), with a comment above each policy statement naming the files that need it.

Deterministic: the same ``EnvironmentSpec`` gives the same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from migrator import __version__
from migrator.bundle.model import DAGS
from migrator.compat.aws_native import docker_to_ecs, pod_to_eks
from migrator.infra.model import (
    ECS_TASKS_TRUST,
    INCOMPLETE_UPLOAD_DAYS,
    LOG_LEVELS,
    NAME_MAX_LENGTH,
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
)

# Each template placeholder as a Fn::Sub reference.
SUB = {"partition": "${AWS::Partition}", "region": "${AWS::Region}", "account": "${AWS::AccountId}",
       "url_suffix": "${AWS::URLSuffix}", "environment": "${EnvironmentName}",
       "bucket_arn": "${EnvironmentBucket.Arn}", "task_execution_role_arn": "${TaskExecutionRole.Arn}",
       "eks_cluster": "${EksClusterName}"}

# Bundle file -> (its path property, its object version property, also the version's parameter).
OBJECT_PROPERTIES = {
    PLUGINS: ("PluginsS3Path", "PluginsS3ObjectVersion"),
    REQUIREMENTS: ("RequirementsS3Path", "RequirementsS3ObjectVersion"),
    STARTUP: ("StartupScriptS3Path", "StartupScriptS3ObjectVersion"),
}
TRUSTED_SERVICES = ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]  # UG mwaa-create-role


@dataclass(frozen=True)
class Commented:
    """A value written with ``# comment`` lines above it."""

    value: Any
    lines: tuple[str, ...]


def _sub(template: str) -> Any:
    if not PLACEHOLDER.search(template):
        return template
    return {"Fn::Sub": PLACEHOLDER.sub(lambda m: SUB[m.group(1)], template.replace("${", "${!"))}


def _condition(condition) -> dict:
    return {operator: {key: [_sub(v) for v in values] for key, values in sorted(tests.items())}
            for operator, tests in sorted(condition.items())}


def policy_statement(statement: Statement) -> Commented:
    body: dict[str, Any] = {"Sid": statement.sid, "Effect": statement.effect, "Action": list(statement.actions)}
    if statement.resources:
        body["Resource"] = [_sub(r) for r in statement.resources]
    if statement.not_resources:
        body["NotResource"] = [_sub(r) for r in statement.not_resources]
    if statement.condition:
        body["Condition"] = _condition(statement.condition)
    return Commented(body, statement.comment)


def _skips(skips) -> dict:
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in skips]}}


def _policy_document(statements) -> dict:
    return {"Version": "2012-10-17", "Statement": [policy_statement(s) for s in statements]}


def _assume_role(services: list[str]) -> dict:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]}


def container_resources(spec: EnvironmentSpec) -> dict[str, Any]:
    """The ECS cluster, and per task definition its log group, ECR repository (a private
    registry's image) and the task definition, with the task execution role they share."""
    if not spec.container_tasks:
        return {}
    facts = docker_to_ecs()
    names = resource_names(spec.container_tasks)
    resources: dict[str, Any] = {
        "TaskCluster": {"Type": "AWS::ECS::Cluster", "Properties": {
            "ClusterName": spec.ecs_cluster,
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]}},
        "TaskExecutionRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": _assume_role([ECS_TASKS_TRUST]),
            "Policies": [{"PolicyName": "ecs-task-execution",
                          "PolicyDocument": _policy_document(spec.task_execution_statements)}]}},
    }
    for repository in spec.ecr_repositories:
        resources[f"TaskRepository{_logical(repository)}"] = {
            "Type": "AWS::ECR::Repository", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Metadata": _skips(REPOSITORY_SKIPS),
            "Properties": {"RepositoryName": repository, "ImageTagMutability": "MUTABLE",
                           "ImageScanningConfiguration": {"ScanOnPush": True}}}
    for task in spec.container_tasks:
        name = names[task.family]
        resources[f"TaskLogGroup{name}"] = {
            "Type": "AWS::Logs::LogGroup", "Metadata": _skips(LOG_GROUP_SKIPS),
            "Properties": {"LogGroupName": task.log_group, "RetentionInDays": facts.log_retention_days}}
        resources[f"TaskDefinition{name}"] = {
            "Type": "AWS::ECS::TaskDefinition", "Metadata": _skips(TASK_DEFINITION_SKIPS),
            "Properties": {
                "Family": task.family,
                "RequiresCompatibilities": [facts.launch_type],
                "NetworkMode": "awsvpc",
                "Cpu": str(task.cpu),
                "Memory": str(task.memory),
                "ExecutionRoleArn": {"Fn::GetAtt": ["TaskExecutionRole", "Arn"]},
                "ContainerDefinitions": [{
                    "Name": task.family,
                    "Image": _sub(task.image_uri),
                    "Essential": True,
                    "LogConfiguration": {"LogDriver": "awslogs", "Options": {
                        "awslogs-group": {"Ref": f"TaskLogGroup{name}"},
                        "awslogs-region": {"Ref": "AWS::Region"},
                        "awslogs-stream-prefix": facts.log_stream_prefix}}}]}}
    return resources


EKS_CLUSTER_PARAMETER = "EksClusterName"


def eks_resources(spec: EnvironmentSpec) -> dict[str, Any]:
    """The execution role's access entry on the EKS cluster, with the edit policy on the pod
    tasks' namespaces only."""
    if spec.eks is None or not spec.eks.namespaces:
        return {}
    return {"EksAccessEntry": Commented({"Type": "AWS::EKS::AccessEntry", "Properties": {
        "ClusterName": {"Ref": EKS_CLUSTER_PARAMETER},
        "PrincipalArn": {"Fn::GetAtt": ["ExecutionRole", "Arn"]},
        "Type": "STANDARD",
        "AccessPolicies": [{"PolicyArn": _sub(spec.eks.policy),
                            "AccessScope": {"Type": "namespace", "Namespaces": list(spec.eks.namespaces)}}]}},
        (f"EksPodOperator tasks start pods in these namespaces: {', '.join(spec.eks.files)}",))}


SUBNETS = ("PrivateSubnet1", "PrivateSubnet2")
SECURITY_GROUP = "EnvironmentSecurityGroup"
ALL_TRAFFIC = "-1"
HTTPS = 443


def network(spec: EnvironmentSpec) -> tuple[Any, Any]:
    """The subnets and security groups of the environment (and the ECS tasks): the created VPC's,
    or the parameters'."""
    if spec.vpc is None:
        return {"Ref": "SubnetIds"}, {"Ref": "SecurityGroupIds"}
    return [{"Ref": s} for s in SUBNETS], [{"Ref": SECURITY_GROUP}]


def vpc_resources(spec: EnvironmentSpec) -> dict[str, Any]:
    """A VPC with no internet route: two private subnets in two Availability Zones, a security
    group open to itself (MWAA UG vpc-security), and the endpoints through which AWS is reached."""
    vpc = spec.vpc
    if vpc is None:
        return {}
    resources: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Metadata": _skips(VPC_SKIPS), "Properties": {
            "CidrBlock": vpc.cidr, "EnableDnsHostnames": True, "EnableDnsSupport": True}},
        "PrivateRouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    }
    for index, (subnet, cidr) in enumerate(zip(SUBNETS, vpc.subnet_cidrs)):
        resources[subnet] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": cidr, "MapPublicIpOnLaunch": False,
            "AvailabilityZone": {"Fn::Select": [index, {"Fn::GetAZs": ""}]}}}
        resources[f"{subnet}RouteTable"] = {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
            "SubnetId": {"Ref": subnet}, "RouteTableId": {"Ref": "PrivateRouteTable"}}}
    resources[SECURITY_GROUP] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": "MWAA environment, its VPC endpoints and ECS tasks",
        "VpcId": {"Ref": "Vpc"},
        "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": HTTPS, "ToPort": HTTPS, "CidrIp": "0.0.0.0/0",
                                 "Description": "HTTPS to AWS through the endpoints (no route to the internet)"}]}}
    resources[f"{SECURITY_GROUP}Self"] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": {"Ref": SECURITY_GROUP}, "SourceSecurityGroupId": {"Ref": SECURITY_GROUP},
        "IpProtocol": ALL_TRAFFIC, "Description": "members of the group reach each other (MWAA needs it)"}}
    resources[f"{SECURITY_GROUP}SelfOut"] = {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
        "GroupId": {"Ref": SECURITY_GROUP}, "DestinationSecurityGroupId": {"Ref": SECURITY_GROUP},
        "IpProtocol": ALL_TRAFFIC, "Description": "to the other members of the group"}}
    for endpoint in vpc.endpoints:
        properties: dict[str, Any] = {
            "VpcId": {"Ref": "Vpc"}, "VpcEndpointType": endpoint.type,
            "ServiceName": {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{endpoint.suffix}"}}
        if endpoint.type == "Gateway":
            properties["RouteTableIds"] = [{"Ref": "PrivateRouteTable"}]
        else:
            properties.update({"PrivateDnsEnabled": True, "SubnetIds": [{"Ref": s} for s in SUBNETS],
                               "SecurityGroupIds": [{"Ref": SECURITY_GROUP}]})
        resources[endpoint_name(endpoint.suffix)] = Commented(
            {"Type": "AWS::EC2::VPCEndpoint", "Properties": properties}, (endpoint.why,))
    return resources


def endpoint_name(suffix: str) -> str:
    return f"Endpoint{_logical(suffix)}"


def _logical(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9a-zA-Z]+", text) if p)


def _not_empty(parameter: str) -> dict:
    return {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}


def template(spec: EnvironmentSpec) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "EnvironmentName": {"Type": "String", "Default": spec.name, "AllowedPattern": NAME_PATTERN,
                            "MaxLength": NAME_MAX_LENGTH, "Description": "Name of the MWAA environment"},
    }
    if spec.vpc is None:
        parameters.update({
            "SubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>",
                          "Description": "Two private subnets in different Availability Zones (MWAA needs exactly two)"},
            "SecurityGroupIds": {"Type": "List<AWS::EC2::SecurityGroup::Id>",
                                 "Description": "Security groups of the environment (one must allow all traffic from itself)"}})
    subnets, security_groups = network(spec)
    parameters.update({
        "WebserverAccessMode": {"Type": "String", "Default": WEBSERVER_ACCESS_MODES[0],
                                "AllowedValues": list(WEBSERVER_ACCESS_MODES),
                                "Description": "PRIVATE_ONLY: the Airflow UI only from the VPC; PUBLIC_ONLY: from the internet, signed in through IAM"},
    })
    if spec.eks is not None:
        parameters[EKS_CLUSTER_PARAMETER] = {
            "Type": "String", "MinLength": 1,
            "Description": "Name of the EKS cluster the EksPodOperator tasks run their pods on"}
    conditions: dict[str, Any] = {}
    environment: dict[str, Any] = {
        "Name": {"Ref": "EnvironmentName"},
        "AirflowVersion": spec.airflow_version,
        "EnvironmentClass": spec.environment_class,
        "MinWorkers": spec.min_workers,
        "MaxWorkers": spec.max_workers,
        "Schedulers": spec.schedulers,
        "ExecutionRoleArn": {"Fn::GetAtt": ["ExecutionRole", "Arn"]},
        "SourceBucketArn": {"Fn::GetAtt": ["EnvironmentBucket", "Arn"]},
        "DagS3Path": DAGS,
        "WebserverAccessMode": {"Ref": "WebserverAccessMode"},
        "NetworkConfiguration": {"SubnetIds": subnets, "SecurityGroupIds": security_groups},
        "LoggingConfiguration": {log: {"Enabled": True, "LogLevel": level} for log, level in LOG_LEVELS.items()},
    }
    if spec.configuration:
        environment["AirflowConfigurationOptions"] = dict(sorted(spec.configuration.items()))
    for part in sorted(spec.parts):
        path_property, parameter = OBJECT_PROPERTIES[part]
        parameters[parameter] = {
            "Type": "String", "Default": "",
            "Description": f"S3 object version of {part} (printed by `migrator package --upload`); "
                           f"empty: the environment does not read {part} yet"}
        condition = f"Has{parameter}"
        conditions[condition] = _not_empty(parameter)
        environment[path_property] = {"Fn::If": [condition, part, {"Ref": "AWS::NoValue"}]}
        environment[parameter] = {"Fn::If": [condition, {"Ref": parameter}, {"Ref": "AWS::NoValue"}]}
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": _assume_role(TRUSTED_SERVICES),
            "Policies": [{"PolicyName": "mwaa-execution", "PolicyDocument": _policy_document(spec.statements)}],
        },
    }
    bucket = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Metadata": _skips(BUCKET_SKIPS),
        "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "LifecycleConfiguration": {"Rules": [{
                "Id": "abort-incomplete-uploads", "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": INCOMPLETE_UPLOAD_DAYS}}]},
            "VersioningConfiguration": {"Status": "Enabled"},
        },
    }
    document: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"MWAA environment {spec.name} (Airflow {spec.airflow_version}), generated by mwaa-migrator",
        "Parameters": parameters,
    }
    if conditions:
        document["Conditions"] = conditions
    document["Resources"] = {
        "EnvironmentBucket": bucket,
        "ExecutionRole": role,
        "Environment": {"Type": "AWS::MWAA::Environment", "Properties": environment},
        **container_resources(spec),
        **eks_resources(spec),
        **vpc_resources(spec),
    }
    document["Outputs"] = {
        "BucketName": {"Description": "Upload the bundle here: migrator package --upload s3://BUCKET",
                       "Value": {"Ref": "EnvironmentBucket"}},
        "ExecutionRoleArn": {"Value": {"Fn::GetAtt": ["ExecutionRole", "Arn"]}},
        "EnvironmentArn": {"Value": {"Fn::GetAtt": ["Environment", "Arn"]}},
        "WebserverUrl": {"Value": {"Fn::GetAtt": ["Environment", "WebserverUrl"]}},
    }
    if spec.vpc is not None:  # MWAA creates the environment only once the endpoints are there
        document["Resources"]["Environment"]["DependsOn"] = sorted(endpoint_name(e.suffix) for e in spec.vpc.endpoints)
    chosen = {"subnet": subnets, "security_group": security_groups}
    for variable, kind, index in spec.task_network_outputs:
        document["Outputs"][_logical(variable)] = {
            "Description": f"Airflow Variable {variable}, read by the ECS tasks",
            "Value": {"Fn::Select": [index, chosen[kind]]}}
    if spec.eks is not None:
        variable = pod_to_eks().cluster_variable
        document["Outputs"][_logical(variable)] = {
            "Description": f"Airflow Variable {variable}, read by the EKS pod tasks",
            "Value": {"Ref": EKS_CLUSTER_PARAMETER}}
    return document


def _overrides(spec: EnvironmentSpec) -> str:
    """The deploy command's values for the parameters without a default."""
    values = ([] if spec.vpc else ["SubnetIds=a,b", "SecurityGroupIds=sg"]) + (
        [f"{EKS_CLUSTER_PARAMETER}=CLUSTER"] if spec.eks else [])
    return " --parameter-overrides " + " ".join(values) if values else ""


def render_cloudformation(spec: EnvironmentSpec) -> str:
    head = [(f"# Generated by mwaa-migrator {__version__}: the MWAA environment, its bucket and its "
            "least-privilege execution role."),
            ("# Deploy: aws cloudformation deploy --template-file cloudformation.yaml --stack-name NAME "
             "--capabilities CAPABILITY_IAM" + _overrides(spec)),
            *(f"# To do by hand: {note}" for note in spec.notes)]
    return "\n".join([*head, *_emit(template(spec), 0)]) + "\n"


# -- a small YAML writer: block style, scalars as JSON (a subset of YAML), comments kept ---------


def _scalar(value: Any) -> str:
    """A scalar or an empty container, in flow style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


def _is_block(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def _comments(lines: tuple[str, ...], indent: int) -> list[str]:
    return [" " * indent + f"# {line}".rstrip() for line in lines]


def _emit(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Commented):
                out += _comments(item.lines, indent)
                item = item.value
            if _is_block(item):
                out.append(f"{pad}{key}:")
                out += _emit(item, indent + 2)
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
        return out
    for item in value:
        if isinstance(item, Commented):
            out += _comments(item.lines, indent)
            item = item.value
        if _is_block(item):
            block = _emit(item, indent + 2)
            out.append(f"{pad}- {block[0][indent + 2:]}")
            out += block[1:]
        else:
            out.append(f"{pad}- {_scalar(item)}")
    return out
