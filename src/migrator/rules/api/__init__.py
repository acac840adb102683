"""API: Airflow API changes between the project's Airflow and the target.

Imports of names the target moved or removed, DAG and operator arguments it renamed, removed or
ignores, template-context keys it no longer provides, features it removed or changed (SubDAGs,
``days_ago``, renamed classes, ``@apply_defaults``, the default schedule and catchup,
metadata-database access, the CLI in tasks), Airflow's own Kubernetes pod objects, and what
Airflow 3 rejects at parse time (model attributes, mixins, payload reads, task group ids).

Every import form counts: ``from x import Y``, ``from x import Y as Z``, ``import a.b as c``
followed by ``c.Y``, ``import airflow`` followed by ``airflow.contrib.x.Y``, and 1.10's
plugin-manager imports (``from airflow.operators.acme_plugin import Op``). Imports inside a
``try``/``except ImportError`` (or an ``if``) that offers a name the target has are a
compatibility shim and are left alone.
"""
