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
(the swap into place) and ``build``, which runs them over a finished scan and then the PKG
rules over the facts it recorded (``facts``); ``model`` holds the results they share. This
package imports none of them: the PKG rules read ``model`` and ``facts``, and the build imports
the rules, so a package that re-exported the build would close that loop. Import each from its
module (``from migrator.bundle.build import build_bundle``).
"""
