"""DockerOperator -> EcsRunTaskOperator (``migrator.aws_native``, codemod ``docker-to-ecs``,
rule MWA001's unsafe fix): before/after per shape, what stays a finding and why, the container
task specs the infrastructure generator reads, and which commands apply the rewrite."""

from __future__ import annotations

import inspect

import pytest
from migrator.compat import get_version
from migrator.compat.aws_native import fargate_size

from migrator.aws_native import (
    project_container_tasks,
    split_command,
    task_definition_family,
    task_definitions,
)
from migrator.cli import main
from migrator.config import load_settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes
from migrator.workspace import discover

TARGET = "3.3.1"
IMPORT = "from airflow.providers.docker.operators.docker import DockerOperator\n"
ECS_IMPORT = "from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator\n"
NETWORK = '''\
    network_configuration={
        "awsvpcConfiguration": {
            "subnets": ["{{ var.value.ecs_subnet_1 }}", "{{ var.value.ecs_subnet_2 }}"],
            "securityGroups": ["{{ var.value.ecs_security_group }}"],
            "assignPublicIp": "DISABLED",
        },
    },
'''


def code(text: str) -> str:
    return inspect.cleandoc(text) + "\n"


def fixed_project(make_project, text: str, files: dict[str, str] | None = None, target: str = TARGET, **scope):
    """A project whose DAG file ``dags/d.py`` is ``text`` (and ``files``) after the fix with
    ``scope`` (default ``--unsafe``): its root, the DAG file's new text and the plan."""
    root = make_project({"dags/d.py": text, **(files or {})})
    plan = plan_fixes(root, load_settings(root), get_version(target), jobs=1, use_cache=False,
                      **(scope or {"unsafe": True}))
    apply_plan(root, plan)
    return root, (root / "dags" / "d.py").read_text(), plan


def fixed(make_project, text: str, target: str = TARGET, rule: str = "MWA001", **scope) -> tuple[str, list]:
    """The DAG file after the fix with ``scope`` (default ``--unsafe``), and ``rule``'s findings left."""
    _, after, plan = fixed_project(make_project, text, target=target, **scope)
    return after, [f for f in plan.remaining if f.rule == rule]


def test_plain_call_becomes_an_ecs_task_named_after_its_image(make_project):
    after, left = fixed(make_project, IMPORT + code('''
        t = DockerOperator(task_id="t", image="registry.acme.io/etl/load:2", retries=1)
    '''))
    assert after == ECS_IMPORT + "\n" + code('''
        t = EcsRunTaskOperator(task_id="t", cluster="airflow-tasks", task_definition="etl-load-2", launch_type="FARGATE", overrides={"containerOverrides": [{"name": "etl-load-2"}]}, network_configuration={"awsvpcConfiguration": {"subnets": ["{{ var.value.ecs_subnet_1 }}", "{{ var.value.ecs_subnet_2 }}"], "securityGroups": ["{{ var.value.ecs_security_group }}"], "assignPublicIp": "DISABLED"}}, awslogs_group="/ecs/etl-load-2", awslogs_stream_prefix="ecs/etl-load-2", retries=1)
    ''')
    assert left == []


def test_templated_command_string_becomes_the_argument_list_with_jinja_kept_whole(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        t = DockerOperator(
            task_id="t",
            image="etl/load",  # the loader
            command="python -m load --day '{{ ds }}' {{ params.extra | default('') }}",
        )
    '''))
    assert after == ECS_IMPORT + "\n" + '''\
t = EcsRunTaskOperator(
    task_id="t",
    cluster="airflow-tasks",
    task_definition="etl-load",  # the loader
    launch_type="FARGATE",
    overrides={
        "containerOverrides": [
            {
                "name": "etl-load",
                "command": ["python", "-m", "load", "--day", "{{ ds }}", "{{ params.extra | default('') }}"],
            },
        ],
    },
''' + NETWORK + '''\
    awslogs_group="/ecs/etl-load",
    awslogs_stream_prefix="ecs/etl-load",
)
'''


def test_list_command_and_environment_dict_become_container_overrides(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        t = DockerOperator(task_id="t", image="etl/load", command=["load", "--all"],
                           environment={"STAGE": "prod", "RUN": "{{ run_id }}"})
    '''))
    assert ('overrides={"containerOverrides": [{"name": "etl-load", "command": ["load", "--all"], '
            '"environment": [{"name": "STAGE", "value": "prod"}, {"name": "RUN", "value": "{{ run_id }}"}]}]}'
            in after)


