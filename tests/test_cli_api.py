"""`judgekit eval` end to end against an OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, fault, letter_logprobs, reply

from judgekit.cli import main

FAKE_KEY = "sk-test-JUDGEKIT-SECRET-0123456789"


def _responder(req, call_index):
    user = req["messages"][-1]["content"]
    if call_index == 0:
        return fault(429, retry_after=1)
    if "question 3?" in user:
        return reply("I cannot decide between them.")
    return reply("A", letter_logprobs("A", 0.8))


def test_eval_against_loopback_server_with_mapping(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    n = 12
    pd.DataFrame({
        "instruction": [f"Answer question {i}?" for i in range(n)],
        "output_1": [f"Right answer {i}." for i in range(n)],
        "output_2": [f"Wrong answer {i}." for i in range(n)],
        "preference": [1] * n,
    }).to_csv(tmp_path / "pairs.csv", index=False)
    db = tmp_path / "api.duckdb"
    with FakeOpenAI(_responder) as server:
        rc = main(["eval", "--suite", "position", "--judge", "openai/test-judge", "--api-base",
                   f"{server.base_url}", "--data", str(tmp_path / "pairs.csv"), "--map",
                   "prompt=instruction,response_a=output_1,response_b=output_2,label=preference",
                   "--db", str(db), "--out", str(tmp_path / "reports"), "--concurrency", "4"])
        n_requests = len(server.requests)
    out = capsys.readouterr().out
    assert rc == 0, out
    # 24 trials, one extra request for the 429 that was retried
    assert n_requests == 2 * n + 1
    con = duckdb.connect(str(db), read_only=True)
    v = con.execute("SELECT * FROM verdicts_full").df()
    m = con.execute("SELECT * FROM metrics WHERE subset = 'all'").df().set_index("metric")
    con.close()
    assert len(v) == 2 * n
    invalid = v[v.choice == "invalid"]
    assert len(invalid) == 2 and invalid.chosen.isna().all()  # both orders of question 3
    assert m.loc["parse_failure_rate", "estimate"] == 2 / (2 * n)
    assert m.loc["first_position_rate", "estimate"] == 1.0  # the server always answers A
    assert m.loc["position_consistency", "estimate"] == 0.0
    ok = v[v.choice == "A"]
    # top logprobs: A 0.8, B 0.2, ' A' 1e-4 -> p(A) = (0.8 + 1e-4) / (1 + 1e-4)
    assert ok.p_a.sub((0.8 + 1e-4) / (1 + 1e-4)).abs().max() < 1e-9 and (ok.p_a + ok.p_b - 1).abs().max() < 1e-9
    report = next((tmp_path / "reports").glob("*.html"))
    for artefact in (db, report):
        assert FAKE_KEY.encode() not in artefact.read_bytes()
    assert "report:" in out
