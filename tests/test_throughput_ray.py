"""Ray Data: Parquet shards out, a job on a local two-worker Ray cluster against loopback servers, verdicts back."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, hashing_responder

from judgekit.types import JudgeRequest

ray = pytest.importorskip("ray")

from judgekit.scale.ray_runner import RayJudge, read_verdicts, write_shards  # noqa: E402


def make_request(i: int) -> JudgeRequest:
    return JudgeRequest(key=f"k{i}", messages=({"role": "user", "content": f"q{i}: A or B?"},), prompt=f"q{i}",
                        first="a", second="b")


def test_shards_round_trip(tmp_path: Path) -> None:
    reqs = [make_request(i) for i in range(25)] + [make_request(3)]
    paths = write_shards(reqs, tmp_path / "req", shard_size=10)
    assert len(paths) == 3
    import pandas as pd

    df = pd.read_parquet(tmp_path / "req")
    assert sorted(df["key"]) == sorted(f"k{i}" for i in range(25))
    out = df.assign(choice="A", p_a=0.7, p_b=0.3, raw="A", input_tokens=5, output_tokens=1, latency_s=None,
                    cost_usd=None, error=None).drop(columns=["messages"])
    (tmp_path / "out").mkdir()
    out.to_parquet(tmp_path / "out" / "v.parquet")
    got = read_verdicts(tmp_path / "out")
    assert got["k7"].choice == "A" and got["k7"].p_a == 0.7 and got["k7"].latency_s is None


def write_pairs(path: Path, n: int) -> Path:
    rows = [{"id": f"p{i}", "prompt": f"Question {i}: which is right?", "response_a": f"Answer {i} is {i * 7}.",
             "response_b": f"Answer {i} is {i * 7 + 1}, surely.", "label": "A" if i % 3 else "B"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def verdict_set(db: Path) -> set[tuple]:
    from judgekit.store.db import Store

    df = Store(db, create=False).query("SELECT trial_id, request_key, choice, round(p_a, 9) AS p_a FROM verdicts")
    return set(df.itertuples(index=False, name=None))


@pytest.mark.slow
def test_ray_data_job_matches_in_process_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The position suite through a Ray Data job with two workers gives the verdicts of an in-process run."""
    import pandas as pd

    from judgekit.api import evaluate

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")
    data = write_pairs(tmp_path / "pairs.jsonl", 30)
    with FakeOpenAI(hashing_responder()) as s1, FakeOpenAI(hashing_responder()) as s2:
        bases = f"{s1.base_url},{s2.base_url}"
        local = evaluate("position", judge="openai/fake", judge_options={"api_base": bases, "concurrency": 8},
                         data=str(data), db=tmp_path / "local.duckdb", make_report=False, progress=False)
        n_local = len(s1.requests) + len(s2.requests)
        judge = RayJudge("openai/fake", workdir=tmp_path / "jobs", api_base=bases, concurrency=2, batch_size=8)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            on_ray = evaluate("position", judge_obj=judge, data=str(data), db=tmp_path / "ray.duckdb",
                              make_report=False, progress=False)
        finally:
            ray.shutdown()
        n_ray = len(s1.requests) + len(s2.requests) - n_local
    assert local.stats.n_trials == on_ray.stats.n_trials == 60
    assert n_local == n_ray == 60 and len(s1.requests) > 0 and len(s2.requests) > 0
    got, want = verdict_set(tmp_path / "ray.duckdb"), verdict_set(tmp_path / "local.duckdb")
    assert len(want) == 60 and {v[2] for v in want} <= {"A", "B"}
    assert got == want
    # the rows were answered by two Ray worker processes, not by the driver
    shards = pd.read_parquet(next((tmp_path / "jobs").iterdir()) / "verdicts")
    assert shards["worker"].nunique() >= 2
    assert not shards["worker"].str.endswith(f":{os.getpid()}").any()
    assert judge.identity()["backend"] == "openai-compatible"
