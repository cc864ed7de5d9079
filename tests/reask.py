"""Kill ``judgekit eval`` with SIGKILL while it judges against a loopback server; count re-asks.

A re-ask, for one kill, is a request the server had answered (the whole reply written to
the socket) during the killed attempt and that a later attempt sent again: an answer paid
for twice. Used by ``tests/test_reliability_kills.py`` (a few kills) and ``benchmarks/soak.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import Action, FakeOpenAI, hashing_responder

KEY_ENV = {"OPENAI_API_KEY": "sk-loopback-0000000000000000"}


def request_id(body: dict[str, Any]) -> str:
    """What makes two HTTP requests the same question: the model and the messages."""
    blob = json.dumps([body.get("model"), body.get("messages")], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


class CountingServer(FakeOpenAI):
    """A FakeOpenAI that records, per request, whether a 200 reply was written in full."""

    def __init__(self, responder: Callable[[dict[str, Any], int], Action] | None = None) -> None:
        super().__init__(self._track(responder or hashing_responder(0.005)))
        self.answered: list[str] = []  # request ids, in the order their replies were written
        self._current = threading.local()

    def _track(self, inner: Callable[[dict[str, Any], int], Action]) -> Callable[[dict[str, Any], int], Action]:
        def responder(body: dict[str, Any], idx: int) -> Action:
            action = inner(body, idx)
            ok = action.status == 200 and not action.reset and not action.truncate
            self._current.rid = request_id(body) if ok else None
            return action

        return responder

    def _send(self, handler: Any, status: int, payload: bytes, headers: dict[str, str]) -> None:  # type: ignore[override]
        rid = getattr(self._current, "rid", None)
        self._current.rid = None
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        if rid is not None and status == 200:
            with self._lock:
                self.answered.append(rid)

    def requested(self, start: int = 0) -> list[str]:
        with self._lock:
            return [request_id(r.body) for r in self.requests[start:]]


@dataclass
class KillSeries:
    reasks: list[int] = field(default_factory=list)  # per kill
    answered: list[int] = field(default_factory=list)  # replies written during each killed attempt
    n_requests: int = 0  # HTTP requests over all attempts, the final one included
    n_distinct: int = 0
    final_rc: int = -1
    final_stderr: str = ""


def eval_command(db: Path, data: Path, base_url: str, concurrency: int, *extra: str,
                 launcher: tuple[str, ...] = ("-m", "judgekit")) -> list[str]:
    """``python LAUNCHER eval ...`` with the loopback judge; ``launcher`` may be ``("-c", CODE)``."""
    return [sys.executable, *launcher, "eval", "--judge", "openai/loopback", "--api-base", base_url,
            "--data", str(data), "--db", str(db), "--no-report", "--concurrency", str(concurrency), *extra]


def kill_series(server: CountingServer, db: Path, data: Path, *, kills: int, concurrency: int,
                rng: random.Random, max_wait_s: float = 3.0, extra: tuple[str, ...] = (),
                start_timeout_s: float = 120.0, env: dict[str, str] | None = None,
                launcher: tuple[str, ...] = ("-m", "judgekit"), final_attempts: int = 1) -> KillSeries:
    """``kills`` attempts, each SIGKILLed at a random moment after its first request, then runs to the end.

    The last phase reruns the command while it exits 1 (failed requests to retry), ``final_attempts`` times at most.
    """
    env = {**os.environ, **KEY_ENV, **(env or {})}
    cmd = eval_command(db, data, server.base_url, concurrency, *extra, launcher=launcher)
    out = KillSeries()
    attempts: list[tuple[int, int, int, int]] = []  # (first request, last request, first answer, last answer)
    for _ in range(kills):
        req0, ans0 = len(server.requests), len(server.answered)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + start_timeout_s
        while len(server.requests) == req0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # until judging has begun
        time.sleep(rng.uniform(0.0, max_wait_s))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        time.sleep(0.05)  # replies being written when it died have failed by now
        attempts.append((req0, len(server.requests), ans0, len(server.answered)))
    for _ in range(final_attempts):
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
        out.final_rc, out.final_stderr = final.returncode, final.stderr
        if final.returncode != 1:
            break
    requested = server.requested()
    with server._lock:
        answered = list(server.answered)
    for _, req1, a0, a1 in attempts:
        paid = set(answered[a0:a1])
        later = set(requested[req1:])
        out.reasks.append(len(paid & later))
        out.answered.append(len(paid))
    out.n_requests = len(requested)
    out.n_distinct = len(set(requested))
    return out
