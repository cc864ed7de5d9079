"""An append-only journal of answers not yet in the DuckDB file.

Every answer the judge gives is appended here the moment it arrives, before it is
counted anywhere: one JSON line, written and flushed to the operating system, so a
``kill -9`` of judgekit loses nothing that was appended. ``fsync`` (which also survives
a power cut or a kernel crash) is batched: at most every ``fsync_every_s`` seconds while
answers arrive (0.5 s by default; 0 syncs every line), and always before the lines are
written into DuckDB.

Writing into DuckDB happens in a background thread while answers keep arriving, so the
journal is made of segments: :meth:`Journal.rotate` closes the active file and renames it
``DB.journal.N`` (a segment being written into DuckDB); new answers go to a fresh
``DB.journal``. A segment is deleted only after DuckDB has its rows. After a crash, the
next run replays every segment and the active file; a torn last line (the process died
mid-write) is skipped, and that one request is asked again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from judgekit.store.db import StoreError


class JournalError(StoreError):
    """The journal cannot be written (disk full, read-only folder)."""


class Journal:
    def __init__(self, path: str | Path, *, fsync_every_s: float = 0.5):
        self.path = Path(path)
        self.fsync_every_s = fsync_every_s
        self._fh: Any = None
        self._last_sync = time.monotonic()
        self._dirty = False

    def _fail(self, exc: OSError, path: Path | None = None) -> JournalError:
        return JournalError(f"cannot write {path or self.path}: {exc.strerror or exc}")

    def _open(self) -> Any:
        if self._fh is None:
            self._fh = self.path.open("a", encoding="utf-8")
        return self._fh

    def append(self, record: dict[str, Any]) -> None:
        """Write one record and hand it to the OS (and fsync when the last sync is older than the policy)."""
        try:
            fh = self._open()
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            fh.flush()
        except OSError as exc:  # disk full, read-only folder: say which file, in one line
            raise self._fail(exc) from None
        self._dirty = True
        if time.monotonic() - self._last_sync >= self.fsync_every_s:
            self.sync()

    def sync(self) -> None:
        """fsync the active file (a no-op when nothing was appended since the last sync)."""
        self._last_sync = time.monotonic()
        if self._fh is not None and self._dirty:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            except OSError as exc:
                raise self._fail(exc) from None
            self._dirty = False

    def segments(self) -> list[Path]:
        """Rotated segments still waiting to be written into DuckDB, oldest first."""
        found = []
        for p in self.path.parent.glob(self.path.name + ".*"):
            suffix = p.name[len(self.path.name) + 1:]
            if suffix.isdigit():
                found.append((int(suffix), p))
        return [p for _, p in sorted(found)]

    def rotate(self) -> Path | None:
        """Close the active file and rename it to the next segment; None when it holds nothing."""
        self.sync()
        self.close()
        if not self.path.exists():
            return None
        existing = self.segments()
        n = int(existing[-1].name.rsplit(".", 1)[1]) + 1 if existing else 1
        segment = self.path.with_name(f"{self.path.name}.{n}")
        try:
            os.replace(self.path, segment)
        except OSError as exc:
            raise self._fail(exc) from None
        return segment

    def discard(self, segment: Path) -> None:
        """Delete a segment whose rows are in DuckDB."""
        try:
            segment.unlink(missing_ok=True)
        except OSError as exc:
            raise self._fail(exc, segment) from None

    @staticmethod
    def _read(path: Path) -> list[dict[str, Any]]:
        records = []
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break  # torn write from a killed process
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def replay(self) -> list[dict[str, Any]]:
        """Every record in the segments and the active file, oldest first."""
        records: list[dict[str, Any]] = []
        for p in [*self.segments(), self.path]:
            if p.exists():
                records.extend(self._read(p))
        return records

    def clear(self) -> None:
        """Delete the active file and every segment (their rows are in DuckDB)."""
        self.close()
        for p in [*self.segments(), self.path]:
            try:
                p.unlink(missing_ok=True)
            except OSError as exc:
                raise self._fail(exc, p) from None

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError as exc:
                self._fh = None
                raise self._fail(exc) from None
            self._fh = None
