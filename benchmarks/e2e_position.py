"""The whole `judgekit eval --suite position` against a bare aiohttp client sending the same requests.

    python benchmarks/e2e_position.py                   # 1,500 pairs = 3,000 requests, 200 ms, concurrency 64
    python benchmarks/e2e_position.py --pairs 300 --rounds 1 --no-report

A loopback OpenAI-compatible server (aiohttp, its own process) answers every chat completion
after ``--latency-ms`` with "A" and logprobs and counts the requests it gets. Each round runs,
one after the other (interleaved across rounds):

1. ``bare``: a separate Python process that reads the request bodies from a file and POSTs them
   with one aiohttp session and at most ``--concurrency`` in flight (the network's limit for this
   client: start-up, imports and JSON included);
2. ``judgekit``: ``python -m judgekit eval --suite position`` on a fresh DuckDB file (trials, cache,
   journal, verdicts, metrics and, unless ``--no-report``, the HTML report);
3. ``rerun``: the same command again on the same file: every verdict from the cache, zero requests.

The bodies the bare client sends are those judgekit sends (built with its template and
``OpenAICompatJudge.body``). Wall time and peak RSS (``wait4`` of each child) are measured per
process; the ratios judgekit / bare (issue 16 target <= 1.25x, <= 300 MB) and rerun / judgekit
(target <= 5%, 0 requests) are taken inside each round and their medians printed, with the load
average. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO, TARGET_MB, TARGET_RERUN = 1.25, 300.0, 0.05
_BODY = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "bench",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "A"},
                 "logprobs": {"content": [{"token": "A", "logprob": -0.2, "bytes": [65], "top_logprobs": [
                     {"token": "A", "logprob": -0.2, "bytes": [65]},
                     {"token": "B", "logprob": -1.7, "bytes": [66]}]}]}}],
    "usage": {"prompt_tokens": 400, "completion_tokens": 1, "total_tokens": 401}}).encode()


def serve(port: int, latency_s: float) -> None:
    """The loopback server; ``GET /count`` returns the number of chat completions answered."""
    from aiohttp import web

    count = 0

    async def chat(request: web.Request) -> web.Response:
        nonlocal count
        await request.read()
        count += 1
        if latency_s:
            await asyncio.sleep(latency_s)
        return web.Response(body=_BODY, content_type="application/json")

    async def counter(request: web.Request) -> web.Response:
        return web.Response(text=str(count))

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/count", counter)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=2048)


def bare_client(payloads: str, url: str, concurrency: int) -> None:
    """What a client with no bookkeeping does: POST every body, parse every answer."""
    import aiohttp

    bodies = Path(payloads).read_bytes().splitlines()

    async def main() -> None:
        sem = asyncio.Semaphore(concurrency)
        conn = aiohttp.TCPConnector(limit=concurrency)
        ok = 0
        async with aiohttp.ClientSession(connector=conn, headers={"Content-Type": "application/json",
                                                                  "Authorization": "Bearer sk-bench"}) as s:
            async def one(body: bytes) -> None:
                nonlocal ok
                async with sem, s.post(url, data=body) as r:
                    data = json.loads(await r.read())
                    ok += data["choices"][0]["message"]["content"] == "A"

            await asyncio.gather(*(one(b) for b in bodies))
        assert ok == len(bodies), (ok, len(bodies))

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_count(port: int) -> int:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=10) as r:
        return int(r.read())


def start_server(latency_s: float) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(latency_s)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            server_count(port)
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the loopback server did not start")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one child process, which must succeed.

    The parent imports nothing heavy, so the child's ``ru_maxrss`` (which counts the forked image
    before ``exec``) is the child's own.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def write_inputs(folder: Path, n_pairs: int, base: str) -> Path:
    """The pairs file for ``--data`` and the request bodies judgekit sends for it, one JSON per line."""
    from judgekit.judges.openai_compat import OpenAICompatJudge
    from judgekit.judges.prompt import build_request, load_template
    from judgekit.plan import load_suite, load_suite_items, make_plan

    filler = "The reasoning goes step by step and checks each claim against the question. " * 6
    rows = [{"id": f"p{i}", "prompt": f"Question {i}: which answer is right, and why?",
             "response_a": f"Answer {i}: {i * 7}. {filler}", "response_b": f"Answer {i}: {i * 7 + 1}. {filler}",
             "label": "A" if i % 2 else "B"} for i in range(n_pairs)]
    data = folder / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    spec = load_suite("position")
    items, dataset = load_suite_items(spec, data=str(data))
    judge = OpenAICompatJudge("openai/bench", api_base=base)
    plan = make_plan(spec, items, dataset, seed=0, stochastic=judge.stochastic)  # what `eval` plans for this judge
    tmpl, identity = load_template(plan.template), judge.identity()
    bodies = [json.dumps(judge.body(build_request(tmpl, identity, t, sample_index=t.repeat))) for t in plan.trials]
    (folder / "bodies.jsonl").write_text("\n".join(bodies) + "\n", encoding="utf-8")
    return data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", nargs=2, metavar=("PORT", "LATENCY_S"))
    ap.add_argument("--bare", nargs=3, metavar=("BODIES", "URL", "CONCURRENCY"))
    ap.add_argument("--prepare", nargs=3, metavar=("FOLDER", "PAIRS", "BASE"))
    ap.add_argument("--pairs", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--latency-ms", type=float, default=200.0)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--no-report", action="store_true", help="run judgekit with --no-report")
    a = ap.parse_args()
    if a.serve:
        serve(int(a.serve[0]), float(a.serve[1]))
        return
    if a.bare:
        bare_client(a.bare[0], a.bare[1], int(a.bare[2]))
        return
    if a.prepare:
        write_inputs(Path(a.prepare[0]), int(a.prepare[1]), a.prepare[2])
        return
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench-local-only", "PYTHONPATH": str(ROOT),
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    # an installed package runs from its bytecode: compile the checkout once, as pip does on install, so that
    # neither side recompiles its sources in every process (PYTHONDONTWRITEBYTECODE would make it do so)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "judgekit")], env=env, check=True)
    n_req = 2 * a.pairs
    ideal = n_req / a.concurrency * a.latency_ms / 1000
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    proc, port = start_server(a.latency_ms / 1000)
    base = f"http://127.0.0.1:{port}/v1"
    rows: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            subprocess.run([sys.executable, __file__, "--prepare", tmp, str(a.pairs), base], env=env, check=True)
            data = folder / "pairs.jsonl"
            print(f"{a.pairs:,} pairs = {n_req:,} requests, latency {a.latency_ms:g} ms, concurrency {a.concurrency}"
                  f": ideal {ideal:.1f} s")
            for n in range(a.rounds):
                db = folder / f"run{n}.duckdb"
                jk = [sys.executable, "-m", "judgekit", "eval", "--suite", "position", "--judge", "openai/bench",
                      "--api-base", base, "--data", str(data), "--db", str(db), "--out", str(folder / "reports"),
                      "--concurrency", str(a.concurrency), *(["--no-report"] if a.no_report else [])]
                bare = [sys.executable, __file__, "--bare", str(folder / "bodies.jsonl"), f"{base}/chat/completions",
                        str(a.concurrency)]
                r: dict[str, float] = {}
                for name, cmd in (("bare", bare), ("judgekit", jk), ("rerun", jk)):
                    c0 = server_count(port)
                    r[name], r[name + "_cpu"], r[name + "_mb"] = timed(cmd, env)
                    r[name + "_requests"] = server_count(port) - c0
                rows.append(r)
                print(f"  round {n + 1}: " + " | ".join(
                    f"{k} {r[k]:6.2f} s, {r[k + '_cpu']:5.2f} CPU-s, {r[k + '_mb']:4.0f} MB, "
                    f"{r[k + '_requests']:.0f} requests" for k in ("bare", "judgekit", "rerun"))
                    + f" -> {r['judgekit'] / r['bare']:.2f}x, rerun {r['rerun'] / r['judgekit']:.1%}", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)

    def med(f):  # type: ignore[no-untyped-def]
        return statistics.median(f(r) for r in rows)

    ratio, mb = med(lambda r: r["judgekit"] / r["bare"]), max(r["judgekit_mb"] for r in rows)
    rerun, rerun_req = med(lambda r: r["rerun"] / r["judgekit"]), max(r["rerun_requests"] for r in rows)
    assert all(r["judgekit_requests"] == n_req == r["bare_requests"] for r in rows), rows

    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for k in ("bare", "judgekit"):
        wall, cpu = statistics.median(r[k] for r in rows), statistics.median(r[k + "_cpu"] for r in rows)
        print(f"median of {len(rows)}, {k}: {wall:.2f} s = {ideal / wall:.0%} of the ideal, {cpu:.2f} CPU-s")
    print(f"whole eval / bare client: {ratio:.2f}x (target <= {TARGET_RATIO}x: {mark(ratio <= TARGET_RATIO)}); "
          f"peak RSS judgekit {mb:.0f} MB (target <= {TARGET_MB:.0f} MB: {mark(mb <= TARGET_MB)}), "
          f"bare {max(r['bare_mb'] for r in rows):.0f} MB")
    print(f"cached rerun / first run: {rerun:.1%} (target <= {TARGET_RERUN:.0%}: {mark(rerun <= TARGET_RERUN)}), "
          f"{rerun_req:.0f} requests sent (target 0: {mark(rerun_req == 0)})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
