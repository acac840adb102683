"""Odds and ends carried over from the Airflow 1.8 / Python 2.7 days.

Nobody loves this module, but half of the legacy DAGs import something from
it. New code should not add to it; see dags/common/README in the wiki.
"""
import collections
import imp
import inspect
import logging
import os
from distutils.util import strtobool

log = logging.getLogger(__name__)

# Vendor-supplied parsers for the returns/RMA files live on the shared drive,
# because the vendors update them without telling us (DATA-611).
VENDOR_PARSER_DIR = "/opt/etl/vendor_parsers"


def env_flag(name, default="false"):
    """Read a yes/no/true/false/1/0 switch from the environment."""
    return bool(strtobool(os.environ.get(name, default)))


def merge_settings(base, override):
    """Deep-merge two settings dicts; ``override`` wins on conflicts."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, collections.Mapping) and isinstance(current, collections.Mapping):
            merged[key] = merge_settings(current, value)
        else:
            merged[key] = value
    return merged


def callable_wants_context(fn):
    """True when ``fn`` takes **kwargs, i.e. expects the Airflow context."""
    spec = inspect.getargspec(fn)
    return spec.keywords is not None


def load_vendor_parser(vendor):
    """Import ``<VENDOR_PARSER_DIR>/<vendor>_parser.py`` and return the module."""
    path = os.path.join(VENDOR_PARSER_DIR, "{}_parser.py".format(vendor))
    if not os.path.exists(path):
        raise IOError("no parser for vendor {!r} at {}".format(vendor, path))
    log.info("Loading vendor parser %s", path)
    return imp.load_source("vendor_parser_{}".format(vendor), path)


def chunked(items, size):
    """Yield lists of at most ``size`` items (used to batch SFTP downloads)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
