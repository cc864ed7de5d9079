import os
import signal
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest

from judgekit import api
from judgekit.judges.scripted import ScriptedJudge
from judgekit.store import Store
from tests.conftest import write_fact_items


def _verdict_set(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT trial_id, choice, chosen FROM verdicts ORDER BY trial_id").fetchall()
    finally:
        con.close()


def test_end_to_end_planted_bias_and_cache(tmp_path, fact_file):
    db = tmp_path / "j.duckdb"
    res = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, out=tmp_path,
                       make_report=False, progress=False)
    assert res.stats.n_trials == 400 and res.stats.n_judged == 400 and res.stats.n_cached == 0
    m = res.metrics.set_index(["metric", "subset"])
    pc = m.loc[("position_consistency", "all")]
    assert abs(pc.estimate - 0.7) < 0.08 and pc.ci_low < pc.estimate < pc.ci_high and pc.n == 200
    # the same call again is answered by the identical finished run: nothing is asked or written
    same = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, out=tmp_path,
                        make_report=False, progress=False)
    assert same.run_id == res.run_id and same.stats.n_judged == same.stats.n_cached == 0
    assert same.stats.n_done_before == 400 and len(api.runs(db)) == 1
    pd.testing.assert_frame_equal(same.metrics, res.metrics)
    # with a report asked for and none written yet, the finished run is reopened and its report written
    rep = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, out=tmp_path,
                       progress=False)
    assert rep.run_id == res.run_id and rep.report_path is not None and rep.report_path.stat().st_size > 0
    # a run whose metrics came from another judgekit or statistics version is not reused: a new run is
    # served from the cache (no request is sent) and its metrics are computed again
    con = duckdb.connect(str(db))
    con.execute("UPDATE metrics SET stats_version = 'old' WHERE run_id = ?", [res.run_id])
    con.close()
    res2 = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, out=tmp_path,
                        make_report=False, progress=False)
    assert res2.run_id != res.run_id
    assert res2.stats.n_judged == 0 and res2.stats.n_cached == 400
    v1, v2 = api.verdicts(res.run_id, db), api.verdicts(res2.run_id, db)
    assert list(v1.sort_values("trial_id").choice) == list(v2.sort_values("trial_id").choice)
    runs = api.runs(db)
    assert set(runs.status) == {"finished"} and len(runs) == 2
    # the rerun's metrics are the first run's (same verdicts, same seed)
    cols = ["metric", "subset", "estimate", "ci_low", "ci_high", "n"]
    m1 = res.metrics[cols].sort_values(["metric", "subset"]).reset_index(drop=True)
    m2 = res2.metrics[cols].sort_values(["metric", "subset"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(m1, m2)
    # a different design (mitigations) is a different run: nothing is resumed or copied across
    res3 = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, mitigations="swap",
                        make_report=False, progress=False)
    assert not res3.stats.resumed and res3.metrics.metric.str.startswith("mitigation_").any()


def test_parse_failures_are_never_scored(tmp_path, fact_file):
    db = tmp_path / "j.duckdb"
    res = api.evaluate("position", judge="scripted/invalid=0.2", data=str(fact_file), db=db,
                       make_report=False, progress=False)
    v = api.verdicts(res.run_id, db)
    invalid = v[v.choice == "invalid"]
    assert 40 <= len(invalid) <= 120
    assert invalid.chosen.isna().all() and invalid.correct.isna().all()
    m = res.metrics.set_index(["metric", "subset"])
    assert m.loc[("accuracy", "all")].estimate == pytest.approx(1.0)
    assert m.loc[("accuracy_strict", "all")].estimate == pytest.approx(1 - len(invalid) / len(v))
    assert m.loc[("parse_failure_rate", "all")].estimate == pytest.approx(len(invalid) / len(v))


def test_judge_error_midway_keeps_verdicts_and_resumes(tmp_path, fact_file):
    from judgekit.datasets import load_items
    from judgekit.judges.base import JudgeError

    items = load_items(str(fact_file))
    state = {"n": 0}

    def flaky(req, gold, rng):
        from judgekit.types import JudgeOutput
        state["n"] += 1
        if state["n"] == 150:
            raise JudgeError("API key rejected")
        return JudgeOutput(choice=gold or "A")

    db = tmp_path / "j.duckdb"
    with pytest.raises(JudgeError):
        api.evaluate("position", judge_obj=ScriptedJudge(items, policy=flaky), data=str(fact_file), db=db,
                     make_report=False, progress=False)
    assert len(_verdict_set(db)) == 149
    assert api.runs(db).status.tolist() == ["failed"]
    judge = ScriptedJudge(items, policy=flaky)
    res = api.evaluate("position", judge_obj=judge, data=str(fact_file), db=db, make_report=False,
                       progress=False)
    assert res.stats.resumed and res.stats.n_done_before == 149 and res.stats.n_judged == 251
    assert judge.calls == 251
    assert len(_verdict_set(db)) == 400 and api.runs(db).status.tolist() == ["finished"]


def _cli(db, data, judge="scripted/first=0.3,delay=0.004"):
    return [sys.executable, "-m", "judgekit", "eval", "--judge", judge, "--data", str(data), "--db", str(db),
            "--no-report"]


@pytest.mark.slow
def test_kill_9_then_resume_gives_the_uninterrupted_verdict_set(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 300)
    ref_db = tmp_path / "ref.duckdb"
    subprocess.run(_cli(ref_db, data, "scripted/first=0.3"), check=True, capture_output=True)
    reference = _verdict_set(ref_db)
    assert len(reference) == 600

    db = tmp_path / "killed.duckdb"
    journal = tmp_path / "killed.duckdb.journal"
    for extra in (0.3, 1.0):
        proc = subprocess.Popen(_cli(db, data), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        while not journal.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)  # wait until verdicts are arriving, however slow the start-up
        time.sleep(extra)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    out = subprocess.run(_cli(db, data), check=True, capture_output=True, text=True).stdout
    assert "resumed" in out
    got = _verdict_set(db)
    assert got == reference  # same set, no duplicates (primary key), no gaps
    # every request was sent exactly once over all attempts: resumed runs skip what was judged
    runs = api.runs(db)
    assert len(runs) == 1 and runs.status.iloc[0] == "finished"


@pytest.mark.slow
def test_notebook_reads_while_a_run_writes(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 300)
    db = tmp_path / "live.duckdb"
    proc = subprocess.Popen(_cli(db, data, "scripted/first=0.3,delay=0.01"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline:
        if db.exists():
            try:
                seen.append(len(api.verdicts(db=db)))
            except ValueError:
                pass  # no run registered yet
        time.sleep(0.5)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert len(seen) >= 3 and max(seen) >= 1
    assert seen == sorted(seen)  # the notebook sees the run grow
    assert len(_verdict_set(db)) == 600


def test_store_reader_does_not_create_or_lock(tmp_path):
    with pytest.raises(Exception, match="no such judgekit database"):
        Store(tmp_path / "missing.duckdb", create=False)


def test_a_finished_run_with_an_error_is_not_reused(tmp_path, fact_file):
    db = tmp_path / "j.duckdb"
    res = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, make_report=False,
                       progress=False)
    con = duckdb.connect(str(db))
    con.execute("UPDATE verdicts SET choice = 'error', error = 'boom' WHERE run_id = ? AND trial_id = "
                "(SELECT min(trial_id) FROM verdicts WHERE run_id = ?)", [res.run_id, res.run_id])
    con.close()
    again = api.evaluate("position", judge="scripted/first=0.3", data=str(fact_file), db=db, make_report=False,
                         progress=False)
    assert again.run_id != res.run_id and again.stats.n_judged == 1 and again.stats.n_cached == 399
