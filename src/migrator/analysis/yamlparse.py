"""YAML text parsed once per run, by libyaml when PyYAML was built with it.

Workspace discovery (a compose file's volumes) and the env analysis (its environment, with line
numbers) read the same compose files: both get the node tree of one parse. PyYAML's pure-Python
loader took most of a warm scan's discovery; its C loader builds the same nodes (the same
resolver tags them). A text the C loader refuses is parsed again by the pure-Python one, so an
error reads, and is placed, as it always has.
"""

from __future__ import annotations

import copy
from functools import lru_cache

import yaml

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Compose and settings files of one project; the texts are the keys, so a file is parsed once.
_PARSES_KEPT = 256


def compose(text: str) -> yaml.Node | None:
    """The node tree of the first document of ``text`` (None when it is empty); raises
    ``yaml.YAMLError`` as ``yaml.compose`` would. The tree is shared: never change it."""
    try:
        return _compose_fast(text)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def safe_load(text: str) -> object:
    """What ``yaml.safe_load`` returns for ``text``, built from the shared node tree."""
    node = compose(text)
    if node is None:
        return None
    # Construction applies ``<<`` merges by rewriting the mapping nodes: it gets its own copy.
    return yaml.constructor.SafeConstructor().construct_document(copy.deepcopy(node))


@lru_cache(maxsize=_PARSES_KEPT)
def _compose_fast(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=_FAST_LOADER)
