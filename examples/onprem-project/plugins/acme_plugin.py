"""Acme Retail Airflow plugin.

Registers our custom operators, hook and executor (so 1.10 DAGs can import
them as ``airflow.operators.acme_plugin`` / ``airflow.hooks.acme_plugin``), the
retail-calendar macros (``{{ macros.acme_plugin.fiscal_week(ds) }}``), and the
Store DQ page in the web UI (Flask blueprint for the template and static
files, AppBuilder view for the menu entry; the Flask-Admin view of the
pre-RBAC UI is still here too).

Deployed to $AIRFLOW_HOME/plugins on the VMs and mounted at
/opt/airflow/plugins in docker-compose.yaml.
"""
from airflow.plugins_manager import AirflowPlugin
from flask import Blueprint

from acme import __version__
from acme.executors import KerberizedLocalExecutor
from acme.hooks.pos_api_hook import PosApiHook
from acme.macros import fiscal_period, fiscal_week, store_timezone
from acme.operators.sftp_to_s3 import SftpToS3Operator
from acme.operators.store_dq import StoreDataQualityOperator
from acme.views.dq_dashboard import DataQualityDashboard
from acme.views.legacy_admin import LEGACY_ADMIN_VIEWS

# Template and static folders are relative to this file (the plugins folder).
acme_blueprint = Blueprint(
    "acme_plugin",
    __name__,
    template_folder="acme/templates",
    static_folder="acme/static",
    static_url_path="/static/acme",
)

dq_dashboard_view = {
    "name": "Store DQ",
    "category": "Acme",
    "view": DataQualityDashboard(),
}

runbook_menu_link = {
    "name": "Data-eng runbooks",
    "category": "Acme",
    "href": "https://wiki.corp.acme.local/display/DE/Runbooks",
}


class AcmePlugin(AirflowPlugin):
    name = "acme_plugin"

    operators = [SftpToS3Operator, StoreDataQualityOperator]
    hooks = [PosApiHook]
    executors = [KerberizedLocalExecutor]
    macros = [fiscal_week, fiscal_period, store_timezone]

    flask_blueprints = [acme_blueprint]
    appbuilder_views = [dq_dashboard_view]
    appbuilder_menu_items = [runbook_menu_link]
    # Pre-RBAC UI (rbac = False); an empty list on the Airflow 2 image.
    admin_views = LEGACY_ADMIN_VIEWS

    @classmethod
    def on_load(cls, *args, **kwargs):
        # Shows up in the scheduler log; handy when a deploy did not restart it.
        import logging

        logging.getLogger(__name__).info("acme_plugin %s loaded", __version__)
