"""The Store DQ page of the pre-RBAC (Flask-Admin) web UI of Airflow 1.10.

We switched the VMs to ``rbac = True`` in 2020 (DATA-640) and the page moved to
dq_dashboard.py; this view only sends people there. It stays registered until
the VMs are gone, in case that switch is ever rolled back. The Airflow 2 image
has no Flask-Admin, so there is nothing to register there.
"""
try:
    from flask import redirect
    from flask_admin import BaseView, expose
except ImportError:
    LEGACY_ADMIN_VIEWS = []
else:

    class LegacyDataQualityView(BaseView):
        """Acme -> Store DQ in the old UI."""

        @expose("/")
        def index(self):
            return redirect("/acme/dq/")

    LEGACY_ADMIN_VIEWS = [LegacyDataQualityView(category="Acme", name="Store DQ")]
