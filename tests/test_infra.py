"""``migrator infra``: the environment as CloudFormation and Terraform, and its execution role.

The templates are checked with the field's own tools: cfn-lint (no error or warning), python-hcl2
(the Terraform parses) and, in test_infra_checkov.py, checkov."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import shutil
from pathlib import Path

import hcl2
import pytest
import yaml
from cfnlint.api import lint
from conftest import EXAMPLE_PROJECT
from migrator.compat import get_version, removed_helper
from migrator.compat.iam import service_permissions

from migrator.analysis.python import ModuleFacts
from migrator.aws_native import EksPodTask, TaskDefinition
from migrator.cli import main
from migrator.errors import InputError
from migrator.infra import infra_files
from migrator.infra.model import (
    PLUGINS,
    REQUIREMENTS,
    STARTUP,
    BundleFacts,
    build_environment,
    check_environment_name,
    environment_name,
)
from migrator.infra.usage import AwsUsage, aws_usage

GOLDEN = Path(__file__).parent / "data" / "infra" / "onprem-project"
REGENERATE = ("regenerate: migrator infra examples/onprem-project --name acme-retail "
              f"--out {GOLDEN.relative_to(Path(__file__).parent.parent)}")
RECOMMENDATION = {"environment_class": "mw1.small", "min_workers": 1, "max_workers": 3, "schedulers": 2}
SECRETS_MANAGER = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
SSM = "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend"

# The actions the policy may grant on Resource "*": the Service Authorization Reference lists no
# resource type for them (docs/infra.md lists them with the reason).
STAR_ACTIONS = frozenset({
    "s3:GetAccountPublicAccessBlock", "logs:DescribeLogGroups", "cloudwatch:PutMetricData",
    "batch:DescribeJobs", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
    "ecs:DescribeTaskDefinition", "elasticmapreduce:RunJobFlow", "redshift-data:CancelStatement",
    "redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "ecr:GetAuthorizationToken",
})


def modules(tmp_path: Path, files: dict[str, str]) -> list[ModuleFacts]:
    found = []
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        found.append(ModuleFacts.from_file(tmp_path, path))
    return found


def plain(value):
    """python-hcl2 8's parse with its quotes and block markers taken off: ``"x"`` -> ``x``."""
    if isinstance(value, str):
        return json.loads(value) if len(value) > 1 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if k != "__is_block__"}
    return value


def every_service_usage() -> AwsUsage:
    usage = AwsUsage()
    for service in service_permissions():
        usage.services[service.id].add(f"dags/{service.id}.py")
    usage.buckets["acme-raw"].add("dags/load.py")
    return usage


def spec_for(usage: AwsUsage | None = None, configuration: dict[str, str] | None = None,
             parts=frozenset({PLUGINS, REQUIREMENTS, STARTUP})):
    return build_environment("acme", get_version("3.3.1"), RECOMMENDATION,
                             BundleFacts(configuration or {}, parts), usage or AwsUsage())


def container_spec(create_vpc: bool = False):
    """An environment with task definitions of an image in a private registry (an ECR repository),
    one on Docker Hub and one already in ECR."""
    definitions = [TaskDefinition("etl-extract-1_4", "registry.acme.local:5000/etl/extract:1.4", 2048, 6144,
                                  ("dags/extract.py",)),
                   TaskDefinition("python-3_11-slim", "python:3.11-slim", None, None, ("dags/report.py",)),
                   TaskDefinition("load", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/load", None, None,
                                  ("dags/load.py",))]
    return build_environment("acme", get_version("3.3.1"), RECOMMENDATION, BundleFacts({}, frozenset()),
                             AwsUsage(), definitions, create_vpc=create_vpc)


def eks_spec():
    """An environment whose pod tasks run on EKS in two namespaces, one of them computed."""
    tasks = [EksPodTask("dags/train.py", 3, "train", "ml", (), ()),
             EksPodTask("dags/score.py", 3, "score", "default", (), ()),
             EksPodTask("dags/ad_hoc.py", 3, "ad_hoc", None, (), ())]
    return build_environment("acme", get_version("3.3.1"), RECOMMENDATION, BundleFacts({}, frozenset()),
                             AwsUsage(), eks_tasks=tasks)


def policy(spec) -> list[dict]:
    template = yaml.safe_load(infra_files(spec)["cloudformation.yaml"])
    role = template["Resources"]["ExecutionRole"]["Properties"]
    return role["Policies"][0]["PolicyDocument"]["Statement"]


