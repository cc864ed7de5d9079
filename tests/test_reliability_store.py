"""The store fails in one line and loses nothing: deleted or replaced file, full disk, read-only file, dead runs.

A full disk is simulated by injecting the error at the write boundary: DuckDB's
``IOException`` / ``TransactionException`` ("No space left on device") on one kind of
statement, and ``OSError(ENOSPC)`` while an artefact is written. Each case checks the one
line on stderr (``judgekit: error: ...`` naming the file), exit status 2, that the answers
received are in DuckDB or the journal, that no verdict belongs to a run missing from
``runs``, and that the same command then finishes the run without re-asking.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from judgekit.cli import main
from judgekit.engine.writer import VerdictWriter
from judgekit.store import db as store_db
from judgekit.store.db import Store
from judgekit.store.journal import Journal
from tests.conftest import write_fact_items

JUDGE = "scripted/first=0.3"
N = 60  # items: 120 trials


def _eval(capsys, db: Path, data: Path, *extra: str) -> tuple[int, str, str]:
    rc = main(["eval", "--judge", JUDGE, "--data", str(data), "--db", str(db), *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line(err: str, *needles: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("judgekit: error: "), err
    for n in needles:
        assert re.search(n, lines[0], re.IGNORECASE), (n, lines[0])


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _no_orphans(db: Path) -> None:
    assert _rows(db, "SELECT count(*) FROM verdicts WHERE run_id NOT IN (SELECT run_id FROM runs)") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM verdicts v WHERE NOT EXISTS (SELECT 1 FROM trials t "
                     "WHERE t.run_id = v.run_id AND t.trial_id = v.trial_id)") == [(0,)]


def _sent(out: str) -> int:
    return int(re.search(r"(\d+) requests sent", out).group(1))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_fact_items(tmp_path / "d.jsonl", N)


class _Failing:
    """A DuckDB connection whose statements starting with ``prefix`` fail like a full disk (after ``ok``)."""

    def __init__(self, con, prefix: str, state: dict, exc: type[Exception]) -> None:
        self._con, self._prefix, self._state, self._exc = con, prefix, state, exc

    def execute(self, sql: str, *args):
        if sql.startswith(self._prefix):
            self._state["n"] += 1
            if self._state["n"] > self._state["ok"]:
                raise self._exc("Could not write file: No space left on device")
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def _fail_on(monkeypatch, prefix: str, exc: type[Exception] = duckdb.IOException, ok: int = 0) -> dict:
    state = {"n": 0, "ok": ok}
    real = duckdb.connect
    monkeypatch.setattr(store_db.duckdb, "connect", lambda *a, **k: _Failing(real(*a, **k), prefix, state, exc))
    return state


@pytest.mark.parametrize("table,exc", [("items", duckdb.TransactionException), ("trials", duckdb.IOException)])
def test_disk_full_while_items_or_trials_are_stored(tmp_path: Path, data: Path, capsys, monkeypatch, table,
                                                    exc) -> None:
    db = tmp_path / "j.duckdb"
    _fail_on(monkeypatch, f"INSERT OR REPLACE INTO {table}", exc)
    rc, _, err = _eval(capsys, db, data, "--no-report")
    monkeypatch.undo()
    assert rc == 2
    _one_line(err, "No space left on device", re.escape(str(db)))
    assert _rows(db, "SELECT status FROM runs") == [("failed",)]  # not left 'running'
    rc, out, err = _eval(capsys, db, data, "--no-report")
    assert rc == 0, err
    assert "resumed" in out and _rows(db, "SELECT status, count(*) FROM runs GROUP BY ALL") == [("finished", 1)]
    assert _rows(db, "SELECT count(*) FROM verdicts") == [(2 * N,)]
    _no_orphans(db)


def test_disk_full_while_metrics_are_stored(tmp_path: Path, data: Path, capsys, monkeypatch) -> None:
    db = tmp_path / "j.duckdb"
    _fail_on(monkeypatch, "INSERT INTO metrics")
    rc, _, err = _eval(capsys, db, data, "--no-report")
    monkeypatch.undo()
    assert rc == 2
    _one_line(err, "No space left on device", re.escape(str(db)))
    assert _rows(db, "SELECT count(*) FROM verdicts") == [(2 * N,)]  # every answer is kept
    rc, out, err = _eval(capsys, db, data, "--no-report")
    assert rc == 0, err
    assert _sent(out) == 0 and _rows(db, "SELECT count(DISTINCT run_id) FROM metrics") == [(1,)]
    _no_orphans(db)


def test_disk_full_while_the_report_is_written_then_rerun_writes_it(tmp_path: Path, data: Path, capsys,
                                                                  monkeypatch) -> None:
    db, out_dir = tmp_path / "j.duckdb", tmp_path / "reports"
    real_write = Path.write_text

    def full(self: Path, *a, **k):
        if self.name.endswith(".tmp"):
            real_write(self, "<html>half", encoding="utf-8")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, *a, **k)

    real_open = Path.open

    def full_open(self: Path, mode: str = "r", *a, **k):  # the page is streamed to its temporary file
        if self.name.endswith(".tmp") and "w" in mode:
            with real_open(self, mode, *a, **k) as f:
                f.write("<html>half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(self, mode, *a, **k)

    monkeypatch.setattr(Path, "write_text", full)
    monkeypatch.setattr(Path, "open", full_open)
    rc, _, err = _eval(capsys, db, data, "--out", str(out_dir))
    monkeypatch.undo()
    assert rc == 2
    _one_line(err, "No space left on device", re.escape(str(out_dir)), r"\.html")
    assert not list(out_dir.iterdir())  # no half-written report, no temporary file
    (run_id,) = _rows(db, "SELECT run_id FROM runs WHERE status = 'finished'")[0]
    rc, out, err = _eval(capsys, db, data, "--out", str(out_dir))
    assert rc == 0, err
    assert _sent(out) == 0 and _rows(db, "SELECT run_id FROM runs") == [(run_id,)]  # the same run, reopened
    report = out_dir / f"{run_id}.html"
    assert report.stat().st_size > 1000 and [p.name for p in out_dir.iterdir()] == [report.name]


def test_rerun_of_a_finished_run_whose_report_is_empty_writes_it_again(tmp_path: Path, data: Path, capsys) -> None:
    db, out_dir = tmp_path / "j.duckdb", tmp_path / "reports"
    assert _eval(capsys, db, data, "--out", str(out_dir))[0] == 0
    (report,) = out_dir.glob("*.html")
    report.write_text("")  # what a kill during a non-atomic write left behind
    rc, out, err = _eval(capsys, db, data, "--out", str(out_dir))
    assert rc == 0, err
    assert _sent(out) == 0 and len(_rows(db, "SELECT run_id FROM runs")) == 1
    assert report.stat().st_size > 1000
    # a complete finished run with its report in place answers the same command: nothing sent, written or
    # rendered again (the report file is left as it is)
    mtime = report.stat().st_mtime_ns
    rc, out, err = _eval(capsys, db, data, "--out", str(out_dir))
    assert rc == 0, err
    assert _sent(out) == 0 and len(_rows(db, "SELECT run_id FROM runs")) == 1 and report.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_database_deleted_or_replaced_mid_run(tmp_path: Path, data: Path, capsys, monkeypatch, how: str) -> None:
    db = tmp_path / "j.duckdb"
    other = tmp_path / "other.duckdb"
    Store(other)
    real = Store.write_verdicts
    calls = {"n": 0}

    def write(self: Store, rows, timeout_s=None):
        calls["n"] += 1
        if calls["n"] == 3:  # two flushes stored, then the file goes away
            db.unlink()
            if how == "replaced":
                shutil.copy(other, db)
        return real(self, rows, timeout_s=timeout_s)

    monkeypatch.setattr(Store, "write_verdicts", write)
    monkeypatch.setitem(VerdictWriter.__init__.__kwdefaults__, "flush_every_s", 0.02)
    rc, _, err = _eval(capsys, db, data, "--no-report", "--judge", JUDGE + ",delay=0.002")
    monkeypatch.undo()
    assert rc == 2
    _one_line(err, re.escape(str(db)), how, r"\.journal")
    journaled = Journal(str(db) + ".journal").replay()
    assert journaled  # the answers received since the last write are kept
    if how == "deleted":
        assert not db.exists()  # never silently recreated
    rc, out, err = _eval(capsys, db, data, "--no-report")
    assert rc == 0, err
    assert _sent(out) == 2 * N - len({r["request_key"] for r in journaled})  # journaled answers are not re-asked
    assert _rows(db, "SELECT status, count(*) FROM runs GROUP BY ALL") == [("finished", 1)]
    assert _rows(db, "SELECT count(*) FROM verdicts") == [(2 * N,)]
    _no_orphans(db)
    assert not Path(str(db) + ".journal").exists()


def test_read_only_database_file(tmp_path: Path, data: Path, capsys) -> None:
    db = tmp_path / "j.duckdb"
    Store(db)
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode:
            pytest.skip("cannot make a read-only file here")
        undo = ["chattr", "-i", str(db)]
    else:
        db.chmod(0o444)
        undo = ["chmod", "644", str(db)]
    try:
        rc, _, err = _eval(capsys, db, data, "--no-report")
    finally:
        subprocess.run(undo, check=True)
    assert rc == 2
    _one_line(err, re.escape(str(db)))
    rc, _, err = _eval(capsys, db, data, "--no-report")
    assert rc == 0, err


def test_a_run_whose_process_died_shows_as_interrupted(tmp_path: Path, data: Path, capsys) -> None:
    db = tmp_path / "j.duckdb"
    proc = subprocess.Popen([sys.executable, "-m", "judgekit", "eval", "--judge", JUDGE + ",delay=0.05", "--data",
                             str(data), "--db", str(db), "--no-report"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    lock = Path(str(db) + ".lock")
    for _ in range(3000):
        if lock.exists() and lock.read_text().strip() == str(proc.pid) and db.exists():
            try:
                if _rows(db, "SELECT count(*) FROM runs") == [(1,)]:
                    break
            except duckdb.Error:
                pass
        subprocess.run(["sleep", "0.02"])
    proc.kill()
    proc.wait()
    assert _rows(db, "SELECT status FROM runs") == [("running",)]  # what the dead process left
    assert main(["runs", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert "interrupted" in listing and "running" not in listing
    assert Store(db, create=False).runs().status.tolist() == ["interrupted"]
    rc, out, err = _eval(capsys, db, data, "--no-report")  # the same command resumes it
    assert rc == 0 and "resumed" in out, err
    assert _rows(db, "SELECT status FROM runs") == [("finished",)]
