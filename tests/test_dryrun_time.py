"""Dry-run wall time: a local model is timed on a few requests and extrapolated by batches; an API judge's
time is rounds of its concurrency times a stated latency (or its rpm cap). The clock is scripted, so every
estimate is hand-computed; the tiny random model built here is the real thing being timed."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from judgekit import dryrun
from judgekit.dryrun import dry_run, dry_run_suite, estimate_time, format_dry_run
from judgekit.judges.base import Judge
from judgekit.judges.prompt import PromptTemplate
from judgekit.types import JudgeOutput, JudgeRequest
from tests.conftest import write_fact_items
from tests.test_hf_judge import lm_dir, offline  # noqa: F401  (fixtures: a tiny random causal LM on disk)
from tests.test_throughput_dryrun import TEMPLATE, trial


class Clock:
    """A perf_counter that a judge advances: ``cost`` seconds per batch it judges."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ClockedJudge(Judge):
    """Wraps a local judge; each batch of up to ``batch_size`` requests costs ``per_batch`` scripted seconds."""

    def __init__(self, base: Judge, clock: Clock, per_batch: float) -> None:
        self.base, self.clock, self.per_batch = base, clock, per_batch
        self.batch_size = int(getattr(base, "batch_size", 1))
        self.spec, self.judged = base.spec, 0

    def identity(self) -> dict[str, Any]:
        return self.base.identity()

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        self.clock.now += self.per_batch * math.ceil(len(requests) / self.batch_size)
        for req, out in self.base.judge(requests):
            self.judged += 1
            yield req, out


def test_a_tiny_local_model_is_timed_on_one_warm_up_and_a_full_batch_then_extrapolated_by_batches(
        lm_dir, tmp_path, monkeypatch):  # noqa: F811
    from judgekit.judges.hf import HFJudge

    clock = Clock()
    monkeypatch.setattr(dryrun.time, "perf_counter", clock)
    judge = ClockedJudge(HFJudge(str(lm_dir), spec=f"hf/{lm_dir}", batch_size=6, device="cpu"), clock, 0.5)
    trials = [trial(i, order) for i in range(10, 35) for order in ("AB", "BA")]  # 50 requests, all one length
    d = dry_run(judge, trials, template=TEMPLATE, db=tmp_path / "none.duckdb", load_s=3.0)
    assert judge.judged == 1 + 6 and d["n_timed_requests"] == 7  # the real model answered the warm-up + 6
    # timed: one batch of 6 = 0.5 s; 50 equal-length requests pad to 50/6 of the sample; plus the measured load
    assert d["estimated_seconds"] == pytest.approx(3.0 + 0.5 * 50 / 6)
    assert "model load 3.0 s (measured)" in d["time_method"] and "6 of the requests timed" in d["time_method"]
    assert "scaled to the run's 9 length-sorted batches by padded length (8.3x" in d["time_method"]
    assert "partial" not in d["time_method"]
    assert not (tmp_path / "none.duckdb").exists()  # nothing stored
    text = format_dry_run(d)
    assert "wall time:         ~7 s" in text and "judged only 7 requests to time them; nothing was stored" in text

    judge.judged = 0  # a sample smaller than a batch: the estimate says so
    d = dry_run(judge, trials, template=TEMPLATE, time_sample=2, load_s=0.0)
    assert judge.judged == 3 and d["estimated_seconds"] == pytest.approx(0.5 * 50 / 2)
    assert "the timed batch was partial (2 of 6)" in d["time_method"]
    judge.base.close()


def test_the_cli_dry_run_of_a_local_model_loads_it_once_times_it_and_stores_nothing(lm_dir, tmp_path, capsys):  # noqa: F811
    from judgekit.cli import main

    data, db = write_fact_items(tmp_path / "d.jsonl", 6), tmp_path / "j.duckdb"
    rc = main(["eval", "--suite", "position", "--judge", f"hf/{lm_dir}", "--data", str(data), "--db", str(db),
               "--dry-run", "--device", "cpu", "--batch-size", "4"])
    out = capsys.readouterr().out
    assert rc == 0 and "wall time:         ~" in out
    assert "model load" in out and "4 of the requests timed after one warm-up request" in out
    assert "judged only 5 requests to time them" in out and not db.exists()


def test_the_scripted_judge_is_timed_per_request(tmp_path, monkeypatch):
    data = write_fact_items(tmp_path / "d.jsonl", 10)
    ticks = iter([0.0, 2.0, 100.0, 103.0])  # load 0 -> 2 s; the timed 4 requests 100 -> 103 s
    monkeypatch.setattr(dryrun.time, "perf_counter", lambda: next(ticks))
    d = dry_run_suite("position", judge="scripted/first=0.3", data=str(data), db=None)
    assert d["n_requests"] == 20 and d["n_timed_requests"] == 5
    # 3 s for 4 requests of ~equal length (they differ by a digit or two): ~0.75 s for each of the 20
    assert d["estimated_seconds"] == pytest.approx(2.0 + 20 * 3.0 / 4, rel=0.05)
    assert "4 batches of up to 1" in d["time_method"] and "the run's 20 length-sorted batches" in d["time_method"]


def _api_requests(n: int) -> list[JudgeRequest]:
    return [JudgeRequest(key=f"k{i}", messages=({"role": "user", "content": "x"},), prompt="q", first="a", second="b")
            for i in range(n)]


def test_an_api_judge_is_rounds_of_its_concurrency_times_the_stated_latency_or_its_rpm_pace():
    from judgekit.judges.openai_compat import OpenAICompatJudge

    j = OpenAICompatJudge("openai/fake", api_base="http://127.0.0.1:9/v1", concurrency=8)  # nothing listens
    seconds, how, called = estimate_time(j, _api_requests(20), latency_s=2.0)
    assert (seconds, called) == (3 * 2.0, 0) and "assumed 2 s per request, 8 in flight: 3 rounds" in how
    seconds, how, _ = estimate_time(j, _api_requests(20))
    assert seconds == 3 * dryrun.API_LATENCY_S and "the default; --assume-latency to change" in how
    paced = OpenAICompatJudge("openai/fake", api_base="http://127.0.0.1:9/v1", concurrency=8, rpm=30)
    seconds, how, _ = estimate_time(paced, _api_requests(20), latency_s=2.0)
    assert seconds == pytest.approx(20 / 30 * 60) and "30 requests per minute" in how
    j.close()
    paced.close()


class _Backend(Judge):
    def __init__(self, backend: str) -> None:
        self.backend = backend

    def identity(self) -> dict[str, Any]:
        return {"backend": self.backend}

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        raise AssertionError("must not be called")


def test_batch_apis_and_unknown_backends_are_not_estimated_and_not_called():
    seconds, how, called = estimate_time(_Backend("openai-batch"), _api_requests(3))
    assert seconds is None and "batch window" in how and called == 0
    seconds, how, _ = estimate_time(_Backend("words"), _api_requests(3))
    assert seconds is None and "'words'" in how
    d = dry_run(_Backend("words"), [trial(0)], template=PromptTemplate("t", system="s", user="{{ question }}"))
    assert "wall time:         unknown" in format_dry_run(d) and "no model was called" in format_dry_run(d)
