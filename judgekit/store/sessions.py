"""Store errors and sessions: one connection that a thread's reads and writes of one file share.

A session (:meth:`judgekit.store.db.Store.session`) keeps the file open for a few statements instead of
opening it for each; :func:`session_cursor` gives readers that use DuckDB directly a cursor on it.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import duckdb


class _Opens(Protocol):
    """What a session needs of its store (:class:`judgekit.store.db.Store`)."""

    path: Path

    def connect(self, read_only: bool = False) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


class StoreError(RuntimeError):
    """The store cannot be opened or written (locked, read-only, disk full)."""


class StoreLocked(StoreError):
    """Another process holds the DuckDB file."""


_STORE_ERRORS = (duckdb.IOException, duckdb.OutOfMemoryException, duckdb.FatalException, duckdb.PermissionException,
                 duckdb.TransactionException, duckdb.CatalogException)


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set" in msg or "resource temporarily" in msg)


def _is_mode_conflict(exc: Exception) -> bool:
    """DuckDB refused to open a file this process holds open in the other mode (read-only vs read-write)."""
    return "different configuration" in str(exc).lower()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


#: open sessions: (resolved file path, thread id) -> the connection every Store of that file in that thread uses
_SESSIONS: dict[tuple[str, int], tuple[duckdb.DuckDBPyConnection, bool]] = {}
#: connections this process holds open on each file, any thread: resolved path -> [read-only, read-write]
_OPEN: dict[str, list[int]] = {}
_OPEN_LOCK = threading.Lock()


def open_mode(where: str, read_only: bool) -> bool:
    """The mode to open the file ``where`` in (True: read-only).

    DuckDB opens a file in one mode per process: a read while another thread of this process writes the file
    (the verdict writer, the run's item and trial rows) goes through a read-write connection."""
    with _OPEN_LOCK:
        counts = _OPEN.get(where)
        return False if read_only and counts is not None and counts[1] else read_only


def track(where: str, read_only: bool, delta: int) -> None:
    """Count a connection on ``where`` opened (``delta`` 1) or closed (-1) in this process."""
    with _OPEN_LOCK:
        counts = _OPEN.setdefault(where, [0, 0])
        counts[0 if read_only else 1] += delta
        if counts == [0, 0]:
            del _OPEN[where]


def session_cursor(path: str | Path) -> duckdb.DuckDBPyConnection | None:
    """A new cursor on the open session of ``path`` (this thread's first, else any thread's), or None.

    For readers that open the file with DuckDB directly: inside a session the file is already open, possibly
    for writing, and DuckDB refuses a second, read-only open of it in the same process. Closing the cursor
    leaves the session open."""
    where = str(Path(path).resolve())
    mine = _SESSIONS.get((where, threading.get_ident()))
    if mine is None:
        mine = next((v for k, v in list(_SESSIONS.items()) if k[0] == where), None)
    return None if mine is None else mine[0].cursor()


class Session:
    """See :meth:`Store.session`. Sessions nest: an inner one on the same file and thread changes nothing."""

    def __init__(self, store: _Opens, read_only: bool = False):
        self.store = store
        self.read_only = read_only
        self._key: tuple[str, int] | None = None
        self._cm: Any = None

    def __enter__(self) -> Session:
        key = (str(self.store.path.resolve()), threading.get_ident())
        if key not in _SESSIONS:
            self._cm = self.store.connect(read_only=self.read_only)
            _SESSIONS[key] = (self._cm.__enter__(), self.read_only)
            self._key = key
        return self

    def close(self) -> None:
        """End the session now (idempotent); later connects open the file again."""
        if self._key is not None:
            del _SESSIONS[self._key]
            self._key = None
            cm, self._cm = self._cm, None
            cm.__exit__(None, None, None)

    def __exit__(self, *exc: object) -> None:
        self.close()
