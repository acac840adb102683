"""REQ017: OS packages installed on-prem need a startup.sh on MWAA"""

from __future__ import annotations

from migrator.analysis.os_packages import needed_os_packages
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.req._helpers import _at


class OsPackages(ProjectRule):
    """
    ## What it does
    Reports operating-system packages the on-prem setup installs (`packages.txt`, `apt-get
    install` / `yum install` in the Airflow image's Dockerfiles and entrypoint scripts).
    Compilers, headers (`libpq-dev`: MWAA's psycopg2-binary bundles libpq), the libraries an image
    installs only to compile lxml or Pillow from source (their wheels bundle libxml2, libxslt,
    libjpeg, libtiff, ...), pip and tools that only run while the image is built (`alien`,
    `apt-utils`, `locales`) are not reported, nor are packages MWAA's image has (`tzdata`, `curl`,
    `python3`, `netbase`, `libstdc++`), nor one installed for programs nothing MWAA runs starts (`git` for the
    image build's `RUN git clone`: reported when a task's command or a script a task runs
    calls `git`, the code imports GitPython, or the shipped requirements hold a `git+` URL;
    `netcat` for the image's entrypoint to wait for its database: MWAA does not run it),
    nor a package installed for a library the code MWAA runs does not load (`libaio1` serves
    the Oracle Instant Client: not reported when only a folder the bundle does not ship, such
    as `unused_dags/`, connects through cx_Oracle; knowledge base
    `compat/data/os_libraries.json`), nor are the Dockerfiles of other images (an ECS task's,
    a web app's), nor what only CI installs (a CI test image's `Dockerfile.test`,
    `Dockerfile.travis`, scripts in `.travis/`: `compat/data/ci_layout.json`). Another variant
    of the Airflow Dockerfile beside it (`Dockerfile.prod`) is a related location of the main
    Dockerfile's finding.

    ## Why it matters on MWAA
    MWAA has no image to customise: OS packages must be installed by a `startup.sh` that runs
    on every component before Airflow starts, with Amazon Linux (dnf/yum) package names.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends libaio1 unixodbc
    ```

    ## Fix
    Write a startup.sh with `sudo yum -y install <packages>` (Amazon Linux names: `libaio`,
    `unixODBC`, ...), keep it under the startup time limit, and guard component-specific steps
    with `MWAA_AIRFLOW_COMPONENT`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    """

    id = "REQ017"
    name = "os-packages"
    severity = Severity.WARNING
    summary = "OS packages installed on-prem need a startup.sh on MWAA"
    valid = (Valid(files={"startup.sh": "#!/bin/sh\nsudo yum -y install libaio\n"}),
             # Build tools and headers of the self-managed image (pycurl for a Celery SQS broker):
             # MWAA's image has pycurl, and nothing runs a compiler once wheels are installed.
             Valid(files={"Dockerfile": "FROM apache/airflow:slim-2.8.4-python3.11\nUSER root\n"
                                        "RUN apt-get install -y --no-install-recommends gcc libc6-dev "
                                        "libcurl4-openssl-dev libssl-dev python3-pip\n"}),
             # gcc and libpq-dev build psycopg2 from source; the project uses psycopg2-binary,
             # which MWAA's image has with libpq inside its wheels.
             Valid(files={"Dockerfile": "FROM apache/airflow:3.1.8-python3.12\nUSER root\n"
                                        "RUN apt-get update && apt-get install -y gcc libpq-dev\n",
                          "requirements.txt": "psycopg2-binary\n"}),
             # An Alpine image compiling lxml, Pillow and psycopg2 from source (no musl wheels): on
             # MWAA pip installs their wheels, which bundle these libraries, and the image has the rest.
             Valid("import lxml.etree\nfrom PIL import Image\n",
                   files={"Dockerfile": "FROM python:3.11-alpine\n"
                                        "RUN apk add --no-cache libstdc++ libxml2-dev libxslt-dev jpeg-dev zlib-dev "
                                        "lcms2-dev freetype-dev openjpeg-dev tiff-dev libpng-dev libxml2 libxslt "
                                        "postgresql-dev tiff lcms2 freetype openjpeg libpng\n"
                                        "RUN pip install apache-airflow==2.10.5 lxml pillow psycopg2\n",
                          "requirements.txt": "lxml\npillow\n"}),
             # A CI test image's headers for the test run: no MWAA task needs them.
             Valid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\nRUN apt-get install -y git\n",
                          "Dockerfile.travis": "FROM apache/airflow:2.7.3\nUSER root\n"
                                               "RUN apt-get install -y unixodbc-dev\n"}),
             # The image of an app deployed beside Airflow, not Airflow's.
             Valid(files={"apps/report/Dockerfile": "FROM python:3.12-slim\nRUN apt-get install -y libaio1\n"}),
             # libaio for the Oracle Instant Client, which only a retired DAG outside the DAG
             # folder loads; alien only converts the client's RPM while the image is built.
             Valid("import pendulum\n", files={
                 "Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\nRUN apt-get install -y alien libaio1\n",
                 "unused_dags/oracle_export.py": "import cx_Oracle\n\nconnection = cx_Oracle.connect('etl')\n"}),
             # git only for the image build's own clone, tzdata only behind its TZ and the
             # /etc/localtime link (MWAA's image has the zone database): no task needs either.
             Valid("from airflow.operators.bash import BashOperator\n\nBashOperator(task_id='t', bash_command='date')\n",
                   files={"Dockerfile": "FROM apache/airflow:2.10.4\nUSER root\n"
                                        "RUN apt-get install -y --no-install-recommends git tzdata\n"
                                        "ENV TZ=Europe/London\nRUN ln -sf /usr/share/zoneinfo/$TZ /etc/localtime\n"
                                        "USER airflow\nRUN git clone --depth 1 https://example.com/acme/etl-lib.git\n"}),
             # netcat only for the image's entrypoint to wait for the database (MWAA does not run
             # it), base-image plumbing and curl (on MWAA's image), GDAL, libspatialindex and FreeTDS
             # for bindings (osgeo, rtree, pymssql) nothing imports.
             Valid("from airflow.operators.bash import BashOperator\n\nBashOperator(task_id='t', bash_command='date')\n",
                   files={"Dockerfile": "FROM apache/airflow:2.10.5\nUSER root\nRUN apt-get install -y python3 netbase apt-utils "
                                        "locales curl netcat binutils gdal-bin libgdal-dev libgeos-dev libproj-dev "
                                        "libspatialindex-dev freetds-dev\n"
                                        "COPY scripts/entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
                          "scripts/entrypoint.sh": "#!/bin/sh\nuntil nc -z postgres 5432; do sleep 1; done\n"
                                                   "exec airflow \"$@\"\n"}))
    invalid = (Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\n"
                                            "RUN apt-get update && apt-get install -y --no-install-recommends freetds-bin unixodbc\n"},
                       line=3, contains="unixodbc"),
               Invalid(files={"packages.txt": "unixodbc\n"}, line=1, contains="startup.sh"),
               # The same libaio for a DAG that connects through the Instant Client: needed.
               Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\nRUN apt-get install -y alien libaio1\n",
                              "dags/oracle_export.py": "import cx_Oracle\n\nconnection = cx_Oracle.connect('etl')\n"},
                       line=3, contains="(libaio1)"),
               # The same git for a task that runs it: needed on MWAA (a script the task runs counts too).
               Invalid("from airflow.operators.bash import BashOperator\n\n"
                       "BashOperator(task_id='sync', bash_command='bash sync_repo.sh ')\n",
                       files={"Dockerfile": "FROM apache/airflow:2.10.4\nUSER root\nRUN apt-get install -y git tzdata\n",
                              "dags/sync_repo.sh": "#!/bin/bash\ngit -C /tmp/etl-lib pull --ff-only\n"},
                       line=3, contains="OS packages (git)"),
               # libpq-dev only builds psycopg2 from source (MWAA's psycopg2-binary bundles libpq):
               # left out of the list, the 7-Zip a task runs is not.
               Invalid("import subprocess\n\ndef unpack(path):\n    subprocess.run(['7z', 'x', path], check=True)\n",
                       files={"Dockerfile": "FROM apache/airflow:2.10.5\nUSER root\n"
                                            "RUN apt-get install -y --no-install-recommends build-essential libpq-dev p7zip-full\n",
                              "requirements.txt": "psycopg2-binary\n"},
                       line=3, contains="OS packages (p7zip-full)"),
               # GDAL's tools for a task that runs ogr2ogr: needed (nc and curl of the same line are not).
               Invalid("from airflow.operators.bash import BashOperator\n\n"
                       "BashOperator(task_id='load', bash_command='ogr2ogr -f GPKG /tmp/out.gpkg /tmp/in.shp')\n",
                       files={"Dockerfile": "FROM apache/airflow:2.10.5\nUSER root\n"
                                            "RUN apt-get install -y curl netcat gdal-bin\n"},
                       line=3, contains="OS packages (gdal-bin)"),
               # A variant of the Airflow Dockerfile (same list): related, not a second finding.
               Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nRUN apt-get install -y unixodbc\n",
                              "Dockerfile.prod": "FROM apache/airflow:2.7.3\nRUN apt-get install -y unixodbc\n"},
                       line=2, contains="unixodbc"))

    def check(self, project, ctx):
        groups: dict[tuple[str, int], list[str]] = {}
        managers: dict[tuple[str, int], str] = {}
        startup = set(project.workspace.startup_scripts)
        for package in needed_os_packages(project, ctx.target):
            if package.path in startup:
                continue  # the project's own start-up script installs it already
            key = (package.path, package.line)
            groups.setdefault(key, []).append(package.name)
            managers[key] = package.manager
        findings: dict[str, list[Finding]] = {}
        for (path, line), names in sorted(groups.items()):
            shown = " ".join(dict.fromkeys(names))
            debian = managers[(path, line)] in ("apt", "list")
            note = "; Debian package names differ on Amazon Linux" if debian else ""
            findings.setdefault(path, []).append(self.finding(
                path, _at(line), f"OS packages ({shown}) are not installed on MWAA: install them from "
                                 f"startup.sh with `sudo yum -y install ...`{note}", anchor=f"{shown}\x1fos"))
        for path, found in findings.items():
            main = _main_dockerfile(path)
            if main in findings and main != path:
                continue  # reported as related locations of the main Dockerfile's finding
            variants = [f for other, more in findings.items() if other != path and _main_dockerfile(other) == path
                        for f in more]
            if variants:
                found[0] = found[0].absorbing(variants, "the same image's CI/test variant installs these too")
            yield from found


def _main_dockerfile(path: str) -> str:
    """``ci/Dockerfile.travis`` -> ``ci/Dockerfile``: the build a variant of the same folder repeats."""
    folder, _, name = path.rpartition("/")
    base = name.split(".", 1)[0] if name.startswith("Dockerfile.") else name
    return f"{folder}/{base}" if folder else base
