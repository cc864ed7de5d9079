"""An append-only journal of verdicts not yet in the DuckDB file.

Every answer the judge gives is appended here the moment it arrives (one JSON
line, flushed to the OS). The engine writes the journal into DuckDB every few
seconds and then empties it. After a crash or ``kill -9``, the next run replays
the journal first, so no paid-for verdict is lost; a torn last line (the
process died mid-write) is skipped, and that one request is asked again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from judgekit.store.db import StoreError


class JournalError(StoreError):
    """The journal cannot be written (disk full, read-only folder)."""


class Journal:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fh: Any = None

    def _open(self) -> Any:
        if self._fh is None:
            self._fh = self.path.open("a", encoding="utf-8")
        return self._fh

    def append(self, record: dict[str, Any]) -> None:
        try:
            fh = self._open()
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            fh.flush()
        except OSError as exc:  # disk full, read-only folder: say which file, in one line
            raise JournalError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def sync(self) -> None:
        if self._fh is not None:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            except OSError as exc:
                raise JournalError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def replay(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        records = []
        with self.path.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break  # torn write from a killed process
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def clear(self) -> None:
        self.close()
        if self.path.exists():
            self.path.unlink()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
