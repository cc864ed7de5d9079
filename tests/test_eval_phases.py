"""The pieces that keep one ``eval`` process lean: streamed page writes, freed memory, one open file,
typed dict-row inserts and the per-run DuckDB thread setting."""

from __future__ import annotations

import duckdb
import pytest

from judgekit.atomic import atomic_write_pieces
from judgekit.memory import release
from judgekit.store.db import Store, StoreError
from judgekit.store.sessions import session_cursor


def test_pieces_are_written_whole_or_not_at_all(tmp_path):
    out = atomic_write_pieces(tmp_path / "page.html", iter(["<p>", "é</p>", "\n"]))
    assert out.read_text(encoding="utf-8") == "<p>é</p>\n"

    def broken():
        yield "<p>half"
        raise RuntimeError("template failed")

    with pytest.raises(RuntimeError, match="template failed"):
        atomic_write_pieces(tmp_path / "page.html", broken())
    assert out.read_text(encoding="utf-8") == "<p>é</p>\n"  # the old page stays
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left


def test_release_runs_anywhere():
    release()  # glibc: malloc_trim; elsewhere: only the collector
    release()


def test_dict_rows_go_in_typed_and_replace(tmp_path):
    store = Store(tmp_path / "j.duckdb")
    rows = [{"run_id": "r", "item_id": f"i{i}", "prompt": "p", "response_a": "a", "response_b": None,
             "label": None, "kind": "preference", "category": None, "source": "s", "metadata": "{}",
             "options": None} for i in range(5)]
    store.insert_frame("items", rows)
    store.insert_frame("items", [{**rows[0], "prompt": "changed"}])  # INSERT OR REPLACE by key
    got = store.query("SELECT item_id, prompt, response_b FROM items ORDER BY item_id")
    assert list(got["item_id"]) == [f"i{i}" for i in range(5)]
    assert got["prompt"].tolist() == ["changed", "p", "p", "p", "p"] and got["response_b"].isna().all()
    with pytest.raises(StoreError, match="no column 'nope'"):
        store.insert_frame("items", [{**rows[0], "nope": 1}])
    store.insert_frame("items", [])  # nothing to do


def test_readers_share_the_open_session(tmp_path):
    store = Store(tmp_path / "j.duckdb")
    assert session_cursor(store.path) is None
    with store.session():  # the file is open for writing in this process
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(store.path), read_only=True)  # what a direct reader would hit
        cur = session_cursor(store.path)
        assert cur is not None and cur.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
        cur.close()
        with store.connect() as con:  # closing the cursor left the session open
            assert con.execute("SELECT 1").fetchall() == [(1,)]
    assert session_cursor(store.path) is None


@pytest.mark.parametrize("large", [False, True])
def test_small_runs_are_read_with_one_duckdb_thread(tmp_path, large):
    from judgekit import api

    store = Store(tmp_path / "j.duckdb")
    with store.session(), store.connect() as con:
        default = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        reader = _Counting(con, api._ROW_GROUP) if large else con  # the store has no verdicts: a small run
        with api._threads_for(reader, "r"):
            inside = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        after = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    assert inside == (default if large else 1)
    assert after == default


class _Counting:
    """A connection whose verdict count is ``n`` (a row group's worth, without writing one)."""

    def __init__(self, con, n):
        self.con, self.n = con, n

    def execute(self, sql, params=None):
        if sql.startswith("SELECT count(*) FROM verdicts"):
            return self.con.execute("SELECT ?::BIGINT", [self.n])
        return self.con.execute(sql, params or [])


def test_background_work_starts_with_the_first_answer_and_only_then(tmp_path):
    from judgekit.datasets import load_items
    from judgekit.engine.runner import RunSpec, execute
    from judgekit.judges.prompt import load_template
    from judgekit.judges.scripted import ScriptedJudge
    from judgekit.suites import build_trials, load_suite
    from tests.conftest import write_fact_items

    items = load_items(str(write_fact_items(tmp_path / "d.jsonl", 12)))
    suite = load_suite("position")
    trials = build_trials(suite, items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
    spec = RunSpec(suite="position", dataset="d.jsonl", seed=0, template=suite.template)
    store = Store(tmp_path / "j.duckdb")
    calls = []

    class Watching(ScriptedJudge):
        def judge(self, requests):
            for pair in super().judge(requests):
                calls.append(("answer", len(calls)))
                yield pair

    stats = execute(store, Watching(items), items, trials, spec, load_template(suite.template), config={},
                    progress=False, on_judging=lambda: calls.append(("started", len(calls))))
    assert stats.n_judged == len(trials)
    assert calls[0][0] == "answer" and calls[1] == ("started", 1)  # once, right after the first answer
    assert [c for c in calls if c[0] == "started"] == [("started", 1)]
    calls.clear()  # everything answered by the cache: nothing is judged and nothing starts
    store2 = Store(tmp_path / "j.duckdb")
    spec2 = RunSpec(suite="position", dataset="d.jsonl", seed=1, template=suite.template)
    execute(store2, Watching(items), items, trials, spec2, load_template(suite.template), config={},
            progress=False, on_judging=lambda: calls.append(("started", 0)))
    assert calls == []


def test_identical_rerun_opens_the_file_three_times_and_prints_the_same_summary(tmp_path, capsys, monkeypatch):
    """A rerun of a finished run: one open to check the file, one to find the run, one for the printed summary."""
    from judgekit.cli import main
    from tests.conftest import write_fact_items

    data, db = write_fact_items(tmp_path / "d.jsonl", 10), tmp_path / "j.duckdb"
    args = ["eval", "--suite", "position", "--judge", "scripted/first=0.3", "--data", str(data), "--db", str(db),
            "--out", str(tmp_path / "reports"), "--progress", "off"]
    assert main(args) == 0
    first = capsys.readouterr().out.splitlines()
    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or real(*a, **k))
    assert main(args) == 0
    again = capsys.readouterr().out.splitlines()
    assert "identical to this finished run" in again[0] and ", 0 requests sent," in again[0]
    assert again[1:] == first[1:]  # the same summary, headline rows and report path
    assert len(opened) == 3, opened