def test_a_command_list_named_by_a_constant_is_kept_as_written(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        LOAD = ["load", "--all"]
        t = DockerOperator(task_id="t", image="etl/load", command=LOAD)
    '''))
    assert '"command": LOAD}' in after


def test_environment_built_from_other_dicts_is_converted_when_the_task_is_created(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        COMMON = {"STAGE": "prod"}
        t = DockerOperator(task_id="t", image="etl/load", environment=COMMON,
                           private_environment={**COMMON, "TOKEN": "{{ var.value.token }}"})
    '''))
    assert ('"environment": [{"name": name, "value": value} for name, value in '
            '{**COMMON, **COMMON, "TOKEN": "{{ var.value.token }}"}.items()]') in after
    assert "private_environment" not in after


def test_the_fix_says_which_task_definition_and_warns_of_private_values_now_shown(make_project):
    root = make_project({"dags/d.py": IMPORT + 't = DockerOperator(task_id="t", image="etl/load:3", cpus=1, '
                                                 'private_environment={"TOKEN": "{{ var.value.token }}"})\n'})
    [finding] = [f for f in scan(root, load_settings(root), get_version(TARGET), use_cache=False).findings
                 if f.rule == "MWA001"]
    assert finding.fix.description.startswith(
        "run etl/load:3 on ECS Fargate with EcsRunTaskOperator (task definition etl-load-3, 1024 CPU units / 2048 MiB)")
    assert "move secrets to the task definition's secrets" in finding.fix.description


def test_cpus_and_mem_limit_become_the_smallest_fargate_size_that_fits(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        t = DockerOperator(task_id="t", image="etl/load", cpus=1.5, mem_limit="3g")
    '''))
    assert '"cpu": "2048", "memory": "4096"' in after and "cpus" not in after and "mem_limit" not in after


def test_docker_only_arguments_are_dropped_and_task_arguments_kept(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        t = DockerOperator(task_id="t", image="etl/load", docker_url="tcp://docker:2375", auto_remove="force",
                           network_mode="bridge", api_version="auto", tty=True, container_name="load",
                           pool="etl", execution_timeout=None, skip_on_exit_code=99)
    '''))
    for gone in ("docker_url", "auto_remove", "network_mode", "api_version", "tty", "container_name"):
        assert gone not in after
    assert 'pool="etl", execution_timeout=None, skip_on_exit_code=99)' in after


def test_an_argument_the_targets_ecs_operator_does_not_take_leaves_the_call_alone(make_project):
    # skip_on_exit_code came to EcsRunTaskOperator after the amazon provider MWAA 2.11.2 pins.
    source = IMPORT + 't = DockerOperator(task_id="t", image="etl/load", skip_on_exit_code=99)\n'
    after, [left] = fixed(make_project, source, target="2.11.2")
    assert after == source
    assert "skip_on_exit_code: EcsRunTaskOperator on Airflow 2.11.2 does not take it" in left.message


def test_a_bind_mount_is_left_alone_with_a_finding_that_names_efs(make_project):
    source = IMPORT + code('''
        from docker.types import Mount

        t = DockerOperator(task_id="t", image="etl/load", mounts=[Mount(source="/srv", target="/data", type="bind")])
    ''')
    after, [left] = fixed(make_project, source)
    assert after == source
    assert "Not rewritten to EcsRunTaskOperator automatically: mounts:" in left.message
    assert "Amazon EFS" in left.message and left.fix is None


@pytest.mark.parametrize(("argument", "why"), [
    ('working_dir="/app"', "workingDirectory in the task definition"),
    ('image="{{ var.value.image }}"', "no task definition can be named"),
    ('command=build_command()', "the command is computed"),
    ('mem_limit=size', "mem_limit is not a literal size"),
])
def test_arguments_without_a_place_on_ecs_leave_the_call_alone(make_project, argument, why):
    image = "" if argument.startswith("image") else 'image="etl/load", '
    source = IMPORT + f'size = compute()\nt = DockerOperator(task_id="t", {image}{argument})\n'
    after, [left] = fixed(make_project, source)
    assert after == source and why in left.message


def test_a_subclass_of_docker_operator_is_left_alone_with_a_finding(make_project):
    source = IMPORT + code('''

        class CorpDocker(DockerOperator):
            pass


        t = CorpDocker(task_id="t", image="etl/load")
    ''')
    after, [left] = fixed(make_project, source)
    assert after == source
    assert left.location.line == 2 and "CorpDocker is the project's own class" in left.message


