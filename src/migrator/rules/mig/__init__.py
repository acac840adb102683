"""MIG: files the tool could not analyse, rules that crashed, and what ``migrator verify`` showed.

MIG001-MIG006 report what the scan itself could not do; never a crash of the run. MIG101-MIG105
report what loading the DAGs in a real Airflow of the target showed. They read verify results,
never Airflow itself: ``scan --verify`` attaches a fresh run to the project, and a plain scan
uses the ``verify-results.json`` the project carries (written by
``migrator verify -f json -o verify-results.json``), only for files unchanged since it was made
and only when it was made for the scan's target. Without either, they report nothing.
"""
