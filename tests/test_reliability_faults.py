"""API faults through the whole `judgekit eval` path, against a fault-injecting server on 127.0.0.1.

Each item of a small dataset is given one fault (keyed by its question number, so the
fault follows the item whatever the order of requests): 429 storms with Retry-After,
500/503, a timeout, a connection reset, a truncated JSON body, empty content, a refusal,
an answer with no verdict, a permanent 400 and a 503 that never ends. Transient faults
must be retried into verdicts; permanent ones must be stored as ``choice = 'error'``;
metrics must leave errors out and count them; a rerun must finish the run.
"""

from __future__ import annotations

import itertools
import re
import sys
import threading
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import Action, FakeOpenAI, delayed, empty, fault, refusal, reply, reset, truncated

from judgekit.cli import main
from judgekit.judges.api import LiteLLMJudge, _litellm
from judgekit.judges.openai_compat import OpenAICompatJudge

N_ITEMS = 16
_Q = re.compile(r"question (\d+)\?")

# item -> (fault action, number of attempts that get it; None = every attempt)
PLAN: dict[int, tuple[str, int | None]] = {
    0: ("429", 3), 1: ("500", 1), 2: ("503", 2), 3: ("timeout", 1), 4: ("reset", 1), 5: ("truncated", 1),
    6: ("empty", None), 7: ("refusal", None), 8: ("no-verdict", None), 9: ("400", None), 10: ("503", None),
}
TRANSIENT = (0, 1, 2, 3, 4, 5)
NO_VERDICT = (6, 7, 8)
PERMANENT = (9, 10)


def _action(kind: str) -> Action:
    return {"429": fault(429, retry_after=0.3), "500": fault(500), "503": fault(503), "400": fault(400),
            "timeout": delayed(2.0), "reset": reset(), "truncated": truncated(), "empty": empty(),
            "refusal": refusal(), "no-verdict": reply("Both responses have merit; it depends on taste.")}[kind]


class Script:
    """Faults per item and order; ``healed`` turns every fault off (the provider recovered)."""

    def __init__(self, storm: int = 0) -> None:
        self.attempts: dict[tuple[int, bool], int] = defaultdict(int)  # every request
        self.planned: dict[tuple[int, bool], int] = defaultdict(int)  # requests outside the storm
        self.storm = storm
        self.healed = False
        self._lock = threading.Lock()

    def __call__(self, req: dict, call_index: int) -> Action:
        user = req["messages"][-1]["content"]
        item = int(_Q.search(user).group(1))
        right_first = user.index("Right answer") < user.index("Wrong answer")
        with self._lock:
            self.attempts[(item, right_first)] += 1
            if not self.healed and call_index < self.storm:  # a storm: every request is refused for a moment
                return fault(429, retry_after=0.3)
            self.planned[(item, right_first)] += 1
            n = self.planned[(item, right_first)]
        if not self.healed:
            kind, times = PLAN.get(item, ("ok", 0))
            if kind != "ok" and (times is None or n <= times):
                return _action(kind)
        return reply("A" if right_first else "B")


@pytest.fixture(scope="module", autouse=True)
def _import_litellm() -> None:
    _litellm()


CLIENT = {"name": "auto"}


@pytest.fixture(params=["auto", "litellm"])
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """Both API clients: the lean OpenAI-compatible one (auto for openai/) and litellm."""
    monkeypatch.setitem(CLIENT, "name", request.param)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-reliability-0000000000")
    monkeypatch.chdir(tmp_path)
    for cls in (LiteLLMJudge, OpenAICompatJudge):
        monkeypatch.setattr(cls, "retry_base_s", 0.05)
        monkeypatch.setattr(cls, "retry_cap_s", 0.2)
        monkeypatch.setitem(cls.__init__.__kwdefaults__, "timeout_s", 0.5)
    pd.DataFrame({"prompt": [f"Answer question {i}?" for i in range(N_ITEMS)],
                  "response_a": [f"Right answer {i}." for i in range(N_ITEMS)],
                  "response_b": [f"Wrong answer {i}." for i in range(N_ITEMS)],
                  "label": ["A"] * N_ITEMS, "kind": ["fact"] * N_ITEMS}).to_json(
        tmp_path / "pairs.jsonl", orient="records", lines=True)
    return tmp_path