def test_the_docker_import_stays_while_another_use_needs_it(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        from docker.types import Mount

        a = DockerOperator(task_id="a", image="etl/a")
        b = DockerOperator(task_id="b", image="etl/b", mounts=[Mount(source="/srv", target="/d", type="bind")])
    '''))
    assert after.startswith(IMPORT) and ECS_IMPORT in after and "a = EcsRunTaskOperator(" in after


def test_plain_fix_and_migrate_leave_it_aws_native_and_unsafe_apply_it(make_project):
    source = IMPORT + 't = DockerOperator(task_id="t", image="etl/load")\n'
    assert fixed(make_project, source, unsafe=False)[0] == source
    assert fixed(make_project, source, required=True)[0] == source
    root = make_project({"dags/d.py": source})
    plan = plan_fixes(root, load_settings(root), get_version(TARGET), required=True, jobs=1, use_cache=False)
    [left] = [f for f in plan.remaining if f.rule == "MWA001"]
    assert plan.reason(left).startswith("unsafe fix available (--unsafe or --aws-native): run etl/load on ECS")
    assert "EcsRunTaskOperator(" in fixed(make_project, source, required=True, aws_native=True)[0]


def test_migrate_aws_native_rewrites_the_copy(make_project, tmp_path):
    root = make_project({"dags/d.py": "from airflow import DAG\n" + IMPORT
                         + 't = DockerOperator(task_id="t", image="etl/load")\n'})
    out = tmp_path / "out"
    assert main(["migrate", str(root), "--out", str(out), "--aws-native", "--quiet"]) in (0, 1)
    assert "EcsRunTaskOperator(" in (out / "project" / "dags" / "d.py").read_text()
    assert "DockerOperator" in (root / "dags" / "d.py").read_text()


def test_container_tasks_and_one_task_definition_per_image(make_project):
    root = make_project({
        "dags/a.py": "from airflow import DAG\n" + IMPORT + code('''
            x = DockerOperator(task_id="x", image="ghcr.io/acme/etl:3", command="run x", cpus=1,
                               environment={"A": "1"})
            y = DockerOperator(task_id="y", image="ghcr.io/acme/etl:3", mem_limit=f"{SIZE}g")
        '''),
        "dags/b.py": "from airflow import DAG\n" + IMPORT + code('''
            z = DockerOperator(task_id="z", image="ghcr.io/acme/etl:3", cpus=4, mem_limit="8g")
            w = DockerOperator(task_id="w", image="python:3.12", volumes=["/srv:/srv"])
        '''),
        # 8 vCPUs take memory in 4 GB steps: the definition needs 20 GB to fit 17 GB too.
        "dags/c.py": "from airflow import DAG\n" + IMPORT + code('''
            u = DockerOperator(task_id="u", image="acme/train", cpus=8)
            v = DockerOperator(task_id="v", image="acme/train", mem_limit="17g")
        '''),
    })
    tasks = project_container_tasks(discover(root, load_settings(root)), get_version(TARGET))
    assert sorted((t.path, t.task_id, t.family, t.command, t.environment_keys, t.size) for t in tasks) == [
        ("dags/a.py", "x", "acme-etl-3", ("run", "x"), ("A",), (1024, 2048)),
        ("dags/b.py", "z", "acme-etl-3", None, (), (4096, 8192)),
        ("dags/c.py", "u", "acme-train", None, (), (8192, 16384)),
        ("dags/c.py", "v", "acme-train", None, (), (4096, 17408)),
    ]
    assert [(d.family, d.image, d.cpu, d.memory, d.dag_files) for d in task_definitions(tasks)] == [
        ("acme-etl-3", "ghcr.io/acme/etl:3", 4096, 8192, ("dags/a.py", "dags/b.py")),
        ("acme-train", "acme/train", 8192, 20480, ("dags/c.py",)),
    ]


@pytest.mark.parametrize(("image", "family"), [
    ("ghcr.io/acme/etl/load:2.1", "acme-etl-load-2_1"),
    ("acme/load:latest", "acme-load"),
    ("localhost:5000/load", "load"),
    ("python:3.12", "python-3_12"),
    ("acme/load@sha256:0123456789abcdef", "acme-load-0123456789ab"),
])
def test_task_definition_family_names_the_image_without_its_registry(image, family):
    assert task_definition_family(image) == family


def test_split_command_splits_as_docker_does_and_keeps_jinja_blocks():
    assert split_command("sh -c 'echo a && echo b' {{ ds }}") == ("sh", "-c", "echo a && echo b", "{{ ds }}")
    assert split_command("echo 'unbalanced") is None


@pytest.mark.parametrize(("cpu", "memory", "size"), [
    (None, 512, (256, 512)), (1024, None, (1024, 2048)), (256, 3000, (512, 3072)),
    (4096, 30000, (4096, 30720)), (16384, 200000, None),
])
def test_fargate_size_is_the_smallest_valid_combination(cpu, memory, size):
    assert fargate_size(cpu, memory) == size


def test_moved_multiline_code_is_reindented_for_its_new_depth_and_keeps_its_comments(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        COMMON = {}
        t = DockerOperator(
            task_id="t",
            image="etl/load",
            private_environment={
                **COMMON,
                "TOKEN": "{{ var.value.token }}",  # from Secrets Manager
            },
        )
    '''))
    assert '''\
                "environment": [{"name": name, "value": value} for name, value in {
                    **COMMON,
                    "TOKEN": "{{ var.value.token }}",  # from Secrets Manager
                }.items()],
''' in after
