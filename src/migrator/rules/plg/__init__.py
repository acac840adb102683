"""PLG: Airflow plugins and the layout of plugins.zip.

Facts come from ``project.plugins`` (:mod:`migrator.analysis.plugins`); which registration
attributes a target still honours comes from ``compat.plugin_attribute_changes``.
"""
