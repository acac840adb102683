"""The index pre-passes of migrator.analysis.platform: the project's own wrappers around remote
compute (EMR, ECS, ...) and the path constants only containers use."""

from __future__ import annotations

from migrator.config import Settings
from migrator.engine import build_index
from migrator.workspace import discover

HELPERS = {
    "dags/d.py": "from airflow import DAG\n",
    # Outside the DAG folder: a helper package the DAGs import.
    "src/acme/__init__.py": "",
    "src/acme/steps.py": (
        "from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator\n"
        "class AcmeAddSteps(EmrAddStepsOperator):\n    pass\n"
        "class JobTask:\n"
        "    def steps(self):\n        return [{'Name': 'x', 'HadoopJarStep': {'Jar': 'j', 'Args': []}}]\n"
    ),
    "src/acme/docker.py": (
        "from acme.steps import JobTask, AcmeAddSteps\n"
        "from airflow.operators.python import PythonOperator\n"
        "class DockerJobTask(JobTask):\n    pass\n"
        "class Pipeline:\n"
        "    def build(self, path):\n"
        "        AcmeAddSteps(task_id='a', job_flow_id='j', steps=[])\n"
        "        return PythonOperator(task_id='b', python_callable=print, op_args=[path])\n"
        "def docker_job(name):\n    task = DockerJobTask()\n    return task\n"
        "def local_job():\n    return PythonOperator(task_id='c', python_callable=print)\n"
    ),
    # A re-export under a newer module path.
    "src/acme/v2.py": "from acme.docker import DockerJobTask\n",
}


def test_wrappers_follow_bases_request_bodies_and_returning_helpers_across_modules(make_project):
    root = make_project(HELPERS)
    wrappers = build_index(discover(root, Settings())).remote_compute_wrappers
    # A subclass of an EMR operator, a class building an EMR step, a subclass of that in another
    # module, a helper returning one, a re-export.
    assert {"acme.steps.AcmeAddSteps", "acme.steps.JobTask", "acme.docker.DockerJobTask",
            "acme.docker.docker_job", "acme.v2.DockerJobTask"} <= wrappers
    # A DAG builder that constructs an EMR task among others, and a helper returning a local task.
    assert not {"acme.docker.Pipeline", "acme.docker.local_job"} & wrappers


def test_path_constants_only_pod_specs_use_across_modules(make_project):
    root = make_project({
        "dags/pods/__init__.py": "",
        "dags/pods/paths.py": ('MOUNT_DIR = "/env/config"\nCOPY_TO = "/env/config/app"\n'
                               'SHARED = "/data/shared"\nUNUSED = "/data/unused"\n'),
        "dags/pod_dag.py": ("from kubernetes.client import models as k8s\n"
                            "from pods.paths import COPY_TO, MOUNT_DIR, SHARED\n"
                            "MOUNT = k8s.V1VolumeMount(name='cfg', mount_path=MOUNT_DIR)\n"
                            "INIT = k8s.V1Container(name='cp', command=['cp'], args=['-r', '/src', COPY_TO, SHARED])\n"),
        "dags/report.py": "import os\nfrom pods.paths import SHARED\nFILES = os.listdir(SHARED)\n",
    })
    constants = build_index(discover(root, Settings())).container_only_constants
    # Read by worker code too (SHARED) or by nothing (UNUSED): not the container's alone.
    assert constants == {"pods.paths.MOUNT_DIR", "pods.paths.COPY_TO"}


def test_a_constant_derived_from_a_mount_path_is_as_container_only_as_its_uses(make_project):
    root = make_project({
        "dags/pods/__init__.py": "",
        "dags/pods/config.py": ('MOUNT_PATH = "/env/config"\n'
                                'CFG_PATH = MOUNT_PATH + "/app/root_cfg.py"\n'
                                'LOG_ROOT = "/var/log/app"\n'
                                'REPORT = f"{LOG_ROOT}/report.txt"\n'),
        "dags/pod_dag.py": ("from kubernetes.client import models as k8s\n"
                            "from pods.config import CFG_PATH, MOUNT_PATH, REPORT\n"
                            "MOUNT = k8s.V1VolumeMount(name='cfg', mount_path=MOUNT_PATH)\n"
                            "ENV = k8s.V1EnvVar(name='APP_CFG', value=CFG_PATH)\n"
                            "OUT = k8s.V1EnvVar(name='REPORT', value=REPORT)\n"),
        "dags/report.py": "from pods.config import REPORT\nTEXT = open(REPORT).read()\n",
    })
    constants = build_index(discover(root, Settings())).container_only_constants
    # MOUNT_PATH: a mount path, and the value of CFG_PATH, which only the pod's environment reads.
    # LOG_ROOT: the value of REPORT, which worker code opens as well.
    assert constants == {"pods.config.MOUNT_PATH", "pods.config.CFG_PATH"}


def test_the_index_is_the_same_when_worker_processes_derive_its_file_facts(make_project):
    """A cold run of a project past the parallel threshold derives the index's per-file facts in
    worker processes (FactWorkers): the index must be the one a run in this process builds."""
    from migrator.cache import FileFacts
    from migrator.workers import PARALLEL_THRESHOLD, FactWorkers

    files = dict(HELPERS)
    files.update({f"dags/pipeline_{n}.py": (f"from acme.docker import docker_job\nfrom pods.paths import MOUNT_DIR\n"
                                            f"from kubernetes.client import models as k8s\n"
                                            f"JOB = docker_job('{n}')\n"
                                            f"M = k8s.V1VolumeMount(name='m', mount_path=MOUNT_DIR)\n")
                  for n in range(PARALLEL_THRESHOLD)})
    files.update({"dags/pods/__init__.py": "", "dags/pods/paths.py": 'MOUNT_DIR = "/env/config"\n'})
    workspace = discover(make_project(files), Settings())
    alone = build_index(workspace, FileFacts())
    with FactWorkers(2) as workers:
        parallel = build_index(workspace, FileFacts(mapper=workers))
        assert workers.started  # the threshold was passed: the facts came from worker processes
    assert parallel == alone
    assert "acme.docker.docker_job" in parallel.remote_compute_wrappers
    assert parallel.container_only_constants == {"pods.paths.MOUNT_DIR"}
