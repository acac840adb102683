"""Store-calendar helpers from the 2019 VM setup.

This folder was created when the plugins directory was copied into itself during the
2021 server move (``cp -r plugins plugins/``); the scheduler never imported from here and
nobody has dared delete it since. The maintained version lives in ``acme/macros.py``.
"""

from datetime import date, timedelta


def week_start(day: date) -> date:
    """Monday of the week ``day`` falls in (the stores' trading week)."""
    return day - timedelta(days=day.weekday())