def _eval(tmp: Path, server: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(["eval", "--judge", "openai/flaky", "--api-base", server.base_url, "--data",
               str(tmp / "pairs.jsonl"), "--db", str(tmp / "j.duckdb"), "--no-report", "--concurrency", "4",
               "--client", CLIENT["name"]])
    out, err = capsys.readouterr()
    return rc, out, err


def _table(tmp: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(tmp / "j.duckdb"), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _item(df: pd.DataFrame) -> pd.Series:
    return df["item_id"].str.removeprefix("pairs-").astype(int) - 1


def test_every_fault_kind_is_retried_or_recorded_and_a_rerun_finishes(env: Path, capsys, request) -> None:
    script = Script(storm=6)
    server = FakeOpenAI(script).start()
    request.addfinalizer(server.stop)
    rc, out, err = _eval(env, server, capsys)
    first_requests = list(server.requests)
    assert rc == 1, err
    assert "Traceback" not in out + err
    assert "4 requests failed; run the same command again" in err
    v = _table(env, "SELECT * FROM verdicts_full")
    v["n"] = _item(v)
    assert len(v) == 2 * N_ITEMS and v.trial_id.is_unique

    # transient faults were retried until a verdict came back, and that verdict is right
    transient = v[v.n.isin(TRANSIENT)]
    assert set(transient.choice) <= {"A", "B"} and transient.correct.all() and transient.error.isna().all()
    for i in TRANSIENT:
        times = PLAN[i][1]
        assert all(script.planned[(i, o)] == times + 1 for o in (True, False)), (i, PLAN[i])
    # the storm's Retry-After was honoured: no prompt was asked again sooner than 0.3 s after a 429
    by_prompt: dict[str, list[float]] = defaultdict(list)
    for r in first_requests:
        by_prompt[r.prompt].append(r.t_received)
    storm_hit = [ts for p, ts in by_prompt.items() if "question 0?" in p]  # item 0 only ever gets 429s
    assert len(storm_hit) == 2
    for ts in storm_hit:
        assert len(ts) >= 4 and min(b - a for a, b in itertools.pairwise(sorted(ts))) >= 0.29

    # answers without a verdict are parse failures: stored, never scored, never retried
    nov = v[v.n.isin(NO_VERDICT)]
    assert (nov.choice == "invalid").all() and nov.chosen.isna().all() and nov.correct.isna().all()
    assert all(script.planned[(i, o)] == 1 for i in NO_VERDICT for o in (True, False))

    # permanent faults are errors, not verdicts; 400 is not retried, an endless 503 is retried then given up
    err_rows = v[v.n.isin(PERMANENT)]
    assert (err_rows.choice == "error").all() and err_rows.chosen.isna().all() and err_rows.correct.isna().all()
    assert err_rows.error.str.contains("400|503").all()
    assert all(script.planned[(9, o)] == 1 for o in (True, False))
    assert all(script.planned[(10, o)] == 1 + 6 for o in (True, False))
    assert sum(script.attempts.values()) == sum(script.planned.values()) + 6  # the storm was retried too
    assert set(v.choice) <= {"A", "B", "invalid", "error"}

    # metrics leave errors out and count them
    m = _table(env, "SELECT * FROM metrics WHERE subset = 'all'").set_index("metric")
    assert m.loc["error_count", "estimate"] == 4
    n_valid = 2 * N_ITEMS - 4 - 6
    assert m.loc["accuracy", "estimate"] == 1.0 and m.loc["accuracy", "n"] == n_valid
    assert m.loc["parse_failure_rate", "estimate"] == pytest.approx(6 / (2 * N_ITEMS - 4))
    runs = _table(env, "SELECT * FROM run_summary")
    assert runs.status.tolist() == ["incomplete"] and runs.n_errors.tolist() == [4]
    assert "run the same command again" in _table(env, "SELECT message FROM runs").message[0]

    # the provider recovers: the same command asks only for the four failed trials and finishes
    script.healed = True
    rc, out, err = _eval(env, server, capsys)
    again = server.requests[len(first_requests):]
    assert len(again) == 4
    assert {r.prompt.split("?")[0][-2:] for r in again} == {" 9", "10"}
    assert rc == 0, err
    assert "resumed" in out
    v2 = _table(env, "SELECT * FROM verdicts_full")
    assert len(v2) == 2 * N_ITEMS and not (v2.choice == "error").any()
    kept = v.set_index("trial_id").drop(err_rows.trial_id)
    assert (v2.set_index("trial_id").loc[kept.index, "choice"] == kept.choice).all()  # nothing paid for was redone
    m2 = _table(env, "SELECT * FROM metrics WHERE subset = 'all'").set_index("metric")
    assert m2.loc["error_count", "estimate"] == 0 and m2.loc["accuracy", "n"] == n_valid + 4
    assert _table(env, "SELECT status FROM runs").status.tolist() == ["finished"]


def test_provider_going_down_midway_stops_cleanly_and_resumes(env: Path, capsys,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """After 10 answers every connection is reset: the run ends with errors, keeps what it got, and resumes."""
    for cls in (LiteLLMJudge, OpenAICompatJudge):
        monkeypatch.setitem(cls.__init__.__kwdefaults__, "max_retries", 2)
    state = {"answered": 0, "down": True}
    lock = threading.Lock()

    def responder(req: dict, call_index: int) -> Action:
        with lock:
            if state["down"] and state["answered"] >= 10:
                return reset()
            state["answered"] += 1
        return reply("A")

    with FakeOpenAI(responder) as server:
        rc, _out, err = _eval(env, server, capsys)
        assert rc == 1 and "Traceback" not in err
        v = _table(env, "SELECT choice, error FROM verdicts")
        assert len(v) == 2 * N_ITEMS
        assert (v.choice != "error").sum() == 10
        errors = v[v.choice == "error"]
        assert errors.error.str.contains("onnection").all()  # connection reset / connection error
        state["down"] = False
        rc, out, err = _eval(env, server, capsys)
    assert rc == 0, err
    assert "resumed: 10 already done" in out
    v = _table(env, "SELECT choice FROM verdicts")
    assert len(v) == 2 * N_ITEMS and set(v.choice) == {"A"}
    assert _table(env, "SELECT status FROM runs").status.tolist() == ["finished"]
