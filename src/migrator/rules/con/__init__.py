"""CON: connections, variables and secrets.

Definitions and references come from ``project.connections``
(:mod:`migrator.analysis.connections`). No message ever holds a credential: every value that
could be one goes through :mod:`migrator.secrets`.
"""