# -- what the code asks of AWS ----------------------------------------------------------------------


def test_services_are_found_through_operators_hooks_sensors_and_old_contrib_paths(tmp_path):
    usage = aws_usage(modules(tmp_path, {
        "dags/glue.py": "from airflow.providers.amazon.aws.operators.glue import GlueJobOperator\n"
                        "GlueJobOperator(task_id='t', job_name='j')\n",
        "dags/athena.py": "from airflow.contrib.operators.aws_athena_operator import AWSAthenaOperator\n",
        "dags/lambda_hook.py": "import airflow.providers.amazon.aws.hooks.lambda_function as lf\n"
                               "lf.LambdaHook().invoke_lambda(payload='{}')\n",
        "dags/plain.py": "from airflow.operators.bash import BashOperator\n",
    }))
    assert {k: sorted(v) for k, v in usage.services.items()} == {
        "athena": ["dags/athena.py"], "glue": ["dags/glue.py"], "lambda": ["dags/lambda_hook.py"]}


def test_buckets_are_literal_uris_and_bucket_arguments_and_templated_ones_are_left_to_a_human(tmp_path):
    usage = aws_usage(modules(tmp_path, {
        "dags/uri.py": "SRC = 's3://acme-raw/events/2024/'\nDST = f's3a://acme-curated/{day}/'\n",
        "dags/arg.py": "from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor\n"
                       "S3KeySensor(task_id='s', bucket_name='acme-landing', bucket_key='k')\n",
        # A bucket known only at run time: no ARN can name it, the human is told.
        "dags/templated.py": "from airflow.providers.amazon.aws.hooks.s3 import S3Hook\n"
                             "S3Hook().load_file('f', key='k', bucket_name='{{ var.value.bucket }}')\n"
                             "URI = 's3://{{ var.value.bucket }}/x'\n",
    }))
    assert {k: sorted(v) for k, v in usage.buckets.items()} == {
        "acme-curated": ["dags/uri.py"], "acme-landing": ["dags/arg.py"], "acme-raw": ["dags/uri.py"]}
    assert usage.unknown_buckets == {"dags/templated.py"}
    spec = spec_for(usage)
    assert any("dags/templated.py" in note for note in spec.notes)


# -- the execution role -----------------------------------------------------------------------------


def test_every_service_has_a_source_the_modules_or_client_calls_that_need_it_and_statements():
    for service in service_permissions():
        assert service.source and (service.modules or service.boto3_calls) and service.statements, service.id
        assert all(m.startswith("airflow.") for m in service.modules), service.id
        assert all(call.count(".") == 1 for call in service.boto3_calls), service.id


def test_the_environments_rest_api_is_granted_where_code_calls_invoke_rest_api(tmp_path):
    """API002's definition of the experimental trigger_dag starts runs through InvokeRestApi: the
    role may invoke the environment's REST API as Airflow's User role, for that file only."""
    usage = aws_usage(modules(tmp_path, {
        "dags/pre_sync.py": removed_helper("airflow.api.common.experimental.trigger_dag.trigger_dag").definition,
        "dags/client.py": "import boto3\nmwaa = boto3.client('mwaa')\nmwaa.invoke_rest_api(Name='x', Method='GET', Path='/dags')\n",
        # Other methods of the client, or another service's client, are not the REST API.
        "dags/describe.py": "import boto3\nboto3.client('mwaa').get_environment(Name='x')\n",
        "dags/s3.py": "import boto3\ns3 = boto3.client('s3')\ns3.invoke_rest_api()\n",
    }))
    assert {k: sorted(v) for k, v in usage.services.items()} == {"mwaa_rest_api": ["dags/client.py", "dags/pre_sync.py"]}
    [statement] = [s for s in policy(spec_for(usage)) if "airflow:InvokeRestApi" in s["Action"]]
    assert statement["Action"] == ["airflow:InvokeRestApi"]
    assert statement["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:airflow:${AWS::Region}:${AWS::AccountId}:"
                                                 "role/${EnvironmentName}/User"}]


def test_the_policy_has_no_star_action_and_star_resources_only_where_the_action_requires_it():
    statements = policy(spec_for(every_service_usage(), {"secrets.backend": SECRETS_MANAGER}))
    for statement in statements:
        assert all(a != "*" and not a.endswith(":*") for a in statement["Action"]), statement
        if "*" in statement.get("Resource", []):
            assert statement["Resource"] == ["*"]
            assert set(statement["Action"]) <= STAR_ACTIONS, statement


