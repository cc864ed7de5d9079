"""Journaled verdict writer: every answer is on disk before it is counted; DuckDB is written behind.

``add`` appends the row to the journal (see :mod:`judgekit.store.journal`) and returns at
once. Every ``flush_every_s`` seconds (or ``flush_rows`` rows) the journal's active file is
rotated into a segment and a background thread writes that segment's rows into DuckDB,
while new answers keep going to the journal. A segment is deleted once DuckDB has it, so
at every moment each received answer is in DuckDB, in a journal segment, or both.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from judgekit.store.db import Store, StoreLocked
from judgekit.store.journal import Journal

log = logging.getLogger("judgekit")

Batch = tuple[Path | None, list[dict[str, Any]]]


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
        self._pending: list[Batch] = []  # rotated segments not yet in DuckDB (owned by the caller's thread)
        self._thread: threading.Thread | None = None
        self._returned: list[Batch] = []  # batches a background write could not store
        self._error: BaseException | None = None
        self._last_flush = time.monotonic()
        self._warned = False
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        """Journal ``row`` (it is durable when this returns); start a background write when one is due."""
        self.journal.append(row)
        self.buffer.append(row)
        self._collect()
        if len(self.buffer) >= self.flush_rows or time.monotonic() - self._last_flush >= self.flush_every_s:
            if self._thread is None:
                self._start_background()

    def _collect(self) -> None:
        """Take back a finished background write; raise the error it met (its rows stay journaled)."""
        if self._thread is None or self._thread.is_alive():
            return
        self._thread = None
        self._pending = self._returned + self._pending
        self._returned = []
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def _rotate(self) -> None:
        if self.buffer:
            self._pending.append((self.journal.rotate(), self.buffer))
            self.buffer = []

    def _start_background(self) -> None:
        self._last_flush = time.monotonic()
        self._rotate()
        batches, self._pending = self._pending, []
        if not batches:
            return
        self._thread = threading.Thread(target=self._write_background, args=(batches,), name="judgekit-writer",
                                        daemon=True)
        self._thread.start()

    def _write_background(self, batches: list[Batch]) -> None:
        try:
            self._store(batches, timeout_s=0.5)
        except StoreLocked:
            if not self._warned:
                log.warning("%s is held by another process (a notebook?); verdicts are kept in the "
                            "journal and written when it is released", self.store.path)
                self._warned = True
            self._returned = batches
        except BaseException as exc:  # re-raised in the caller's thread by the next add or flush
            self._returned = batches
            self._error = exc

    def _store(self, batches: list[Batch], timeout_s: float | None) -> None:
        rows = [r for _, part in batches for r in part]
        self.write(rows, timeout_s=timeout_s)
        self.written += len(rows)
        for segment, _ in batches:
            if segment is not None:
                self.journal.discard(segment)

    def flush(self, timeout_s: float | None = None) -> bool:
        """Write everything received into DuckDB now (waiting for a background write first).

        When a reader holds the file and ``timeout_s`` is shorter than the store's lock timeout,
        keep the rows journaled and return False.
        """
        if self._thread is not None:
            self._thread.join()
        self._collect()
        self._last_flush = time.monotonic()
        self._rotate()
        if not self._pending:
            return True
        try:
            self._store(self._pending, timeout_s=timeout_s)
        except StoreLocked:
            if timeout_s is not None and timeout_s < self.store.lock_timeout_s:
                if not self._warned:
                    log.warning("%s is held by another process (a notebook?); verdicts are kept in the "
                                "journal and written when it is released", self.store.path)
                    self._warned = True
                return False
            raise
        self._pending = []
        self.journal.clear()
        return True
