"""Ray transports read verdicts through the named readers and keep the rule (no Ray needed for these)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from judgekit.judges.readers import TEXT_READER
from judgekit.scale.ray_runner import OUT_COLUMNS, EndpointAnswerer, RayJudge, read_verdicts, vllm_row_output
from tests.fake_openai import Action, FakeOpenAI, letter_logprobs, reply


@pytest.mark.parametrize(("text", "choice", "rule"), [
    ("[[B]]", "B", "text:"),
    ("Final answer: A", "A", "text:"),
    ("The correct answer is 2 apples, which Response A gives.", "invalid", "text"),  # prose is not a verdict
    ("My decision is a hard one", "invalid", "text"),
    (None, "invalid", "text"),
])
def test_vllm_rows_are_read_strictly_with_their_rule(text: str | None, choice: str, rule: str) -> None:
    row = vllm_row_output({"key": "k", "generated_text": text, "num_input_tokens": 9, "num_generated_tokens": 3})
    assert set(row) == set(OUT_COLUMNS)
    assert row["choice"] == choice and row["parse_rule"].startswith(rule)
    assert (row["parse_rule"] == "text") == (choice == "invalid")
    assert row["input_tokens"] == 9 and row["output_tokens"] == 3


def test_verdict_shards_keep_parse_rule_and_letter_mass(tmp_path: Path) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    new = pd.DataFrame([{"key": "k1", "choice": "A", "p_a": 0.8, "p_b": 0.2, "parse_rule": "text:label+first-token",
                         "p_ab_mass": 0.97, "raw": "A", "input_tokens": 5, "output_tokens": 1, "latency_s": 0.1,
                         "cost_usd": None, "error": None}])
    new.to_parquet(tmp_path / "new" / "v.parquet")
    new.drop(columns=["parse_rule", "p_ab_mass"]).to_parquet(tmp_path / "old" / "v.parquet")  # an earlier job
    got = read_verdicts(tmp_path / "new")["k1"]
    assert got.parse_rule == "text:label+first-token" and got.p_ab_mass == pytest.approx(0.97)
    old = read_verdicts(tmp_path / "old")["k1"]
    assert old.choice == "A" and old.parse_rule is None and old.p_ab_mass is None


def test_endpoint_answerer_rows_carry_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")

    def responder(body: dict, i: int) -> Action:
        q = body["messages"][-1]["content"]
        return reply("Response B is better.") if "q1" in q else reply("A", letter_logprobs("A", 0.9))

    with FakeOpenAI(responder) as server:
        answer = EndpointAnswerer("openai/fake", server.base_url, {"concurrency": 2})
        batch = pd.DataFrame({"key": ["k0", "k1"],
                              "messages": [json.dumps([{"role": "user", "content": f"q{i}: A or B?"}])
                                           for i in range(2)]})
        rows = answer(batch).set_index("key")
        answer.judge.close()
    assert rows.loc["k0", "choice"] == "A" and rows.loc["k0", "parse_rule"].endswith("+first-token")
    assert rows.loc["k0", "p_ab_mass"] == pytest.approx(1.0, abs=1e-3)
    assert rows.loc["k1", "choice"] == "B" and rows.loc["k1", "parse_rule"].startswith("text:")
    assert pd.isna(rows.loc["k1", "p_a"])


def test_vllm_identity_names_the_text_reader(tmp_path: Path) -> None:
    judge = RayJudge("Qwen/Qwen2.5-0.5B-Instruct", workdir=tmp_path, engine="vllm")
    assert judge.identity()["reader"] == TEXT_READER
