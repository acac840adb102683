"""CFG: airflow.cfg and ``AIRFLOW__SECTION__KEY`` options, classified for the target MWAA.

Every option the project sets (``project.config``) is classified by
:func:`migrator.analysis.config.classify`; each classification has its rule here. Values are
printed through the masking helpers only. Config fixes carry ``kind="config"`` with an
``action`` (``rename``, ``drop``) and the option names; they describe edits of the MWAA
configuration-options map built for the package step.
"""
