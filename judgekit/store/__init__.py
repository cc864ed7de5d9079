"""DuckDB store: schema, writer, readers.

The names below are loaded on first use, so importing one submodule (the read model in
:mod:`judgekit.store.queries`, say) does not import the writer and pandas with it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Journal", "Store", "StoreError", "StoreLocked"]
_HOME = {"Store": "judgekit.store.db", "StoreError": "judgekit.store.db", "StoreLocked": "judgekit.store.db",
         "Journal": "judgekit.store.journal"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'judgekit.store' has no attribute {name!r}")
