"""Dry run: counts after cache and dedup, tokens, cost and the minimum detectable effect on a
hand-computed case. No model is called."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from judgekit.dryrun import dry_run, format_dry_run, mde_paired_proportions
from judgekit.judges.base import Judge
from judgekit.judges.prompt import PromptTemplate, build_request
from judgekit.store.db import Store
from judgekit.types import JudgeOutput, JudgeRequest, Trial

TEMPLATE = PromptTemplate("t", system="You judge.", user="{{ question }} | {{ first }} | {{ second }}")


class WordJudge(Judge):
    """Counts words as tokens; priced at $1 / $2 per million tokens; must never be asked anything."""

    spec = "words"
    max_tokens = 5

    def identity(self) -> dict[str, Any]:
        return {"backend": "words"}

    def count_tokens(self, text: str) -> int | None:
        return len(text.split())

    def prices(self) -> tuple[float, float]:
        return 1e-6, 2e-6

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        raise AssertionError("a dry run must not call the model")


class CharJudge(WordJudge):
    def count_tokens(self, text: str) -> int | None:
        return None


def trial(i: int, order: str = "AB", tid: str | None = None) -> Trial:
    first, second = ("good answer", "bad") if order == "AB" else ("bad", "good answer")
    return Trial(trial_id=tid or f"t{i}{order}", item_id=f"i{i}", probe="position", condition="control",
                 order=order, repeat=0, prompt=f"question number {i}", first=first, second=second,
                 gold_position="A" if order == "AB" else "B")


def test_hand_computed_counts_tokens_cost_and_mde(tmp_path: Path) -> None:
    trials = [trial(0), trial(0, "BA"), trial(1), trial(1, "BA"), trial(1, tid="dup")]  # "dup" repeats t1AB's request
    db = tmp_path / "j.duckdb"
    store = Store(db)
    cached_key = build_request(TEMPLATE, WordJudge().identity(), trials[0]).key
    store.write_verdicts([{"run_id": "r", "trial_id": "t0AB", "request_key": cached_key, "choice": "A",
                           "cached": False, "created_at": "2024-01-01"}])
    d = dry_run(WordJudge(), trials, template=TEMPLATE, db=db)
    assert (d["n_trials"], d["n_unique_requests"], d["n_cached"], d["n_requests"]) == (5, 4, 1, 3)
    # system "You judge." = 2 words; user "question number 1 | good answer | bad" = 8 words; +4 per message each
    assert d["input_tokens"] == 3 * ((2 + 4) + (8 + 4))
    assert d["output_tokens"] == 3 * 5
    assert d["estimated_cost_usd"] == pytest.approx(54 * 1e-6 + 15 * 2e-6)
    assert d["n_items"] == 2 and "position" in d["headline_metric"]
    text = format_dry_run(d)
    assert "estimate" in text and "requests to send:  3" in text

    c = dry_run(CharJudge(), trials, template=TEMPLATE, batch=True)
    # "You judge." = 10 chars -> 3; "question number 0 | good answer | bad" = 37 chars -> 10
    assert c["n_requests"] == 4 and c["input_tokens"] == 2 * (3 + 4 + 10 + 4) + 2 * (3 + 4 + 10 + 4)
    assert "heuristic" in c["token_method"]
    assert c["estimated_cost_usd"] == pytest.approx((c["input_tokens"] * 1e-6 + 20 * 2e-6) * 0.5)


def test_mde_hand_computed() -> None:
    # n = 100 pairs, discordant share 0.3, alpha 0.05, power 0.8. Connor's equation at delta = 0.1516:
    # (1.95996 * sqrt(0.3) + 0.84162 * sqrt(0.3 - 0.1516^2)) / 0.1516 = (1.07350 + 0.44253) / 0.1516 = 10.000
    d = mde_paired_proportions(100)
    assert d == pytest.approx(0.1516, abs=5e-4)
    assert d < (1.959964 + 0.841621) * math.sqrt(0.3 / 100)  # below the delta^2-free approximation 0.1534
    assert mde_paired_proportions(400) == pytest.approx(d / 2, rel=0.03)  # ~1/sqrt(n)
    assert mde_paired_proportions(3) is None and mde_paired_proportions(0) is None


def test_dry_run_of_an_api_spec_builds_no_client_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")
    d = dry_run("openai/fake-model-not-priced", [trial(0), trial(0, "BA")], template=TEMPLATE,
                judge_options={"api_base": "http://127.0.0.1:9/v1"})  # nothing listens on port 9
    assert d["n_requests"] == 2 and d["estimated_cost_usd"] is None and d["input_tokens"] > 0
