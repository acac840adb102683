"""The S3 bundle MWAA reads, built from a project: what ``migrator package`` writes.

Layout of the output folder::

    dags/              the DAG folder(s), merged; helpers, SQL, templates and scripts the DAGs use;
                       a generated .airflowignore keeps non-DAG modules out of the DAG processor
    plugins.zip        the plugins folder with its modules at the zip root (MWAA extracts it to
                       /usr/local/airflow/plugins); with --private-network also the wheels and the
                       constraints file the requirements install from
    requirements.txt   the requirements fixed for the target
    startup.sh         only when OS packages or environment variables are needed
    mwaa-config.json   AirflowConfigurationOptions (+ the secrets backend when connections move)
    manifest.json      target, tool version, sha256 and size of every file, and what was left out

Everything is deterministic: the same project gives the same bytes (zip entries sorted, fixed
timestamps and modes; JSON sorted). The output folder is assembled beside its final place and
swapped in at the end, so an interrupted build never leaves a half-written bundle.

One module per job: ``walk`` (which files of the DAG and plugins folders may ship),
``needs`` (what the shipped code imports or names, the generated .airflowignore), ``missing``
(what it needs that the bundle lacks), ``plugins_zip``, ``requirements`` (requirements.txt for
MWAA), ``wheels`` (--private-network), ``startup``, ``config`` (mwaa-config.json), ``staging``
(the swap into place) and ``build``, which runs them over a finished scan; ``model`` holds the
results they share.
"""

from migrator.airflowignore import project_ignore_syntax
from migrator.bundle.build import build_bundle
from migrator.bundle.model import (
    DAGS,
    MANIFEST,
    MWAA_CONFIG,
    PLUGINS_ZIP,
    REQUIREMENTS,
    STARTUP,
    Bundle,
    BundleCheck,
    BundleError,
    BundleOptions,
)
from migrator.bundle.requirements import apply_requirement_repairs
from migrator.bundle.staging import check_out_dir, swap_in

__all__ = [
    "DAGS", "MANIFEST", "MWAA_CONFIG", "PLUGINS_ZIP", "REQUIREMENTS", "STARTUP", "Bundle",
    "BundleCheck", "BundleError", "BundleOptions", "apply_requirement_repairs", "build_bundle",
    "check_out_dir", "project_ignore_syntax", "swap_in",
]
