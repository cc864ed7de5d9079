"""API judge throughput against a loopback OpenAI-compatible server, as ratios of the ideal.

    python benchmarks/api_throughput.py                 # both clients, then the 100k memory run
    python benchmarks/api_throughput.py --quick         # 1,000 requests per client, 20k memory run

The server (aiohttp, its own process, pinned to the last core) answers every chat completion
after a fixed delay with "A", usage and logprobs. Each request carries a unique ~1,600-character
prompt. Ideal throughput at concurrency C is C / latency (64 / 0.2 s = 320 requests/s); each
client's share of it is measured in the same run, side by side. The memory run sends 100,000
requests through one judge (results consumed and dropped, requests generated lazily) and reports
the client's RSS at 10k, 50k and 100k. Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgekit.types import JudgeRequest

_BODY_CACHE: dict[str, bytes] = {}


def serve(port: int, latency_s: float) -> None:
    from aiohttp import web

    def body(model: str) -> bytes:
        if model not in _BODY_CACHE:
            _BODY_CACHE[model] = json.dumps({
                "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "A"},
                             "logprobs": {"content": [{"token": "A", "logprob": -0.2, "bytes": [65], "top_logprobs": [
                                 {"token": "A", "logprob": -0.2, "bytes": [65]},
                                 {"token": "B", "logprob": -1.7, "bytes": [66]}]}]}}],
                "usage": {"prompt_tokens": 400, "completion_tokens": 1, "total_tokens": 401}}).encode()
        return _BODY_CACHE[model]

    async def chat(request: web.Request) -> web.Response:
        data = await request.json()
        if latency_s:
            await asyncio.sleep(latency_s)
        return web.Response(body=body(data.get("model", "m")), content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(latency_s: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(latency_s)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the loopback server did not start")


class LazyRequests(Sequence[JudgeRequest]):
    """``n`` distinct requests made on demand, so the request list itself takes no memory."""

    def __init__(self, n: int, tag: str) -> None:
        self.n, self.tag = n, tag

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        if not 0 <= i < self.n:
            raise IndexError(i)
        body = f"{self.tag} question {i}: " + ("which response is better? " * 62)[:1560]
        return JudgeRequest(key=f"{self.tag}{i}", messages=({"role": "user", "content": body},), prompt=body,
                            first="a", second="b")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def throughput(judge, n: int, tag: str) -> tuple[float, int]:
    reqs = LazyRequests(n, tag)
    list(judge.judge(LazyRequests(min(n, 128), tag + "warm")))  # connections, imports
    t0 = time.perf_counter()
    ok = sum(o.choice == "A" for _, o in judge.judge(reqs))
    return n / (time.perf_counter() - t0), ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", nargs=2, metavar=("PORT", "LATENCY_S"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--latency-ms", type=float, default=200.0)
    ap.add_argument("--memory-requests", type=int, default=100_000)
    ap.add_argument("--skip-litellm", action="store_true")
    a = ap.parse_args()
    if a.serve:
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {os.cpu_count() - 1})
        serve(int(a.serve[0]), float(a.serve[1]))
        return
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-local-only")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from judgekit.judges.api import LiteLLMJudge
    from judgekit.judges.openai_compat import OpenAICompatJudge

    n = 1000 if a.quick else 2000
    c, lat = a.concurrency, a.latency_ms / 1000
    ideal = c / lat
    proc, base = start_server(lat)
    try:
        print(f"loopback server {base}, latency {a.latency_ms:g} ms, concurrency {c}, ideal {ideal:.0f} req/s")
        lean = OpenAICompatJudge("openai/bench", api_base=base, concurrency=c)
        rate, ok = throughput(lean, n, "lean")
        print(f"openai-compatible (aiohttp) judge: {rate:7.1f} req/s = {rate / ideal:.0%} of ideal ({ok}/{n} ok)")
        lean.close()
        if not a.skip_litellm:
            lite = LiteLLMJudge("openai/bench", api_base=base, concurrency=c)
            rate, ok = throughput(lite, n, "lite")
            print(f"litellm judge:                     {rate:7.1f} req/s = {rate / ideal:.0%} of ideal ({ok}/{n} ok)")
    finally:
        proc.terminate()
        proc.wait(10)

    m = 20_000 if a.quick else a.memory_requests
    proc, base = start_server(0.0)
    try:
        judge = OpenAICompatJudge("openai/bench", api_base=base, concurrency=c)
        marks = {m // 10, m // 2, m}
        print(f"memory over {m:,} requests (server latency 0, concurrency {c}): RSS before {rss_mb():.0f} MB")
        t0, done, ok = time.perf_counter(), 0, 0
        for _, out in judge.judge(LazyRequests(m, "mem")):
            done += 1
            ok += out.choice == "A"
            if done in marks:
                print(f"  after {done:>7,}: RSS {rss_mb():6.1f} MB  ({done / (time.perf_counter() - t0):.0f} req/s)")
        print(f"  {ok:,}/{m:,} ok")
        judge.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