def test_each_service_statement_names_the_files_that_need_it():
    spec = spec_for(every_service_usage())
    for service in service_permissions():
        mine = [s for s in spec.statements if f"dags/{service.id}.py" in " ".join(s.comment)]
        assert len(mine) == len(service.statements), service.id
    text = infra_files(spec)["cloudformation.yaml"]
    assert "# Glue jobs: dags/glue.py" in text
    assert "# Glue jobs: dags/glue.py" in infra_files(spec)["terraform/main.tf"]


def test_s3_is_granted_on_the_environment_bucket_and_the_buckets_the_dags_name_only():
    usage = AwsUsage()
    usage.buckets["acme-raw"].add("dags/load.py")
    s3 = [s for s in policy(spec_for(usage)) if any(a.startswith("s3:") for a in s["Action"])
          and s["Effect"] == "Allow" and s["Resource"] != ["*"]]
    resources = {json.dumps(r, sort_keys=True) for s in s3 for r in s["Resource"]}
    assert resources == {json.dumps(r, sort_keys=True) for r in [
        {"Fn::Sub": "${EnvironmentBucket.Arn}"}, {"Fn::Sub": "${EnvironmentBucket.Arn}/*"},
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::acme-raw"},
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::acme-raw/*"}]}


def test_secrets_are_read_only_under_the_backends_prefixes():
    kwargs = json.dumps({"connections_prefix": "prod/conns", "variables_prefix": None})
    secrets = [s for s in policy(spec_for(configuration={"secrets.backend": SECRETS_MANAGER,
                                                         "secrets.backend_kwargs": kwargs}))
               if s["Sid"] == "ReadAirflowSecrets"]
    assert secrets == [{"Sid": "ReadAirflowSecrets", "Effect": "Allow",
                        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                        "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
                                                 "${AWS::AccountId}:secret:prod/conns/*"}]}]
    # Parameter Store names start with "/", which the ARN already has.
    ssm = spec_for(configuration={"secrets.backend": SSM, "secrets.backend_kwargs":
                                  json.dumps({"connections_prefix": "/airflow/connections"})})
    resources = [r for s in ssm.statements if s.sid == "ReadAirflowSecrets" for r in s.resources]
    assert resources == ["arn:{partition}:ssm:{region}:{account}:parameter/airflow/connections/*",
                         "arn:{partition}:ssm:{region}:{account}:parameter/airflow/variables/*"]


def test_no_secrets_backend_means_no_secrets_statement_and_another_backend_a_note():
    assert not [s for s in spec_for().statements if s.sid == "ReadAirflowSecrets"]
    vault = spec_for(configuration={"secrets.backend": "airflow.providers.hashicorp.secrets.vault.VaultBackend"})
    assert not [s for s in vault.statements if s.sid == "ReadAirflowSecrets"]
    assert any("VaultBackend" in note for note in vault.notes)


# -- the templates ----------------------------------------------------------------------------------


def test_the_cloudformation_template_passes_cfn_lint_with_every_service():
    spec = spec_for(every_service_usage(), {"secrets.backend": SECRETS_MANAGER, "core.parallelism": "64"})
    matches = lint(infra_files(spec)["cloudformation.yaml"])
    assert [str(m) for m in matches] == []


def test_the_environment_takes_version_size_configuration_and_object_versions():
    spec = spec_for(configuration={"core.parallelism": "64"}, parts=frozenset({REQUIREMENTS}))
    environment = yaml.safe_load(infra_files(spec)["cloudformation.yaml"])["Resources"]["Environment"]
    properties = environment["Properties"]
    assert (properties["AirflowVersion"], properties["EnvironmentClass"], properties["MinWorkers"],
            properties["MaxWorkers"], properties["Schedulers"]) == ("3.3.1", "mw1.small", 1, 3, 2)
    assert properties["AirflowConfigurationOptions"] == {"core.parallelism": "64"}
    assert properties["RequirementsS3ObjectVersion"] == {
        "Fn::If": ["HasRequirementsS3ObjectVersion", {"Ref": "RequirementsS3ObjectVersion"},
                   {"Ref": "AWS::NoValue"}]}
    assert "PluginsS3Path" not in properties  # the bundle has no plugins.zip
    assert set(properties["LoggingConfiguration"]) == {"DagProcessingLogs", "SchedulerLogs", "TaskLogs",
                                                       "WebserverLogs", "WorkerLogs"}


def test_the_terraform_module_parses_and_says_what_the_template_says():
    spec = spec_for(every_service_usage(), {"core.parallelism": "64"})
    files = infra_files(spec)
    main_tf = plain(hcl2.loads(files["terraform/main.tf"]))
    variables = plain(hcl2.loads(files["terraform/variables.tf"]))
    hcl2.loads(files["terraform/outputs.tf"])
    documents = {name: body for block in main_tf["data"] for kind, named in block.items()
                 if kind == "aws_iam_policy_document" for name, body in named.items()}
    assert len(documents["execution"]["statement"]) == len(spec.statements)
    environment = next(b["aws_mwaa_environment"]["this"] for b in main_tf["resource"]
                       if "aws_mwaa_environment" in b)
    assert environment["airflow_version"] == "3.3.1"
    assert environment["max_workers"] == 3
    assert environment["airflow_configuration_options"] == {"core.parallelism": "64"}
    assert {name for block in variables["variable"] for name in block} == {
        "environment_name", "subnet_ids", "security_group_ids", "webserver_access_mode",
        "plugins_s3_object_version", "requirements_s3_object_version", "startup_script_s3_object_version"}


# -- the ECS tasks of the DockerOperator rewrite ------------------------------------------------------

CONTAINER_DAG = """\
from datetime import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.docker.operators.docker import DockerOperator

with DAG("containers", start_date=datetime(2024, 1, 1), schedule=None):
    extract = DockerOperator(task_id="extract", image="registry.acme.local:5000/etl/extract:1.4",
                             command="python -m extract {{ ds }}", cpus=2, mem_limit="6g")
    report = DockerOperator(task_id="report", image="python:3.11-slim", command=["python", "-V"])
    again = DockerOperator(task_id="again", image="python:3.11-slim", command="python -c 'print(1)'")
    # A one-container pod is rewritten to ECS too, and its image is the one the Docker task runs.
    score = KubernetesPodOperator(task_id="score", name="score", image="python:3.11-slim", arguments=["-V"])
    # Not rewritable (Fargate runs no privileged container): no task definition for it.
    privileged = DockerOperator(task_id="privileged", image="acme/privileged:1", privileged=True)
"""


def container_project(tmp_path: Path) -> tuple[Path, Path]:
    """A project with Docker and pod tasks of two rewritable images, and its copy rewritten by
    ``fix --unsafe`` (as ``migrate --aws-native`` rewrites its copy)."""
    source = tmp_path / "source"
    (source / "dags").mkdir(parents=True)
    (source / "dags" / "containers.py").write_text(CONTAINER_DAG)
    rewritten = tmp_path / "rewritten"
    shutil.copytree(source, rewritten)
    with contextlib.redirect_stdout(io.StringIO()):
        main(["fix", str(rewritten), "--unsafe", "--apply", "--target", "3.3.1"])
    return source, rewritten


def written_task_definitions(path: Path) -> set[str]:
    """The task_definition values the rewrite wrote into the DAG file."""
    return {k.value.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)
            for k in node.keywords if k.arg == "task_definition" and isinstance(k.value, ast.Constant)}


def container_environment(tmp_path: Path, root: Path, source: Path | None = None):
    from migrator.config import load_settings
    from migrator.infra import project_environment

    bundle = tmp_path / "bundle"
    bundle.mkdir(exist_ok=True)
    (bundle / "mwaa-config.json").write_text("{}")
    return project_environment(root, load_settings(root), get_version("3.3.1"), name="acme", bundle=bundle,
                               sizing={"recommendation": RECOMMENDATION}, source=source)


def test_two_images_become_two_task_definitions_named_as_the_rewritten_dags_name_them(tmp_path):
    source, rewritten = container_project(tmp_path)
    families = written_task_definitions(rewritten / "dags" / "containers.py")
    assert families == {"etl-extract-1_4", "python-3_11-slim"}
    spec = container_environment(tmp_path, rewritten, source)
    # Read from the source: the same task definitions the rewrite would write.
    assert container_environment(tmp_path, source).container_tasks == spec.container_tasks
    template = yaml.safe_load(infra_files(spec)["cloudformation.yaml"])
    resources = template["Resources"]
    definitions = {r["Properties"]["Family"]: r["Properties"] for r in resources.values()
                   if r["Type"] == "AWS::ECS::TaskDefinition"}
    assert set(definitions) == families
    extract = definitions["etl-extract-1_4"]
    assert (extract["Cpu"], extract["Memory"], extract["NetworkMode"], extract["RequiresCompatibilities"]) == (
        "2048", "6144", "awsvpc", ["FARGATE"])
    container = extract["ContainerDefinitions"][0]
    assert container["Name"] == "etl-extract-1_4"
    # A private registry's image moves to the ECR repository the template creates.
    assert container["Image"] == {"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/etl/extract:1.4"}
    assert container["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "ecs"
    groups = {r["Properties"]["LogGroupName"] for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"}
    assert groups == {"/ecs/etl-extract-1_4", "/ecs/python-3_11-slim"}  # the rewrite's awslogs_group
    assert [r["Properties"]["RepositoryName"] for r in resources.values()
            if r["Type"] == "AWS::ECR::Repository"] == ["etl/extract"]
    assert definitions["python-3_11-slim"]["ContainerDefinitions"][0]["Image"] == "python:3.11-slim"
    assert any("python:3.11-slim" in note and "Docker Hub" in note for note in spec.notes)
    cluster = next(r for r in resources.values() if r["Type"] == "AWS::ECS::Cluster")
    assert cluster["Properties"]["ClusterName"] == "airflow-tasks"
    assert set(template["Outputs"]) >= {"EcsSubnet1", "EcsSubnet2", "EcsSecurityGroup"}
    assert [str(m) for m in lint(infra_files(spec)["cloudformation.yaml"])] == []


def test_the_execution_role_runs_exactly_the_generated_task_definitions_and_passes_only_their_role(tmp_path):
    source, rewritten = container_project(tmp_path)
    statements = {s["Sid"]: s for s in policy(container_environment(tmp_path, rewritten, source))}
    account = "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}"
    assert statements["RunGeneratedTaskDefinitions"]["Resource"] == [
        {"Fn::Sub": f"{account}:task-definition/etl-extract-1_4:*"},
        {"Fn::Sub": f"{account}:task-definition/python-3_11-slim:*"}]
    assert statements["RunGeneratedTaskDefinitions"]["Condition"] == {
        "ArnEquals": {"ecs:cluster": [{"Fn::Sub": f"{account}:cluster/airflow-tasks"}]}}
    assert statements["PassTaskExecutionRole"] == {
        "Sid": "PassTaskExecutionRole", "Effect": "Allow", "Action": ["iam:PassRole"],
        "Resource": [{"Fn::Sub": "${TaskExecutionRole.Arn}"}],
        "Condition": {"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}}
    assert statements["ReadGeneratedTaskLogs"]["Resource"][0] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/ecs/etl-extract-1_4:log-stream:*"}
    # The generic ECS statements (RunTask on any task definition, PassRole on any role) are gone:
    # only the rewritten file runs ECS tasks.
    passes = [s for s in statements.values() if "iam:PassRole" in s["Action"]]
    assert passes == [statements["PassTaskExecutionRole"]]


def test_without_the_rewrite_there_are_no_task_definitions(tmp_path):
    """``migrate`` without --aws-native: the copy still runs DockerOperator, so nothing on ECS."""
    source = tmp_path / "source"
    (source / "dags").mkdir(parents=True)
    (source / "dags" / "containers.py").write_text(CONTAINER_DAG)
    spec = container_environment(tmp_path, source, source)
    assert spec.container_tasks == ()
    assert "AWS::ECS" not in infra_files(spec)["cloudformation.yaml"]


def test_the_terraform_module_has_the_same_task_definitions(tmp_path):
    source, rewritten = container_project(tmp_path)
    files = infra_files(container_environment(tmp_path, rewritten, source))
    main_tf = plain(hcl2.loads(files["terraform/main.tf"]))
    definitions = [body for block in main_tf["resource"] for kind, named in block.items()
                   if kind == "aws_ecs_task_definition" for body in named.values()]
    assert sorted(d["family"] for d in definitions) == ["etl-extract-1_4", "python-3_11-slim"]
    outputs = plain(hcl2.loads(files["terraform/outputs.tf"]))
    assert {"ecs_subnet_1", "ecs_subnet_2", "ecs_security_group"} <= {n for b in outputs["output"] for n in b}


def test_an_image_already_in_ecr_is_pulled_from_its_repository_and_none_is_created():
    spec = container_spec()
    assert spec.ecr_repositories == ("etl/extract",)
    pulls = next(s for s in spec.task_execution_statements if s.sid == "PullImages")
    assert pulls.resources == ("arn:{partition}:ecr:{region}:{account}:repository/etl/extract",
                               "arn:{partition}:ecr:eu-west-1:123456789012:repository/load")
    assert all(s.resources == ("*",) for s in spec.task_execution_statements if s.sid == "EcrAuthorization")


def test_the_container_policies_have_star_resources_only_where_the_action_requires_it():
    spec = container_spec()
    for statement in (*spec.statements, *spec.task_execution_statements):
        if "*" in statement.resources:
            assert statement.resources == ("*",)
            assert set(statement.actions) <= STAR_ACTIONS, statement


# -- the private VPC --------------------------------------------------------------------------------


def test_create_vpc_puts_the_environment_in_two_private_subnets_with_the_endpoints_it_needs():
    spec = container_spec(create_vpc=True)
    files = infra_files(spec)
    assert [str(m) for m in lint(files["cloudformation.yaml"])] == []
    template = yaml.safe_load(files["cloudformation.yaml"])
    resources = template["Resources"]
    assert "SubnetIds" not in template["Parameters"]
    network = resources["Environment"]["Properties"]["NetworkConfiguration"]
    assert network == {"SubnetIds": [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}],
                       "SecurityGroupIds": [{"Ref": "EnvironmentSecurityGroup"}]}
    zones = [resources[s]["Properties"]["AvailabilityZone"] for s in ("PrivateSubnet1", "PrivateSubnet2")]
    assert zones == [{"Fn::Select": [0, {"Fn::GetAZs": ""}]}, {"Fn::Select": [1, {"Fn::GetAZs": ""}]}]
    assert not [r for r in resources.values() if r["Type"] in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway")]
    self_rule = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    assert self_rule == [{"GroupId": {"Ref": "EnvironmentSecurityGroup"},
                          "SourceSecurityGroupId": {"Ref": "EnvironmentSecurityGroup"}, "IpProtocol": "-1",
                          "Description": "members of the group reach each other (MWAA needs it)"}]
    endpoints = {r["Properties"]["ServiceName"]["Fn::Sub"].rpartition("}.")[2]: r["Properties"]
                 for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"}
    # The UG's list for private routing, and ECS for EcsRunTaskOperator.
    assert set(endpoints) == {"s3", "logs", "monitoring", "sqs", "kms", "ecr.api", "ecr.dkr", "airflow.api",
                              "airflow.env", "airflow.ops", "ecs"}
    assert endpoints["s3"]["VpcEndpointType"] == "Gateway"
    assert endpoints["sqs"]["PrivateDnsEnabled"] is True
    assert sorted(resources["Environment"]["DependsOn"]) == resources["Environment"]["DependsOn"]
    assert len(resources["Environment"]["DependsOn"]) == len(endpoints)
    # The ECS tasks' Variables name the created subnets.
    assert template["Outputs"]["EcsSubnet2"]["Value"] == {"Fn::Select": [1, [{"Ref": "PrivateSubnet1"},
                                                                             {"Ref": "PrivateSubnet2"}]]}
    main_tf = plain(hcl2.loads(files["terraform/main.tf"]))
    tf_endpoints = [n for block in main_tf["resource"] for kind, named in block.items()
                    if kind == "aws_vpc_endpoint" for n in named]
    assert len(tf_endpoints) == len(endpoints)
    assert "subnet_ids" not in {n for b in plain(hcl2.loads(files["terraform/variables.tf"]))["variable"] for n in b}


def test_the_vpc_endpoints_follow_the_environment():
    """No ECS endpoint without ECS tasks; the secrets backend's service when there is one."""
    spec = build_environment("acme", get_version("3.3.1"), RECOMMENDATION,
                             BundleFacts({"secrets.backend": SECRETS_MANAGER}, frozenset()), AwsUsage(), create_vpc=True)
    suffixes = {e.suffix for e in spec.vpc.endpoints}
    assert "secretsmanager" in suffixes and "ecs" not in suffixes and "ssm" not in suffixes


def test_output_is_deterministic():
    assert infra_files(spec_for(every_service_usage())) == infra_files(spec_for(every_service_usage()))
    assert infra_files(container_spec()) == infra_files(container_spec())


def test_environment_names():
    assert environment_name("data-pipelines with airflow") == "data-pipelines-with-airflow"
    assert environment_name("2024_dags") == "airflow-2024_dags"
    with pytest.raises(InputError):
        check_environment_name("my env")


# -- the command ------------------------------------------------------------------------------------


def test_golden_example_project(tmp_path):
    """The bundled example through the command line, byte for byte (the bundle and the sizing
    it reads are built as `migrator infra` builds them)."""
    source = tmp_path / "onprem-project"
    shutil.copytree(EXAMPLE_PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))
    out = tmp_path / "infra"
    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        assert main(["infra", str(source), "--out", str(out), "--name", "acme-retail"]) == 0
    assert "to do by hand" in stdout.getvalue()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    expected = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())
    assert written == expected
    for rel in written:
        assert (out / rel).read_text() == (GOLDEN / rel).read_text(), f"{rel} differs; {REGENERATE}"
    assert lint((out / "cloudformation.yaml").read_text()) == []


def test_a_built_bundle_is_read_as_it_is(tmp_path):
    from migrator.config import load_settings
    from migrator.infra import project_environment

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "requirements.txt").write_text("apache-airflow-providers-amazon\n")
    (bundle / "mwaa-config.json").write_text(json.dumps({"AirflowConfigurationOptions": {"core.parallelism": 8}}))
    spec = project_environment(EXAMPLE_PROJECT, load_settings(EXAMPLE_PROJECT), get_version("3.3.1"),
                               bundle=bundle, sizing={"recommendation": RECOMMENDATION})
    assert (spec.name, spec.parts, spec.configuration) == ("onprem-project", frozenset({REQUIREMENTS}),
                                                           {"core.parallelism": "8"})
    assert "glue" in " ".join(s.sid.lower() for s in spec.statements)  # the example's Glue DAG
    (bundle / "mwaa-config.json").write_text("not json")
    with pytest.raises(InputError, match="mwaa-config.json"):
        BundleFacts.read(bundle)


def test_a_bad_name_is_a_usage_error(tmp_path, capsys):
    assert main(["infra", str(EXAMPLE_PROJECT), "--out", str(tmp_path / "o"), "--name", "1 bad"]) == 2
    assert "--name" in capsys.readouterr().err


def test_infra_create_vpc_on_a_project_with_container_tasks(tmp_path):
    """The command on a project not rewritten yet: the task definitions the rewrite will run, in
    the private VPC --create-vpc makes."""
    source = tmp_path / "source"
    (source / "dags").mkdir(parents=True)
    (source / "dags" / "containers.py").write_text(CONTAINER_DAG)
    out = tmp_path / "infra"
    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        assert main(["infra", str(source), "--out", str(out), "--name", "acme", "--create-vpc",
                     "--target", "3.3.1"]) == 0
    assert "ecs_subnet_1" in stdout.getvalue()
    text = (out / "cloudformation.yaml").read_text()
    assert lint(text) == []
    resources = yaml.safe_load(text)["Resources"]
    assert {r["Properties"]["Family"] for r in resources.values() if r["Type"] == "AWS::ECS::TaskDefinition"} == {
        "etl-extract-1_4", "python-3_11-slim"}
    assert resources["Vpc"]["Type"] == "AWS::EC2::VPC"


def test_rewritten_tasks_without_their_source_are_a_note_and_with_it_task_definitions(tmp_path):
    """``infra`` on migrate's rewritten copy: the images are gone from the code, --source has them."""
    source, rewritten = container_project(tmp_path)
    alone = container_environment(tmp_path, rewritten)
    assert alone.container_tasks == ()
    assert any("etl-extract-1_4, python-3_11-slim" in note and "--source" in note for note in alone.notes)
    out = tmp_path / "infra"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["infra", str(rewritten), "--source", str(source), "--out", str(out), "--name", "acme",
                     "--target", "3.3.1"]) == 0
    resources = yaml.safe_load((out / "cloudformation.yaml").read_text())["Resources"]
    assert {r["Properties"]["Family"] for r in resources.values() if r["Type"] == "AWS::ECS::TaskDefinition"} == (
        written_task_definitions(rewritten / "dags" / "containers.py"))
