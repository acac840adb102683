"""Facts extracted from project files: Python modules, DAGs, and (per analysis) other sources."""
