"""A small, scriptable OpenAI-compatible chat server for tests and benchmarks.

In tests::

    with FakeOpenAI(responder) as server:
        judge = LiteLLMJudge("openai/fake", api_base=server.base_url)
        ...
        assert len(server.requests) == 3

``responder(request_json, call_index) -> Action`` decides every reply; ``call_index``
counts calls from 0 across the whole server. Build actions with :func:`reply`,
:func:`fault`, :func:`delayed`, :func:`truncated`, :func:`empty` and :func:`reset`.

From the command line (``python tests/fake_openai.py --port 8001 --latency-ms 200``)
it answers "A" or "B" deterministically from a hash of the prompt, with logprobs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Action:
    """One scripted reply. ``status != 200`` sends an OpenAI-style error body."""

    content: str | None = "A"
    #: (token, logprob) pairs for the first generated token; None sends no logprobs.
    top_logprobs: list[tuple[str, float]] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    truncate: bool = False
    refusal: str | None = None
    #: close the connection with a TCP reset instead of answering
    reset: bool = False
    #: error message sent with ``status != 200`` (default: "fake server error STATUS")
    message: str | None = None
    #: a function that rewrites the 200 body before it is sent (malformed replies)
    mangle: Callable[[dict[str, Any]], Any] | None = None


def reply(content: str | None = "A", top_logprobs: list[tuple[str, float]] | None = None,
          delay_s: float = 0.0) -> Action:
    return Action(content=content, top_logprobs=top_logprobs, delay_s=delay_s)


def fault(status: int, retry_after: float | None = None, delay_s: float = 0.0, message: str | None = None) -> Action:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Action(content=None, status=status, headers=headers, delay_s=delay_s, message=message)


def delayed(seconds: float, content: str = "A") -> Action:
    """A reply that arrives after ``seconds`` (to trigger client timeouts)."""
    return Action(content=content, delay_s=seconds)


def truncated() -> Action:
    """A 200 reply whose JSON body is cut in half."""
    return Action(content="A", truncate=True)


def empty() -> Action:
    return Action(content="")


def reset() -> Action:
    """Drop the connection with a TCP RST after reading the request (no response at all)."""
    return Action(content=None, reset=True)


def refusal(text: str = "I'm sorry, but I can't help with comparing these.") -> Action:
    """A reply with no content and the refusal field set (as OpenAI sends for refusals)."""
    return Action(content=None, refusal=text)


def letter_logprobs(letter: str, p: float = 0.9) -> list[tuple[str, float]]:
    other = "B" if letter == "A" else "A"
    return [(letter, math.log(p)), (other, math.log(1.0 - p)), (" " + letter, math.log(1e-4))]


def default_responder(req: dict[str, Any], call_index: int) -> Action:
    """Answer "A" with logprobs (when the request asked for them)."""
    lp = letter_logprobs("A", 0.8) if req.get("logprobs") else None
    return reply("A", lp)


def hashing_responder(latency_s: float = 0.0) -> Callable[[dict[str, Any], int], Action]:
    """Answer "A"/"B" from a hash of the prompt, deterministic across runs."""

    def responder(req: dict[str, Any], call_index: int) -> Action:
        text = json.dumps(req.get("messages", []), sort_keys=True)
        h = hashlib.sha256(text.encode()).digest()
        letter = "A" if h[0] % 2 == 0 else "B"
        p = 0.55 + 0.44 * (h[1] / 255.0)
        lp = letter_logprobs(letter, p) if req.get("logprobs") else None
        return reply(letter, lp, delay_s=latency_s)

    return responder


def _token(tok: str, logprob: float) -> dict[str, Any]:
    return {"token": tok, "logprob": logprob, "bytes": list(tok.encode())}


def completion_body(model: str, action: Action, prompt_tokens: int) -> dict[str, Any]:
    content = action.content
    logprobs = None
    if action.top_logprobs:
        first_tok, first_lp = action.top_logprobs[0]
        logprobs = {"content": [dict(_token(first_tok, first_lp),
                                     top_logprobs=[_token(t, lp) for t, lp in action.top_logprobs])]}
    completion_tokens = max(1, len((content or "").split()))
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if action.refusal is not None:
        message["refusal"] = action.refusal
    return {
        "id": f"chatcmpl-fake{int(time.time() * 1e6)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": logprobs}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    kinds = {400: "invalid_request_error", 401: "invalid_api_key", 404: "model_not_found",
             429: "rate_limit_exceeded"}
    return {"error": {"message": message or f"fake server error {status}",
                      "type": kinds.get(status, "server_error"),
                      "param": None, "code": kinds.get(status)}}


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]  # names lower-cased
    t_received: float
    call_index: int

    @property
    def prompt(self) -> str:
        """The last user message."""
        for m in reversed(self.body.get("messages", [])):
            if m.get("role") == "user":
                c = m.get("content")
                return c if isinstance(c, str) else json.dumps(c)
        return ""


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-reply (a cancelled request) is normal here, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class FakeOpenAI:
    """A threaded HTTP server on 127.0.0.1 (port 0 picks a free port)."""

    def __init__(self, responder: Callable[[dict[str, Any], int], Action] | None = None,
                 port: int = 0, host: str = "127.0.0.1") -> None:
        self.responder = responder or default_responder
        self.requests: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _QuietServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def prompts(self) -> list[str]:
        with self._lock:
            return [r.prompt for r in self.requests]

    def count(self, prompt: str) -> int:
        return sum(1 for p in self.prompts() if p == prompt)

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send(handler, 404, json.dumps(error_body(404)).encode(), {})
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send(handler, 400, json.dumps(error_body(400)).encode(), {})
            return
        with self._lock:
            idx = len(self.requests)
            headers = {k.lower(): v for k, v in handler.headers.items()}
            self.requests.append(Received(body, headers, time.monotonic(), idx))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            action = self.responder(body, idx)
            if action.delay_s > 0 and self._stop.wait(action.delay_s):
                return
            if action.reset:
                self._reset(handler)
                return
            if action.status != 200:
                payload = json.dumps(error_body(action.status, action.message)).encode()
                self._send(handler, action.status, payload, action.headers)
                return
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
            answer: Any = completion_body(body.get("model", "fake"), action, prompt_tokens)
            if action.mangle is not None:
                answer = action.mangle(answer)
            payload = json.dumps(answer).encode()
            if action.truncate:
                payload = payload[: len(payload) // 2]
            self._send(handler, 200, payload, action.headers)
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _reset(handler: BaseHTTPRequestHandler) -> None:
        """SO_LINGER 0 then close: the kernel answers with RST, the client sees a connection reset."""
        handler.close_connection = True
        try:
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
        except OSError:
            pass

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def serve(responder: Callable[[dict[str, Any], int], Action] | None = None) -> Iterator[FakeOpenAI]:
    """Generator for a pytest fixture: ``yield from serve(responder)``."""
    with FakeOpenAI(responder) as server:
        yield server


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="OpenAI-compatible fake chat server")
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    args = ap.parse_args(argv)
    server = FakeOpenAI(hashing_responder(args.latency_ms / 1000.0), port=args.port, host=args.host)
    print(f"fake OpenAI server on http://{args.host}:{server.port}/v1", flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()


if __name__ == "__main__":
    main()