def test_threads_of_one_process_read_and_write_a_file_in_one_mode(tmp_path):
    """DuckDB opens a file in one mode per process: a read beside another thread's write goes through a writable
    connection, and a write that finds another thread reading waits for it instead of failing."""
    import threading

    store = Store(tmp_path / "j.duckdb")
    held, release_it = threading.Event(), threading.Event()

    def hold(read_only):
        with store.connect(read_only=read_only):
            held.set()
            release_it.wait(5)

    t = threading.Thread(target=hold, args=(False,))
    t.start()
    held.wait(5)
    with store.connect(read_only=True) as con:  # beside the writer: no "different configuration" error
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    release_it.set()
    t.join()

    held.clear(), release_it.clear()
    t = threading.Thread(target=hold, args=(True,))
    t.start()
    held.wait(5)
    threading.Timer(0.2, release_it.set).start()  # the reader finishes a little later
    with store.connect() as con:  # waits for the reader, then writes
        con.execute("INSERT INTO meta VALUES ('probe', 'x')")
    t.join()
    assert store.query("SELECT value FROM meta WHERE key = 'probe'")["value"].tolist() == ["x"]


def test_rows_that_cannot_be_written_stop_the_run_at_the_next_answer_and_keep_it(tmp_path, monkeypatch):
    """The item and trial rows go in beside the judging; when that fails (a full disk), the run stops at the next
    answer with every answer received stored, and the resume writes the rows and asks only the rest."""
    import time

    from judgekit.datasets import load_items
    from judgekit.engine.runner import RunSpec, execute
    from judgekit.judges.prompt import load_template
    from judgekit.judges.scripted import ScriptedJudge
    from judgekit.suites import build_trials, load_suite
    from tests.conftest import write_fact_items

    items = load_items(str(write_fact_items(tmp_path / "d.jsonl", 20)))
    suite = load_suite("position")
    trials = build_trials(suite, items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
    spec = RunSpec(suite="position", dataset="d.jsonl", seed=0, template=suite.template)
    store = Store(tmp_path / "j.duckdb")
    real_insert, answered = Store.insert_frame, []

    def full_disk(self, table, rows):
        if table == "trials":
            raise StoreError("cannot write j.duckdb: No space left on device")
        real_insert(self, table, rows)

    class Slow(ScriptedJudge):
        def judge(self, requests):
            for pair in super().judge(requests):
                time.sleep(0.02)  # the failed insert is known before the last answer
                answered.append(pair[0].key)
                yield pair

    monkeypatch.setattr(Store, "insert_frame", full_disk)
    with pytest.raises(StoreError, match="No space left"):
        execute(store, Slow(items), items, trials, spec, load_template(suite.template), config={}, progress=False)
    monkeypatch.setattr(Store, "insert_frame", real_insert)
    kept = store.query("SELECT count(*) AS n FROM verdicts")["n"].iloc[0]
    assert 1 <= len(answered) < len(trials) and kept == len(answered)  # stopped early, nothing received lost
    assert store.query("SELECT status FROM runs")["status"].tolist() == ["failed"]
    stats = execute(store, ScriptedJudge(items), items, trials, spec, load_template(suite.template), config={},
                    progress=False)
    assert stats.resumed and stats.n_done_before == kept and stats.n_judged == len(trials) - kept
    assert len(store.verdicts_frame(stats.run_id)) == len(trials)  # every verdict joins its trial and item


def test_upserted_rows_store_nan_and_missing_keys_as_null(tmp_path):
    """Verdict rows go in without a pandas frame: a float NaN and a key the row lacks are NULL, as they were."""
    from judgekit.store.db import VERDICT_COLUMNS

    store = Store(tmp_path / "j.duckdb")
    row = {c: None for c in VERDICT_COLUMNS} | {"run_id": "r", "trial_id": "t1", "request_key": "k1", "choice": "A",
                                              "p_a": float("nan"), "p_b": 0.25, "cached": False,
                                              "created_at": "2026-01-02T03:04:05.123456", "input_tokens": 7}
    del row["score_second"]
    store.write_verdicts([row, {**row, "trial_id": "t2", "request_key": "k2", "p_a": 0.5}])
    got = store.query("SELECT trial_id, p_a, p_b, score_second, input_tokens, created_at FROM verdicts "
                      "ORDER BY trial_id")
    assert got["p_a"].isna().tolist() == [True, False] and got["p_b"].tolist() == [0.25, 0.25]
    assert got["score_second"].isna().all() and got["input_tokens"].tolist() == [7, 7]
    assert str(got["created_at"].iloc[0]) == "2026-01-02 03:04:05.123456"
    assert store.query("SELECT count(*) AS n FROM verdicts WHERE p_a IS NULL")["n"].iloc[0] == 1  # NULL, not NaN
