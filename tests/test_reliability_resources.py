"""Resource failures: each gives one clear line, a non-zero exit status, and loses nothing written before.

Covered: the DuckDB file locked by another process, a full disk (DuckDB writes and the
journal), a read-only report folder, a model that cannot be found, and an API key that is
missing or rejected (401 from a server on 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, fault, reply

from judgekit.cli import main
from judgekit.engine.writer import VerdictWriter
from judgekit.judges.api import LiteLLMJudge
from judgekit.store import db as store_db
from judgekit.store.db import Store
from judgekit.store.journal import Journal
from tests.conftest import write_fact_items

JUDGE = "scripted/first=0.3"


def _eval(capsys, db: Path, data: Path, *extra: str, judge: str = JUDGE) -> tuple[int, str, str]:
    rc = main(["eval", "--judge", judge, "--data", str(data), "--db", str(db), *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_clear_line(err: str, *needles: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith("judgekit: error: "), err
    for n in needles:
        assert re.search(n, lines[0], re.IGNORECASE), (n, lines[0])
    return lines[0]


def _verdicts(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT run_id, trial_id, choice FROM verdicts ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_fact_items(tmp_path / "d.jsonl", 100)


@pytest.fixture
def earlier(tmp_path: Path, data: Path, capsys) -> tuple[Path, list[tuple]]:
    """A database that already holds a finished run: whatever fails next must not touch it."""
    db = tmp_path / "j.duckdb"
    other = write_fact_items(tmp_path / "earlier.jsonl", 20, seed=5)
    other.write_text(other.read_text().replace("What is", "Compute"))  # nothing in common with `data`
    assert _eval(capsys, db, other, "--no-report")[0] == 0
    return db, _verdicts(db)


def test_database_locked_by_another_process(earlier, data: Path, capsys, monkeypatch) -> None:
    db, before = earlier
    monkeypatch.setitem(Store.__init__.__kwdefaults__, "lock_timeout_s", 1.0)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        rc, _out, err = _eval(capsys, db, data, "--no-report")
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert rc != 0
    _one_clear_line(err, "locked by another process", re.escape(str(db)))
    assert _verdicts(db) == before
    rc, _out, err = _eval(capsys, db, data, "--no-report")  # once it is released, the same command works
    assert rc == 0, err
    assert len(_verdicts(db)) == len(before) + 200


class _FullDisk:
    """A DuckDB connection whose verdict inserts fail as on a full disk after ``ok`` successful ones."""

    def __init__(self, con: duckdb.DuckDBPyConnection, state: dict) -> None:
        self._con, self._state = con, state

    def execute(self, sql: str, *args):
        if sql.startswith("INSERT OR REPLACE INTO verdicts"):
            self._state["writes"] += 1
            if self._state["writes"] > self._state["ok"]:
                raise duckdb.IOException('IO Error: Could not write file "j.duckdb.wal": No space left on device')
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def _requests_sent(out: str) -> int:
    return int(re.search(r"(\d+) requests sent", out).group(1))


def test_disk_full_while_writing_verdicts(earlier, data: Path, capsys, monkeypatch) -> None:
    db, before = earlier
    monkeypatch.setitem(VerdictWriter.__init__.__kwdefaults__, "flush_every_s", 0.05)
    state = {"writes": 0, "ok": 3}
    real_connect = duckdb.connect
    monkeypatch.setattr(store_db.duckdb, "connect", lambda *a, **k: _FullDisk(real_connect(*a, **k), state))
    rc, _out, err = _eval(capsys, db, data, "--no-report", judge=JUDGE + ",delay=0.002")
    monkeypatch.setattr(store_db.duckdb, "connect", real_connect)
    assert rc != 0
    _one_clear_line(err, "No space left on device", re.escape(str(db)))
    stored = _verdicts(db)
    assert set(before) <= set(stored) and len(stored) > len(before)  # the writes that worked are kept
    journaled = Journal(str(db) + ".journal").replay()
    assert journaled  # the rest waits in the journal
    # space is freed: the same command replays the journal and asks only for what was never answered
    rc, out, err = _eval(capsys, db, data, "--no-report")
    assert rc == 0, err
    assert _requests_sent(out) == 200 - (len(stored) - len(before)) - len(journaled)
    assert len(_verdicts(db)) == len(before) + 200


class _NoSpaceFile:
    """A journal file handle that fails like a full disk after ``limit`` lines."""

    def __init__(self, fh, calls: dict) -> None:
        self._fh, self._calls = fh, calls

    def write(self, text: str) -> int:
        self._calls["n"] += 1
        if self._calls["n"] > self._calls["limit"]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._fh.write(text)

    def __getattr__(self, name: str):
        return getattr(self._fh, name)


def test_disk_full_while_journaling(earlier, data: Path, capsys, monkeypatch) -> None:
    db, before = earlier
    calls = {"n": 0, "limit": 50}
    real_open = Journal._open

    def failing_open(self: Journal):
        if not isinstance(self._fh, _NoSpaceFile):
            self._fh = _NoSpaceFile(real_open(self), calls)
        return self._fh

    monkeypatch.setattr(Journal, "_open", failing_open)
    rc, _out, err = _eval(capsys, db, data, "--no-report")
    monkeypatch.setattr(Journal, "_open", real_open)
    assert rc != 0
    _one_clear_line(err, "No space left on device", r"\.journal")
    assert len(_verdicts(db)) == len(before) + 50  # every verdict that reached the journal is in DuckDB
    rc, out, err = _eval(capsys, db, data, "--no-report")
    assert rc == 0, err
    assert _requests_sent(out) == 150 and len(_verdicts(db)) == len(before) + 200


@contextlib.contextmanager
def read_only_dir(path: Path) -> Iterator[Path]:
    """A folder nobody may write into: chmod for ordinary users, the immutable flag for root."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("cannot make a read-only folder here")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_report_folder(tmp_path: Path, data: Path, capsys) -> None:
    db = tmp_path / "j.duckdb"
    with read_only_dir(tmp_path / "reports") as out_dir:
        rc, _out, err = _eval(capsys, db, data, "--out", str(out_dir))
        assert not list(out_dir.iterdir())
    assert rc != 0
    _one_clear_line(err, re.escape(str(out_dir)), "not permitted|permission denied|read-only")
    # the run itself is complete and stored; the report can be written elsewhere later
    con = duckdb.connect(str(db), read_only=True)
    status, n_metrics = con.execute("SELECT status, (SELECT count(*) FROM metrics) FROM runs").fetchone()
    con.close()
    assert status == "finished" and n_metrics > 0 and len(_verdicts(db)) == 200
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "elsewhere")]) == 0
    assert list((tmp_path / "elsewhere").glob("*.html"))


