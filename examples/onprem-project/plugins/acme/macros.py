"""Retail-calendar macros, available in templates as {{ macros.acme_plugin.<name> }}.

Acme's fiscal year follows the 4-5-4 retail calendar: it starts on the
Sunday closest to February 1st, quarters are 13 weeks, and the months in a
quarter have 4, 5 and 4 weeks. A 53rd week is added every 5-6 years.
"""
from datetime import date, datetime, timedelta

STORE_TIMEZONES = {
    "northeast": "America/New_York",
    "southeast": "America/New_York",
    "midwest": "America/Chicago",
    "west": "America/Los_Angeles",
}
WEEKS_PER_PERIOD = [4, 5, 4] * 4


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(str(value)[:10], "%Y-%m-%d").date()


def fiscal_year_start(year):
    """Sunday closest to February 1st of ``year``."""
    feb1 = date(year, 2, 1)
    days_since_sunday = (feb1.weekday() + 1) % 7
    if days_since_sunday <= 3:
        return feb1 - timedelta(days=days_since_sunday)
    return feb1 + timedelta(days=7 - days_since_sunday)


def _fiscal_year_of(day):
    start = fiscal_year_start(day.year)
    return day.year if day >= start else day.year - 1


def fiscal_week(ds):
    """1-based fiscal week number for a date string like '2024-03-14'."""
    day = _as_date(ds)
    start = fiscal_year_start(_fiscal_year_of(day))
    return (day - start).days // 7 + 1


def fiscal_period(ds):
    """'FY2024-P02' style label for the fiscal month containing ``ds``."""
    day = _as_date(ds)
    year = _fiscal_year_of(day)
    week = fiscal_week(day)
    elapsed = 0
    for period, weeks in enumerate(WEEKS_PER_PERIOD, start=1):
        elapsed += weeks
        if week <= elapsed:
            return "FY{}-P{:02d}".format(year, period)
    return "FY{}-P12".format(year)  # week 53 belongs to the last period


def store_timezone(region):
    """IANA timezone the stores of a region report in."""
    return STORE_TIMEZONES.get(region, "America/New_York")
