"""mwaa-migrator: move on-premises Apache Airflow projects onto Amazon MWAA.

The library API (docs/api.md) is imported on first use, so ``migrator --version`` and the
command line's start-up do not pay for the engine, LibCST or the sizing model.
"""

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "FixPlan",
    "InputError",
    "Migration",
    "MigratorError",
    "ScanResult",
    "Severity",
    "__version__",
    "apply_fixes",
    "json_report",
    "migrate_project",
    "plan_fixes",
    "report_schema",
    "scan",
]
# Where each public name lives that migrator.api (the functions) does not define.
_HOMES = {
    "ScanResult": "migrator.engine",
    "FixPlan": "migrator.fix",
    "Migration": "migrator.migrate",
    "Finding": "migrator.findings",
    "Severity": "migrator.findings",
    "MigratorError": "migrator.errors",
    "InputError": "migrator.errors",
    "report_schema": "migrator.schemas",
}


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module 'migrator' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_HOMES.get(name, "migrator.api")), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
