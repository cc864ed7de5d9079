"""kill -9 at random points, 20 times, then resume: the verdicts equal an uninterrupted run's.

Each attempt runs the real CLI in a subprocess with the fast scripted judge and is killed
with SIGKILL at a random moment: during start-up, while the store or the run is being
created, while verdicts are journaled, during a flush into DuckDB, or while metrics are
computed. The per-request delay of the scripted judge changes between attempts (it is not
part of the cache key), so the kills land at different stages of the work.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from judgekit import api
from judgekit.datasets import load_items
from judgekit.engine.runner import RunSpec, execute
from judgekit.judges.prompt import build_request, load_template
from judgekit.judges.scripted import ScriptedJudge
from judgekit.store.db import Store
from judgekit.suites import build_trials, load_suite
from tests.conftest import write_fact_items

N_ITEMS = 400
N_KILLS = 20
COLUMNS = "trial_id, request_key, choice, chosen, correct, p_a, p_b, raw"


def _cli(db: Path, data: Path, delay: float) -> list[str]:
    judge = "scripted/first=0.3" + (f",delay={delay}" if delay else "")
    return [sys.executable, "-m", "judgekit", "eval", "--judge", judge, "--data", str(data), "--db", str(db),
            "--no-report"]


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _wait_for_lock_holder(db: Path, pid: int, limit_s: float) -> bool:
    """Until the child holds the writer lock (it has opened the store and is about to judge)."""
    lock = Path(str(db) + ".lock")
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if lock.read_text().strip() == str(pid):
                return True
        except OSError:
            pass
        time.sleep(0.01)
    return False


@pytest.mark.slow
def test_twenty_kill_9s_then_resume_give_exactly_the_uninterrupted_verdicts(tmp_path: Path) -> None:
    data = write_fact_items(tmp_path / "d.jsonl", N_ITEMS)
    ref_db, db = tmp_path / "ref.duckdb", tmp_path / "killed.duckdb"
    api.evaluate("position", judge="scripted/first=0.3", data=str(data), db=ref_db, make_report=False,
                 progress=False)
    reference = _rows(ref_db, f"SELECT {COLUMNS} FROM verdicts ORDER BY trial_id")
    assert len(reference) == 2 * N_ITEMS

    rng = random.Random(9)
    stages: list[str] = []
    for _ in range(N_KILLS):
        proc = subprocess.Popen(_cli(db, data, rng.choice([0.002, 0.005, 0.01])),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if rng.random() < 0.25:  # anywhere in start-up: imports, store creation, run creation
            time.sleep(rng.uniform(0.0, 2.5))
        elif _wait_for_lock_holder(db, proc.pid, 30):
            time.sleep(rng.uniform(0.0, 1.5))  # while judging, journaling and flushing
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            stages.append("killed")
        else:
            stages.append("finished")
        proc.wait(timeout=30)
    assert stages.count("killed") >= N_KILLS // 2, stages

    final = subprocess.run(_cli(db, data, 0), capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr

    # every run in the file is finished and holds exactly the reference verdicts: no duplicates, no gaps
    runs = _rows(db, "SELECT run_id, status, n_trials FROM runs")
    assert runs and all(status == "finished" for _, status, _ in runs), runs
    for run_id, _, n_trials in runs:
        got = _rows(db, f"SELECT {COLUMNS} FROM verdicts WHERE run_id = ? ORDER BY trial_id", [run_id])
        assert got == reference
        assert n_trials == len(got)
        assert _rows(db, "SELECT count(*) FROM verdicts_full WHERE run_id = ?", [run_id]) == [(len(got),)]
        assert _rows(db, "SELECT count(*) FROM items WHERE run_id = ?", [run_id]) == [(N_ITEMS,)]
    assert not Path(str(db) + ".journal").exists()

    # the cache and the store agree: each stored request key holds the answer the judge gives for it
    items = load_items(str(data))
    suite = load_suite("position")
    trials = build_trials(suite, items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
    judge = ScriptedJudge(items, spec="scripted/first=0.3")
    template = load_template(suite.template)
    requests = {t.trial_id: build_request(template, judge.identity(), t, sample_index=t.repeat) for t in trials}
    answers = {req.key: out for req, out in judge.judge(list(requests.values()))}
    for trial_id, key, choice, _, _, p_a, _, _ in reference:
        assert requests[trial_id].key == key
        assert answers[key].choice == choice and answers[key].p_a == p_a
    cached = Store(db, create=False).cached_outputs([r[1] for r in reference])
    assert dict(zip(cached.request_key, cached.choice, strict=True)) == {r[1]: r[2] for r in reference}


class _Crash(Exception):
    pass


def test_crash_between_creating_a_run_and_storing_its_trials_resumes_completely(tmp_path: Path,
                                                                                monkeypatch) -> None:
    """The narrowest kill window: the run row exists but its items/trials were never written."""
    data = write_fact_items(tmp_path / "d.jsonl", 30)
    items = load_items(str(data))
    suite = load_suite("position")
    trials = build_trials(suite, items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
    template = load_template(suite.template)
    spec = RunSpec(suite="position", dataset="d.jsonl", seed=0, template=suite.template)
    store = Store(tmp_path / "j.duckdb")
    real_insert = Store.insert_frame

    def dies_on_trials(self: Store, table: str, df) -> None:
        if table == "trials":
            raise _Crash("killed")
        real_insert(self, table, df)

    monkeypatch.setattr(Store, "insert_frame", dies_on_trials)
    with pytest.raises(_Crash):
        execute(store, ScriptedJudge(items), items, trials, spec, template, config={}, progress=False)
    monkeypatch.setattr(Store, "insert_frame", real_insert)
    stats = execute(store, ScriptedJudge(items), items, trials, spec, template, config={}, progress=False)
    # the trials go in beside the judging: answers that came before the failure are kept, the rest are asked now
    assert stats.resumed and stats.n_done_before + stats.n_judged == len(trials)
    assert len(store.verdicts_frame(stats.run_id)) == len(trials)  # every verdict joins its trial and item
    assert store.run(stats.run_id)["status"] == "finished"


CONCURRENCY = 16


@pytest.mark.slow
def test_kills_while_judging_against_a_server_re_ask_at_most_the_requests_in_flight(tmp_path: Path) -> None:
    """Answers received are journaled at once: a kill costs at most the replies in flight (<= concurrency).

    The loopback server records every reply it wrote in full; a re-ask is such a reply, written
    during a killed attempt, whose request a later attempt sent again.
    """
    from tests.fake_openai import hashing_responder
    from tests.reask import CountingServer, kill_series

    data = write_fact_items(tmp_path / "d.jsonl", 1500)
    with CountingServer(hashing_responder(0.04)) as server:
        ref = tmp_path / "ref.duckdb"
        series_ref = kill_series(server, ref, data, kills=0, concurrency=CONCURRENCY, rng=random.Random(0))
        assert series_ref.final_rc == 0, series_ref.final_stderr
        reference = _rows(ref, f"SELECT {COLUMNS} FROM verdicts ORDER BY trial_id")
        assert len(reference) == 3000
        series = kill_series(server, tmp_path / "k.duckdb", data, kills=4, concurrency=CONCURRENCY,
                             rng=random.Random(5), max_wait_s=3.0)
    assert series.final_rc == 0, series.final_stderr
    assert sum(series.answered) > 0  # the kills landed while answers were arriving
    assert all(n <= CONCURRENCY for n in series.reasks), series
    assert sum(series.reasks) <= CONCURRENCY * len(series.reasks)
    got = _rows(tmp_path / "k.duckdb", f"SELECT {COLUMNS} FROM verdicts ORDER BY trial_id")
    assert got == reference  # exactly the uninterrupted verdicts
    runs = _rows(tmp_path / "k.duckdb", "SELECT status FROM runs")
    assert runs == [("finished",)]
