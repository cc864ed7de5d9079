"""Buffered, journaled verdict writer: nothing received is lost, the file is held briefly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from judgekit.store.db import Store, StoreLocked
from judgekit.store.journal import Journal

log = logging.getLogger("judgekit")


class VerdictWriter:
    """Journals every row at once and writes batches into DuckDB (``write``: verdicts by default)."""

    def __init__(self, store: Store, journal: Journal, *, flush_every_s: float = 2.0, flush_rows: int = 1000,
                 write: Callable[..., None] | None = None):
        self.store = store
        self.write = write or store.write_verdicts
        self.journal = journal
        self.flush_every_s = flush_every_s
        self.flush_rows = flush_rows
        self.buffer: list[dict[str, Any]] = []
        self._last_flush = time.monotonic()
        self._warned = False
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        self.journal.append(row)
        self.buffer.append(row)
        if len(self.buffer) >= self.flush_rows or time.monotonic() - self._last_flush >= self.flush_every_s:
            self.flush(timeout_s=0.5)

    def flush(self, timeout_s: float | None = None) -> bool:
        """Write the buffer into DuckDB. When a reader holds the file, keep buffering (return False)."""
        self._last_flush = time.monotonic()
        if not self.buffer:
            return True
        self.journal.sync()
        try:
            self.write(self.buffer, timeout_s=timeout_s)
        except StoreLocked:
            if timeout_s is not None and timeout_s < self.store.lock_timeout_s:
                if not self._warned:
                    log.warning("%s is held by another process (a notebook?); verdicts are kept in the "
                                "journal and written when it is released", self.store.path)
                    self._warned = True
                return False
            raise
        self.written += len(self.buffer)
        self.buffer.clear()
        self.journal.clear()
        return True
