"""The DuckDB store.

DuckDB lets one process write a file and no other process read it meanwhile.
judgekit therefore never holds the file open for long: every write opens a
connection, writes a batch and closes it again (the engine flushes every couple
of seconds), and every read does the same in read-only mode. A notebook can read
results while a run is writing; when the notebook happens to hold the file, the
writer keeps its verdicts in the journal (see :mod:`judgekit.store.journal`) and
writes them at the next flush.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from judgekit.liveness import writer_alive
from judgekit.store.schema import SCHEMA_VERSION, TABLES, VIEWS
from judgekit.store.sessions import (
    _SESSIONS,
    _STORE_ERRORS,
    Session,
    StoreError,
    StoreLocked,
    _is_lock_error,
    _is_mode_conflict,
    _one_line,
    open_mode,
    track,
)

#: identifies the DDL text: a file created by the same text needs no DDL when opened again
SCHEMA_HASH = hashlib.sha256((TABLES + VIEWS).encode("utf-8")).hexdigest()[:16]

if TYPE_CHECKING:
    import pandas as pd


def _pandas() -> Any:
    """pandas, imported on first use: a command that only reads records (``runs``, ``card``, a rerun that an
    identical finished run answers) never pays for it."""
    import pandas

    return pandas


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


VERDICT_COLUMNS = ("run_id", "trial_id", "request_key", "choice", "chosen", "correct", "p_a", "p_b", "raw",
                   "error", "input_tokens", "output_tokens", "latency_s", "cost_usd", "cached", "created_at",
                   "parse_rule", "p_ab_mass", "score_first", "score_second")


COMPLETION_COLUMNS = ("request_key", "task", "judge", "messages", "raw", "error", "input_tokens", "output_tokens",
                      "latency_s", "cost_usd", "created_at")
#: pointwise score sub-requests (judgekit/judges/pointwise.py), in the column order of the scores table
SCORE_COLUMNS = ("request_key", "judge", "score", "parse_rule", "raw", "input_tokens", "output_tokens", "latency_s",
                 "cost_usd", "created_at")


#: dict rows per INSERT statement of :meth:`Store.insert_frame`
_INSERT_CHUNK = 100_000

def _insert_dicts(path: Path, con: duckdb.DuckDBPyConnection, table: str, names: list[str],
                  rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT OR REPLACE`` dict rows into ``table`` as one typed list per column (a missing key and a float NaN
    are NULL, as a pandas frame would give them), :data:`_INSERT_CHUNK` rows per statement."""
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                             [table]).fetchall())
    unknown = [c for c in names if c not in types]
    if unknown:
        raise StoreError(f"{path}: table {table} has no column {unknown[0]!r}")
    cols = ", ".join(f'"{c}"' for c in names)
    sel = ", ".join(f'unnest(?::{types[c]}[]) AS "{c}"' for c in names)
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start:start + _INSERT_CHUNK]
        con.execute(f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {sel}",
                    [[_null_nan(r.get(c)) for r in chunk] for c in names])


def _null_nan(value: Any) -> Any:
    return None if isinstance(value, float) and value != value else value


