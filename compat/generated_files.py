"""Writing compat/data/generated/: stable JSON bytes for the same data, and the error a
generation run (``python -m migrator.compat.generate``) stops on."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

GENERATED_BY = "python -m migrator.compat.generate"


class GenerationError(RuntimeError):
    pass


def dump(path: Path, document: Any) -> int:
    """Write sorted, indented JSON ending in a newline: stable bytes for the same data."""
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text)


# Mappings dump_compact writes one entry a line: module inventories and the runtime package pins.
COMPACT_MAPPINGS = ("models", "modules", "requires", "constraints", "essential", "preinstalled")


def dump_compact(path: Path, document: Any, blocks: tuple[str, ...] = COMPACT_MAPPINGS) -> int:
    """Inventories, signatures and runtime data: one module (or model, or entry) per line of each
    mapping in ``blocks``; small and still diffable."""
    lines = ["{"]
    keys = sorted(document)
    for index, key in enumerate(keys):
        comma = "," if index < len(keys) - 1 else ""
        if key in blocks:
            lines.append(f' "{key}": {{')
            modules = document[key]
            names = sorted(modules)
            for position, module in enumerate(names):
                sep = "," if position < len(names) - 1 else ""
                lines.append(f"  {json.dumps(module)}: {json.dumps(modules[module], sort_keys=True, separators=(',', ':'))}{sep}")
            lines.append(" }" + comma)
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(document[key], sort_keys=True, separators=(',', ':'))}{comma}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text)


def inventory_file_name(distribution: str, version: str) -> str:
    return f"{distribution}-{version}.json"


# ---------------------------------------------------------------------------------------------
# the run


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
