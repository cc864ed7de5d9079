"""`judgekit eval` over several OpenAI-compatible endpoints (vLLM-style `hosted_vllm/` and `openai/`) on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, hashing_responder

from judgekit.cli import main

N = 20  # pairs: 40 requests per run


def write_pairs(path: Path, n: int = N) -> Path:
    rows = [{"id": f"p{i}", "prompt": f"Question {i}: which is right?", "response_a": f"It is {i * 3}.",
             "response_b": f"It is {i * 3 + 2}, probably.", "label": "A" if i % 2 else "B"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def eval_args(tmp_path: Path, judge: str, api_base: str) -> list[str]:
    return ["eval", "--suite", "position", "--judge", judge, "--api-base", api_base,
            "--data", str(tmp_path / "pairs.jsonl"), "--db", str(tmp_path / "e.duckdb"), "--no-report",
            "--concurrency", "8"]


def verdicts(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT choice, p_a, cached FROM verdicts").fetchall()
    finally:
        con.close()


def test_hosted_vllm_over_two_servers_both_get_traffic_and_verdicts_complete(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("HOSTED_VLLM_API_KEY", raising=False)
    write_pairs(tmp_path / "pairs.jsonl")
    with FakeOpenAI(hashing_responder(0.02)) as s1, FakeOpenAI(hashing_responder(0.02)) as s2:
        args = eval_args(tmp_path, "hosted_vllm/org/Model-7B", f"{s1.base_url},{s2.base_url}")
        assert main(args) == 0
        first = [len(s1.requests), len(s2.requests)]
        assert main(args) == 0  # the same command again: every verdict from the cache
        again = [len(s1.requests), len(s2.requests)]
        sent = [r for s in (s1, s2) for r in s.requests]
    assert sum(first) == 2 * N and min(first) >= N // 2  # both endpoints, roughly evenly (least in flight)
    assert again == first
    assert {r.body["model"] for r in sent} == {"org/Model-7B"}  # the name after hosted_vllm/ as is
    assert {r.headers["authorization"] for r in sent} == {"Bearer EMPTY"}  # local server, no key set
    assert all(r.body.get("logprobs") for r in sent)
    v = verdicts(tmp_path / "e.duckdb")
    assert len(v) == 2 * N  # the rerun is answered by the identical finished run: one run of 2N trials
    assert all(choice in ("A", "B") and p_a is not None for choice, p_a, _ in v)
    assert sum(cached for *_, cached in v) == 0  # every verdict of that run was judged live


def test_openai_prefix_with_a_dead_endpoint_still_completes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")
    write_pairs(tmp_path / "pairs.jsonl")
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with FakeOpenAI(hashing_responder(0.01)) as live:
        assert main(eval_args(tmp_path, "openai/served-model", f"{dead},{live.base_url}")) == 0
        n_live = len(live.requests)
    assert n_live == 2 * N  # the refused attempts were retried on the live endpoint
    v = verdicts(tmp_path / "e.duckdb")
    assert len(v) == 2 * N and all(choice in ("A", "B") for choice, *_ in v)


def test_endpoint_order_does_not_change_the_cache_key(tmp_path, monkeypatch) -> None:
    """`--api-base a,b` and `--api-base b,a` are one judge: the second run sends nothing."""
    spec = "hosted_vllm/org/m"
    write_pairs(tmp_path / "pairs.jsonl", 5)
    with FakeOpenAI(hashing_responder()) as s1, FakeOpenAI(hashing_responder()) as s2:
        assert main(eval_args(tmp_path, spec, f"{s1.base_url},{s2.base_url}")) == 0
        n = len(s1.requests) + len(s2.requests)
        assert main(eval_args(tmp_path, spec, f"{s2.base_url}/,{s1.base_url}")) == 0
        assert len(s1.requests) + len(s2.requests) == n == 10