class Store:
    def __init__(self, path: str | Path, *, create: bool = True, lock_timeout_s: float = 30.0):
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self._identity: tuple[int, int] | None = None
        self._store_id: str | None = None  # a random id in `meta`: a replaced file has another (or none)
        # row writes from several threads of this process (the verdict writer's, a pointwise judge's) take turns
        self._write_lock = threading.RLock()
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._store_id = self._current_store_id()
            if self._store_id is None:  # a new file, or one whose tables and views predate this schema text
                with self.connect() as con:
                    con.execute(TABLES)
                    con.execute(VIEWS)
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_hash', ?)", [SCHEMA_HASH])
                    con.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", [uuid.uuid4().hex])
                    self._store_id = con.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchall()[0][0]
        elif not self.path.exists():
            raise StoreError(f"{self.path}: no such judgekit database")
        self._identity = self._file_identity()

    def _current_store_id(self) -> str | None:
        """The store id of an existing file whose schema is this version's (same DDL text), else None.

        Opening such a file reads two rows instead of running the DDL in a write transaction."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return None
        try:
            with self.connect(read_only=True) as con:
                meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('schema_hash', 'store_id')"
                                        ).fetchall())
        except StoreLocked:
            raise
        except (duckdb.Error, StoreError):
            return None  # not a judgekit file yet (or no meta table): the write path says what is wrong
        return meta.get("store_id") if meta.get("schema_hash") == SCHEMA_HASH else None

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _check_same_file(self) -> None:
        """The file opened at start must still be there: never recreate a deleted or replaced database."""
        if self._identity is None:
            return
        now_id = self._file_identity()
        if now_id is None:
            raise StoreError(f"{self.path} was deleted while judgekit was using it; the answers received are "
                             f"kept in {self.path}.journal; run the same command again")
        if now_id != self._identity:
            raise StoreError(f"{self.path} was replaced by another file while judgekit was using it; the answers "
                             f"received are kept in {self.path}.journal; run the same command again")

    # -- connections -------------------------------------------------------------------------
    def session(self, read_only: bool = False) -> Session:
        """One connection for a sequence of short reads and writes in this thread (``with store.session():``).

        Every :meth:`connect` of a store on the same file in the same thread uses it until the session is
        closed (leaving the ``with`` block, or ``close()`` earlier), instead of opening the file each time.
        Other threads and processes are not affected: they open their own connections, and wait while this
        one holds the file, so a session spans a few statements, never a wait on a judge. A ``read_only``
        session is for reads only (DuckDB opens a file in one mode per process: a write inside it fails); it
        lets other processes read the file at the same time.
        """
        return Session(self, read_only)

    @contextmanager
    def connect(self, read_only: bool = False, timeout_s: float | None = None
                ) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a short-lived connection, retrying while another process holds the file (or use this thread's
        :meth:`session`)."""
        where = str(self.path.resolve())
        shared, shared_read_only = _SESSIONS.get((where, threading.get_ident()), (None, True))
        read_only = open_mode(where, read_only)  # beside another thread's writer (its session, say): read-write
        if shared is not None and (read_only or not shared_read_only):
            self._check_same_file()
            try:
                yield shared
            except _STORE_ERRORS as exc:
                raise StoreError(f"cannot {'read' if read_only else 'write'} {self.path}: {_one_line(exc)}"
                                 ) from None
            return
        deadline = time.monotonic() + (self.lock_timeout_s if timeout_s is None else timeout_s)
        delay = 0.05
        self._check_same_file()
        wanted = read_only
        while True:
            read_only = open_mode(where, wanted)
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.Error as exc:
                # another process holds the file, or another thread of this one has it open in the other mode
                if _is_mode_conflict(exc):  # a short read or write of another thread: it ends soon
                    if time.monotonic() >= deadline:
                        raise StoreLocked(f"{self.path} stayed open in the other mode in this process: "
                                          f"{_one_line(exc)}") from None
                    time.sleep(0.01)
                    continue
                if _is_lock_error(exc):
                    if time.monotonic() >= deadline:
                        raise StoreLocked(f"{self.path} is locked by another process ({_one_line(exc)}). Close other "
                                          "connections to it (a notebook holding it open) and try again.") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                raise StoreError(f"cannot open {self.path}: {_one_line(exc)}") from None
        track(where, read_only, 1)
        try:
            if self._store_id is not None and not read_only:
                self._check_store_id(con)
            yield con
        except _STORE_ERRORS as exc:
            # e.g. "No space left on device": one clear line instead of a DuckDB traceback
            raise StoreError(f"cannot {'read' if read_only else 'write'} {self.path}: {_one_line(exc)}") from None
        finally:
            con.close()
            track(where, read_only, -1)

    def _check_store_id(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            rows = con.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchall()
        except duckdb.Error:
            rows = []
        if not rows or rows[0][0] != self._store_id:
            raise StoreError(f"{self.path} was replaced by another file while judgekit was using it; the answers "
                             f"received are kept in {self.path}.journal; run the same command again")

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    # -- runs ----------------------------------------------------------------------------------
    def create_run(self, run: dict[str, Any]) -> None:
        with self.connect() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, NULL, ?, ?, NULL)",
                [run["run_id"], run["suite"], run["judge"], run["dataset"], json.dumps(run["config"]),
                 json.dumps(run["versions"]), run["seed"], now(), run["fingerprint"], run["n_trials"]])

    def find_resumable(self, fingerprint: str) -> str | None:
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT run_id FROM runs WHERE fingerprint = ? AND status <> 'finished' "
                              "ORDER BY started_at DESC LIMIT 1", [fingerprint]).fetchone()
        return row[0] if row else None

    def latest_finished(self, fingerprint: str) -> str | None:
        """The newest finished run with this fingerprint."""
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT run_id FROM runs WHERE fingerprint = ? AND status = 'finished' "
                              "ORDER BY started_at DESC LIMIT 1", [fingerprint]).fetchone()
        return row[0] if row else None

    def known_runs(self, run_ids: set[str]) -> set[str]:
        """Those of ``run_ids`` that have a row in ``runs``."""
        if not run_ids:
            return set()
        with self.connect(read_only=True) as con:
            return {r for (r,) in con.execute("SELECT run_id FROM runs WHERE run_id IN (SELECT unnest(?::VARCHAR[]))",
                                              [sorted(run_ids)]).fetchall()}

    def writer_alive(self) -> bool:
        """Whether the process named in the writer lock (``DB.lock``) is still alive."""
        return writer_alive(self.path)

    def mark_interrupted(self) -> None:
        """Runs left 'running' by a process that died become 'interrupted' (call while holding the writer lock)."""
        with self.connect() as con:
            con.execute("UPDATE runs SET status = 'interrupted', message = 'the process writing it stopped "
                        "(killed or crashed); run the same command again to resume' WHERE status = 'running'")

    def set_status(self, run_id: str, status: str, message: str | None = None) -> None:
        finished = now() if status == "finished" else None
        with self.connect(timeout_s=max(self.lock_timeout_s, 120)) as con:
            con.execute("UPDATE runs SET status = ?, finished_at = ?, message = ? WHERE run_id = ?",
                        [status, finished, message, run_id])

    def run(self, run_id: str) -> dict[str, Any]:
        df = self.query("SELECT * FROM runs WHERE run_id = ?", [run_id])
        if df.empty:
            raise StoreError(f"{self.path}: no run with id {run_id!r}")
        rec = df.iloc[0].to_dict()
        for key in ("config", "versions"):
            rec[key] = json.loads(rec[key]) if isinstance(rec[key], str) else (rec[key] or {})
        return rec

    def runs(self) -> pd.DataFrame:
        """Every run; one shown 'running' whose writing process is gone is shown 'interrupted'."""
        df = self.query("SELECT * FROM run_summary ORDER BY started_at")
        if "status" in df.columns and (df["status"] == "running").any() and not self.writer_alive():
            df.loc[df["status"] == "running", "status"] = "interrupted"
        return df

    # -- items and trials ---------------------------------------------------------------------
    def insert_frame(self, table: str, df: pd.DataFrame | list[dict[str, Any]]) -> None:
        """``INSERT OR REPLACE`` rows into ``table``: a pandas frame, or dict rows with the same keys.

        Dict rows go in as one typed list per column (``unnest``), in chunks, without pandas."""
        if len(df) == 0:
            return
        if isinstance(df, list):
            with self.connect() as con:
                _insert_dicts(self.path, con, table, list(df[0]), df)
            return
        with self.connect() as con:
            con.register("_frame", df)
            cols = ", ".join(f'"{c}"' for c in df.columns)
            con.execute(f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {cols} FROM _frame")
            con.unregister("_frame")

    # -- verdicts -----------------------------------------------------------------------------
    def upsert_rows(self, table: str, columns: Sequence[str], rows: list[dict[str, Any]],
                    timeout_s: float | None = None) -> None:
        """``INSERT OR REPLACE`` dict rows into ``table`` (``columns``: the ones to fill; a missing key is NULL).

        No pandas frame is registered: a registration on one connection can fail while another thread of
        the process writes the same file ("pandas_scan does not exist")."""
        if not rows:
            return
        with self._write_lock, self.connect(timeout_s=timeout_s) as con:
            _insert_dicts(self.path, con, table, list(columns), rows)

    def write_verdicts(self, rows: list[dict[str, Any]], timeout_s: float | None = None) -> None:
        self.upsert_rows("verdicts", VERDICT_COLUMNS, rows, timeout_s)

    def finished_trials(self, run_id: str) -> set[str]:
        """Trials of a run that have a verdict (parse failures included; errors are retried)."""
        with self.connect(read_only=True) as con:
            rows = con.execute("SELECT trial_id FROM verdicts WHERE run_id = ? AND choice <> 'error'",
                               [run_id]).fetchall()
        return {r for (r,) in rows}

    def cached_rows(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """:meth:`cached_outputs` as dict rows (SQL NULL as None), read without pandas."""
        if not keys:
            return []
        with self.connect(read_only=True) as con:
            cur = con.execute(
                "SELECT * FROM verdicts WHERE choice <> 'error' AND request_key IN (SELECT unnest(?::VARCHAR[])) "
                "QUALIFY row_number() OVER (PARTITION BY request_key ORDER BY created_at DESC) = 1", [list(keys)])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def cached_outputs(self, keys: Sequence[str]) -> pd.DataFrame:
        """The newest non-error answer for each request key, from any run."""
        if not keys:
            return _pandas().DataFrame(columns=list(VERDICT_COLUMNS))
        with self.connect(read_only=True) as con:
            return con.execute(
                "SELECT * FROM verdicts WHERE choice <> 'error' AND request_key IN (SELECT unnest(?::VARCHAR[])) "
                "QUALIFY row_number() OVER (PARTITION BY request_key ORDER BY created_at DESC) = 1", [list(keys)]).df()

    def metrics_frame(self, run_id: str) -> pd.DataFrame:
        """What the statistics read of a run (:func:`judgekit.store.frames.read_metrics_frame`)."""
        from judgekit.store.frames import read_metrics_frame

        with self.connect(read_only=True) as con:
            return read_metrics_frame(con, run_id)

    def copy_metrics(self, source_run: str, target_run: str) -> None:
        with self.connect(timeout_s=max(self.lock_timeout_s, 120)) as con:
            con.execute("DELETE FROM metrics WHERE run_id = ?", [target_run])
            con.execute("INSERT INTO metrics SELECT ? AS run_id, * EXCLUDE (run_id) FROM metrics WHERE run_id = ?",
                        [target_run, source_run])

    def verdicts_frame(self, run_id: str) -> pd.DataFrame:
        return self.query('SELECT * FROM verdicts_full WHERE run_id = ? ORDER BY item_id, probe, condition, '
                          '"order", repeat', [run_id])

    # -- free-text completions (factor extraction, principle proposals, votes) -----------------
    def write_completions(self, rows: list[dict[str, Any]], timeout_s: float | None = None) -> None:
        self.upsert_rows("completions", COMPLETION_COLUMNS, rows, timeout_s)

    def completed(self, keys: Sequence[str]) -> pd.DataFrame:
        """Stored successful completions for ``keys``."""
        if not keys:
            return _pandas().DataFrame(columns=list(COMPLETION_COLUMNS))
        with self.connect(read_only=True) as con:
            return con.execute("SELECT * FROM completions WHERE error IS NULL AND request_key IN "
                               "(SELECT unnest(?::VARCHAR[]))", [list(keys)]).df()

    # -- pointwise score sub-requests ------------------------------------------------------------
    def write_scores(self, rows: list[dict[str, Any]], timeout_s: float | None = None) -> None:
        self.upsert_rows("scores", SCORE_COLUMNS, rows, timeout_s)

    def stored_scores(self, keys: Sequence[str]) -> pd.DataFrame:
        """Stored answers (a score, or an unreadable answer) of the score sub-requests ``keys``."""
        if not keys:
            return _pandas().DataFrame(columns=list(SCORE_COLUMNS))
        with self.connect(read_only=True) as con:
            return con.execute("SELECT * FROM scores WHERE request_key IN (SELECT unnest(?::VARCHAR[]))",
                               [list(keys)]).df()

    # -- metrics ------------------------------------------------------------------------------
    def write_metrics(self, run_id: str, suite: str, metrics: pd.DataFrame) -> None:
        """Replace the run's metrics; every row records the judgekit and statistics versions."""
        from judgekit import __version__
        from judgekit.stats import STATS_VERSION

        df = metrics.copy()
        df.insert(0, "suite", suite)
        df.insert(0, "run_id", run_id)
        df["computed_at"] = now()
        df["judgekit_version"] = __version__
        df["stats_version"] = STATS_VERSION
        cols = ["run_id", "suite", "probe", "metric", "subset", "estimate", "ci_low", "ci_high", "p_value",
                "p_adjusted", "n", "note", "computed_at", "family", "judgekit_version", "stats_version"]
        for c in cols:
            if c not in df.columns:
                df[c] = None
        df = df[cols]
        with self.connect(timeout_s=max(self.lock_timeout_s, 120)) as con:
            con.execute("DELETE FROM metrics WHERE run_id = ?", [run_id])
            con.register("_m", df)
            con.execute("INSERT INTO metrics SELECT * FROM _m")
            con.unregister("_m")

    def metrics(self, run_id: str) -> pd.DataFrame:
        return self.query("SELECT * FROM metrics WHERE run_id = ? ORDER BY probe, metric, subset", [run_id])
