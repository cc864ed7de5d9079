"""Soak: 100,000 requests through `judgekit eval` against a loopback server that injects every fault, with kills.

    python benchmarks/soak.py                    # 50,000 items (100,000 requests), 10 kills
    python benchmarks/soak.py --items 2000 --kills 3   # a quick look
    python benchmarks/soak.py --journal                # the journal's cost per answer under each fsync policy

The server (``tests/fake_openai.py``, in this process) answers each call at random with one
of: 429 with ``Retry-After``, 429 without it, 500, 503, a reply slower than the client
timeout, a TCP reset, a truncated JSON body, a malformed body (valid JSON, no ``choices``),
or a good answer ("A"/"B" from a hash of the prompt, so reruns agree). ``eval`` runs in a
child process (retry back-off base 0.05 s, client timeout 1 s, so faults cost seconds, not
minutes) and is killed with SIGKILL ``--kills`` times at random moments while judging; then
the same command runs until it exits 0. Printed: HTTP requests sent per distinct request,
re-asks of answers the server had written before a kill (per kill, and the bound:
concurrency), verdicts lost (distinct requests without a verdict at the end; must be 0),
the fault counts and the children's peak RSS. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import duckdb  # noqa: E402
from fake_openai import Action, delayed, fault, hashing_responder, reset, truncated  # noqa: E402

from tests.conftest import write_fact_items  # noqa: E402
from tests.reask import CountingServer, kill_series  # noqa: E402

# The child: the real CLI, with short retry back-off and client timeout.
CHILD = ("-c", "import sys; from judgekit.judges.openai_compat import OpenAICompatJudge as J; "
               "J.retry_base_s = 0.05; J.__init__.__kwdefaults__['timeout_s'] = 1.0; "
               "from judgekit.cli import main; sys.exit(main(sys.argv[1:]))")

# (kind, probability per call): about 1.5% of calls fail. 429s are rare because each one halves the
# client's concurrency window (AIMD), which then grows back by one per window of good answers.
FAULTS: list[tuple[str, float]] = [
    ("429 retry-after", 0.001), ("429", 0.001), ("500", 0.003), ("503", 0.003), ("timeout", 0.001),
    ("reset", 0.002), ("truncated", 0.002), ("malformed", 0.002),
]


class FaultyServer(CountingServer):
    """Injects FAULTS at random (seeded); ``malformed`` replies 200 with JSON that has no ``choices``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.faults: Counter[str] = Counter()
        good = hashing_responder(0.0)

        def responder(body: dict[str, Any], idx: int) -> Action:
            r = self.rng.random()
            for kind, p in FAULTS:
                if r < p:
                    self.faults[kind] += 1
                    return {"429 retry-after": fault(429, retry_after=0.1), "429": fault(429), "500": fault(500),
                            "503": fault(503), "timeout": delayed(1.5), "reset": reset(),
                            "truncated": truncated(),
                            "malformed": Action(content="A", headers={"X-Soak-Malformed": "1"})}[kind]
                r -= p
            return good(body, idx)

        super().__init__(responder)

    def _send(self, handler: Any, status: int, payload: bytes, headers: dict[str, str]) -> None:  # type: ignore[override]
        if headers.pop("X-Soak-Malformed", None):
            self._current.rid = None  # not an answer
            payload = json.dumps({"id": "x", "object": "chat.completion", "choices": "none"}).encode()
        super()._send(handler, status, payload, headers)


def journal_cost(n: int = 20_000) -> None:
    """Append ``n`` verdict-sized rows under each fsync policy and print the cost per row."""
    from judgekit.store.journal import Journal

    row = {"run_id": "r" * 22, "trial_id": "t" * 40, "request_key": "k" * 32, "choice": "A", "chosen": "A",
           "correct": True, "p_a": 0.7, "p_b": 0.3, "raw": "A", "error": None, "input_tokens": 300,
           "output_tokens": 1, "latency_s": 0.2, "cost_usd": None, "cached": False, "created_at": "2026-12-01T00:00"}
    with tempfile.TemporaryDirectory() as d:
        for label, every in (("fsync every line", 0.0), ("fsync every 0.5 s (default)", 0.5),
                             ("flush to the OS only", float("inf"))):
            j = Journal(Path(d) / f"{every}.journal", fsync_every_s=every)
            t = time.perf_counter()
            for i in range(n):
                j.append({**row, "trial_id": str(i)})
            j.sync()
            j.close()
            print(f"journal, {label}: {(time.perf_counter() - t) / n * 1e6:.1f} us per answer ({n:,} answers)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journal", action="store_true", help="only measure the journal's cost per fsync policy")
    ap.add_argument("--items", type=int, default=50_000, help="items; requests = 2 x items (both orders)")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--max-wait", type=float, default=20.0, help="a kill lands up to this many seconds in")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.journal:
        journal_cost()
        return

    tmp = Path(tempfile.mkdtemp(prefix="judgekit-soak-"))
    data = write_fact_items(tmp / "d.jsonl", args.items)
    db = tmp / "soak.duckdb"
    t0 = time.monotonic()
    with FaultyServer(args.seed) as server:
        series = kill_series(server, db, data, kills=args.kills, concurrency=args.concurrency,
                             rng=random.Random(args.seed), max_wait_s=args.max_wait, launcher=CHILD,
                             final_attempts=10, env={"PYTHONPATH": str(ROOT)})
        faults = dict(server.faults)
    wall = time.monotonic() - t0
    con = duckdb.connect(str(db), read_only=True)
    try:
        n_verdicts, n_errors = con.execute("SELECT count(*) FILTER (WHERE choice <> 'error'), "
                                           "count(*) FILTER (WHERE choice = 'error') FROM verdicts").fetchone()
        statuses = con.execute("SELECT status, count(*) FROM runs GROUP BY ALL").fetchall()
    finally:
        con.close()
    distinct = 2 * args.items
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"items {args.items:,}, distinct requests {distinct:,}, kills {args.kills}, concurrency {args.concurrency}")
    print(f"final exit status {series.final_rc}; runs {statuses}; wall {wall:.0f} s")
    print(f"HTTP requests sent {series.n_requests:,} = {series.n_requests / distinct:.3f} per distinct request")
    print(f"faults injected {sum(faults.values()):,}: {faults}")
    print(f"replies written during each killed attempt: {series.answered}")
    print(f"re-asks of answers received before a kill: {series.reasks} (sum {sum(series.reasks)}, "
          f"bound {args.concurrency} per kill = {args.concurrency * len(series.reasks)})")
    print(f"verdicts lost: {distinct - n_verdicts} (verdicts {n_verdicts:,}, errors {n_errors})")
    print(f"peak RSS of an eval process: {peak_mb:.0f} MB; load average {os.getloadavg()[0]:.1f}")
    if series.final_rc != 0:
        print(series.final_stderr[-2000:])


if __name__ == "__main__":
    main()
