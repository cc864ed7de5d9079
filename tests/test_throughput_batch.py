"""Batch JSONL round trips and a fake batch endpoint on 127.0.0.1 (OpenAI and Anthropic shapes):
submit, poll, complete, and a crash between submit and complete that a rerun resumes."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from judgekit.batch import BatchJudge, ReplayJudge, export_requests, read_outputs
from judgekit.batch.jsonl import parse_anthropic_line
from judgekit.judges.base import JudgeError
from judgekit.store.db import Store
from judgekit.types import JudgeRequest


def make_request(i: int) -> JudgeRequest:
    return JudgeRequest(key=f"{i:032x}", messages=({"role": "system", "content": "Judge."},
                                                    {"role": "user", "content": f"q{i}: A or B?"}),
                        prompt=f"q{i}", first="x", second="y")


def letter_for(text: str) -> str:
    return "A" if int(text.split(":")[0][1:]) % 2 == 0 else "B"


def openai_answer(line: dict[str, Any]) -> dict[str, Any]:
    letter = letter_for(line["body"]["messages"][-1]["content"])
    other = "B" if letter == "A" else "A"
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": letter},
                         "logprobs": {"content": [{"token": letter, "logprob": -0.1, "top_logprobs": [
                             {"token": letter, "logprob": -0.1}, {"token": other, "logprob": -2.4}]}]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
    return {"id": "r", "custom_id": line["custom_id"], "response": {"status_code": 200, "body": body}, "error": None}


def anthropic_answer(req: dict[str, Any]) -> dict[str, Any]:
    letter = letter_for(req["params"]["messages"][-1]["content"])
    msg = {"content": [{"type": "text", "text": f"Verdict: {letter}"}], "usage": {"input_tokens": 9,
                                                                                  "output_tokens": 3}}
    return {"custom_id": req["custom_id"], "result": {"type": "succeeded", "message": msg}}


class FakeBatchServer:
    """Files, batches and message batches in memory. ``hold`` keeps every batch running."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.submissions = 0
        self.polls = 0
        self.hold = False
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeBatchServer:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _route(self, method: str, path: str, body: bytes, ctype: str) -> tuple[int, Any]:
        with self.lock:
            if method == "POST" and path == "/v1/files":
                boundary = ctype.split("boundary=")[1].encode()
                part = next(p for p in body.split(b"--" + boundary) if b'name="file"' in p)
                fid = f"file-{len(self.files)}"
                self.files[fid] = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0].decode()
                return 200, {"id": fid}
            if method == "POST" and path in ("/v1/batches", "/v1/messages/batches"):
                self.submissions += 1
                bid = f"batch-{len(self.batches)}"
                req = json.loads(body)
                lines = ([json.loads(x) for x in self.files[req["input_file_id"]].splitlines()]
                         if "input_file_id" in req else req["requests"])
                self.batches[bid] = {"lines": lines, "anthropic": "requests" in req}
                return 200, {"id": bid, "status": "validating", "processing_status": "in_progress"}
            if method == "GET" and path.startswith(("/v1/batches/", "/v1/messages/batches/")):
                bid = path.split("/")[-1]
                if path.endswith("/results"):
                    bid = path.split("/")[-2]
                    return 200, "\n".join(json.dumps(anthropic_answer(x)) for x in self.batches[bid]["lines"])
                self.polls += 1
                done = not self.hold
                if self.batches[bid]["anthropic"]:
                    return 200, {"id": bid, "processing_status": "ended" if done else "in_progress",
                                 "results_url": f"{self.base}/v1/messages/batches/{bid}/results"}
                out = f"out-{bid}"
                if done:
                    self.files[out] = "\n".join(json.dumps(openai_answer(x)) for x in self.batches[bid]["lines"])
                return 200, {"id": bid, "status": "completed" if done else "in_progress",
                             "output_file_id": out if done else None}
            if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
                return 200, self.files[path.split("/")[3]]
            return 404, {"error": {"message": "not found"}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _do(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = fake._route(method, self.path, body, self.headers.get("Content-Type", ""))
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._do("GET")

            def do_POST(self) -> None:
                self._do("POST")

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-FAKEKEY0123456789")


def test_openai_jsonl_round_trip_and_replay(tmp_path: Path) -> None:
    reqs = [make_request(i) for i in range(5)] + [make_request(0)]  # a duplicate key is written once
    path = tmp_path / "batch.jsonl"
    assert export_requests(reqs, path, model="gpt-4o-mini", max_tokens=4) == 5
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["custom_id"] for x in lines] == [r.key for r in reqs[:5]]
    assert lines[0]["url"] == "/v1/chat/completions" and lines[0]["body"]["max_tokens"] == 4
    assert lines[0]["body"]["messages"] == list(reqs[0].messages) and lines[0]["body"]["logprobs"] is True
    out_path = tmp_path / "out.jsonl"
    failed = {"custom_id": reqs[4].key, "response": {"status_code": 500, "body": {"error": "boom"}}, "error": None}
    out_path.write_text("\n".join([*(json.dumps(openai_answer(x)) for x in lines[:4]), json.dumps(failed)]))
    outs = read_outputs(out_path, prices=(1e-6, 2e-6))
    assert outs[reqs[0].key].choice == "A" and outs[reqs[1].key].choice == "B"
    assert outs[reqs[0].key].p_a == pytest.approx(1 / (1 + math.exp(-2.3)))
    assert outs[reqs[0].key].cost_usd == pytest.approx(10e-6 + 2e-6)
    assert outs[reqs[4].key].choice == "error" and "500" in outs[reqs[4].key].error
    replay = ReplayJudge(outs, {"backend": "x"})
    got = {r.key: o.choice for r, o in replay.judge([*reqs, make_request(9)])}
    assert got[reqs[1].key] == "B" and got[make_request(9).key] == "error"


def test_anthropic_jsonl_round_trip(tmp_path: Path) -> None:
    reqs = [make_request(i) for i in range(3)]
    path = tmp_path / "batch.jsonl"
    export_requests(reqs, path, provider="anthropic", model="claude-x", max_tokens=8)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert lines[0]["params"]["system"] == "Judge." and lines[0]["params"]["messages"][0]["role"] == "user"
    outs = read_outputs([json.dumps(anthropic_answer(x)) for x in lines], provider="anthropic")
    assert [outs[r.key].choice for r in reqs] == ["A", "B", "A"]
    assert outs[reqs[0].key].input_tokens == 9 and outs[reqs[0].key].p_a is None
    key, out = parse_anthropic_line({"custom_id": "k", "result": {"type": "expired"}})
    assert key == "k" and out.choice == "error" and "expired" in out.error


def test_openai_batch_submit_poll_complete(tmp_path: Path) -> None:
    with FakeBatchServer() as fake:
        judge = BatchJudge("openai/gpt-4o-mini", db=tmp_path / "j.duckdb", api_base=f"{fake.base}/v1",
                           poll_s=0.01, max_per_batch=4)
        reqs = [make_request(i) for i in range(10)]
        got = {r.key: o for r, o in judge.judge(reqs)}
        judge.close()
    assert fake.submissions == 3  # 10 requests in batches of at most 4
    assert [got[r.key].choice for r in reqs] == ["A", "B"] * 5
    assert got[reqs[0].key].p_a is not None and got[reqs[0].key].cost_usd > 0
    rows = Store(tmp_path / "j.duckdb").query("SELECT status, n_requests FROM batches ORDER BY batch_id")
    assert list(rows["status"]) == ["collected"] * 3 and sorted(rows["n_requests"]) == [2, 4, 4]


def test_crash_between_submit_and_complete_resumes_without_resubmitting(tmp_path: Path) -> None:
    db = tmp_path / "j.duckdb"
    reqs = [make_request(i) for i in range(6)]
    with FakeBatchServer() as fake:
        fake.hold = True
        first = BatchJudge("openai/gpt-4o-mini", db=db, api_base=f"{fake.base}/v1", poll_s=0.02, max_wait_s=0.1)
        with pytest.raises(JudgeError, match="resumes polling"):
            list(first.judge(reqs))
        stored = Store(db).query("SELECT batch_id, status FROM batches")
        assert fake.submissions == 1 and len(stored) == 1 and stored["status"][0] != "collected"
        fake.hold = False
        second = BatchJudge("openai/gpt-4o-mini", db=db, api_base=f"{fake.base}/v1", poll_s=0.01)
        got = {r.key: o.choice for r, o in second.judge(list(reversed(reqs)))}
        assert fake.submissions == 1  # polled the stored batch, did not submit again
        assert got == {r.key: "AB"[i % 2] for i, r in enumerate(reqs)}
        # different keys are a different batch
        list(second.judge([make_request(99)]))
        assert fake.submissions == 2


def test_anthropic_batch_end_to_end(tmp_path: Path) -> None:
    with FakeBatchServer() as fake:
        judge = BatchJudge("anthropic/claude-3-5-haiku-20241022", db=tmp_path / "j.duckdb", api_base=fake.base,
                           poll_s=0.01)
        got = {r.key: o for r, o in judge.judge([make_request(i) for i in range(4)])}
    assert [o.choice for o in got.values()] == ["A", "B", "A", "B"]
    assert fake.submissions == 1 and all(o.output_tokens == 3 for o in got.values())