@pytest.mark.parametrize("spec", ["hf/./no-such-model", "rm/./no-such-model"])
def test_model_not_found(earlier, data: Path, capsys, spec: str) -> None:
    pytest.importorskip("transformers")
    db, before = earlier
    rc, _out, err = _eval(capsys, db, data, "--no-report", judge=spec)
    assert rc != 0
    _one_clear_line(err, "cannot load model", re.escape("./no-such-model"))
    assert _verdicts(db) == before


def req_headers(server: FakeOpenAI, call_index: int) -> dict[str, str]:
    return server.requests[call_index].headers


@pytest.fixture
def api_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setattr(LiteLLMJudge, "retry_base_s", 0.05)


def test_api_key_missing(earlier, data: Path, capsys, monkeypatch, api_env) -> None:
    """No key at all: the local server is sent the placeholder key, and rejects it."""
    db, before = earlier
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(lambda req, i: fault(401)) as server:
        rc, _out, err = _eval(capsys, db, data, "--no-report", "--api-base", server.base_url,
                              "--concurrency", "8", judge="openai/judge")
        assert len(server.requests) <= 10  # it stopped after the requests in flight instead of trying every one
    assert rc != 0
    _one_clear_line(err, "API key missing or rejected", "OPENAI_API_KEY")
    assert set(before) <= set(_verdicts(db))


def test_api_key_rejected_midway_keeps_verdicts_and_resumes(earlier, data: Path, capsys, monkeypatch,
                                                            api_env) -> None:
    db, before = earlier
    monkeypatch.setenv("OPENAI_API_KEY", "sk-revoked-key-000000000000")

    def responder(req: dict, i: int):  # the key is revoked after 30 answers; a new key works
        ok = i < 30 or req_headers(server, i).get("authorization") == "Bearer sk-valid-key-111111111111"
        return reply("A") if ok else fault(401)

    with FakeOpenAI(responder) as server:
        rc, _out, err = _eval(capsys, db, data, "--no-report", "--api-base", server.base_url,
                              "--concurrency", "1", judge="openai/judge")
        assert rc != 0
        _one_clear_line(err, "API key missing or rejected", "OPENAI_API_KEY")
        assert "sk-revoked" not in err
        kept = [r for r in _verdicts(db) if r not in before]
        assert len(kept) == 30 and set(before) <= set(_verdicts(db))  # every paid-for verdict was written
        con = duckdb.connect(str(db), read_only=True)
        assert "failed" in {s for (s,) in con.execute("SELECT status FROM runs").fetchall()}
        con.close()
        monkeypatch.setenv("OPENAI_API_KEY", "sk-valid-key-111111111111")
        n_before = len(server.requests)
        rc, out, err = _eval(capsys, db, data, "--no-report", "--api-base", server.base_url,
                             judge="openai/judge")
        assert len(server.requests) - n_before == 170
    assert rc == 0, err
    assert "resumed: 30 already done" in out and len(_verdicts(db)) == len(before) + 200
