"""mwaa-migrator: move on-premises Apache Airflow projects onto Amazon MWAA."""

__version__ = "0.1.0"
