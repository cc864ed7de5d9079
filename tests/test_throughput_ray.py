"""Ray Data round trip: Parquet shards out, the loopback server standing in for vLLM, verdicts back."""

from __future__ import annotations

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


@pytest.mark.slow
def test_ray_data_round_trip_against_loopback_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")
    with FakeOpenAI(hashing_responder()) as server:
        judge = RayJudge("openai/fake", workdir=tmp_path, api_base=server.base_url, concurrency=1, batch_size=16)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            reqs = [make_request(i) for i in range(40)]
            got = {r.key: o for r, o in judge.judge(reqs)}
        finally:
            ray.shutdown()
        assert len(server.requests) == 40
    assert set(got) == {r.key for r in reqs}
    assert all(o.choice in ("A", "B") and o.p_a is not None for o in got.values())
    assert judge.identity()["backend"] == "openai-compatible"
