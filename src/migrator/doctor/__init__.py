"""``migrator doctor``: read a failing MWAA environment's logs, metrics and status, name the cause
and the fix.

- ``model``: the facts read (log events, metric series, the environment) and the diagnoses.
- ``match``: pure functions from facts to diagnoses, driven by the catalogue in
  ``migrator.compat.failure_signatures``; nothing here prints or reads files.
- ``read``: the two ways in: an export folder (``--logs DIR``) and a live environment (boto3).
- ``render``: text, json and markdown.
"""
