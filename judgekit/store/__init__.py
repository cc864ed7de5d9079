"""DuckDB store: schema, writer, readers."""

from judgekit.store.db import Store, StoreError, StoreLocked
from judgekit.store.journal import Journal

__all__ = ["Journal", "Store", "StoreError", "StoreLocked"]
