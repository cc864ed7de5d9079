"""Minimal clients for the OpenAI Batch and Anthropic Message Batches HTTP APIs.

Each client does four things: ``submit(lines) -> batch id``, ``poll(batch_id) -> (state, info)``
with ``state`` one of ``running``/``completed``/``failed``, and ``results(batch_id, info)``
yielding the output lines (errors included). Keys come from the environment
(``OPENAI_API_KEY``/``ANTHROPIC_API_KEY``) and are redacted from every message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

from judgekit.judges import _retry
from judgekit.judges.base import JudgeError

_OPENAI_FAILED = {"failed", "expired", "cancelled", "cancelling"}
_ANTHROPIC_VERSION = "2023-06-01"


class _Client:
    provider = ""
    default_base = ""
    key_env = ""

    def __init__(self, api_base: str | None = None, api_key: str | None = None, timeout_s: float = 120.0) -> None:
        import httpx

        self.base = (api_base or os.environ.get(f"{self.provider.upper()}_API_BASE") or self.default_base).rstrip("/")
        self.key = api_key or os.environ.get(self.key_env) or ""
        self.http = httpx.Client(timeout=timeout_s, headers=self._headers())

    def _headers(self) -> dict[str, str]:
        return {}

    def _check(self, resp: Any) -> Any:
        if resp.status_code == 401:
            raise JudgeError(f"{self.provider} batch API rejected the key: set {self.key_env}")
        if resp.status_code >= 400:
            raise JudgeError(_retry.redact(f"{self.provider} batch API: {resp.status_code} {resp.text[:300]}"))
        return resp

    def close(self) -> None:
        self.http.close()


class OpenAIBatch(_Client):
    """``/v1/files`` + ``/v1/batches`` (``api_base`` ends in ``/v1``)."""

    provider = "openai"
    default_base = "https://api.openai.com/v1"
    key_env = "OPENAI_API_KEY"

    def __init__(self, api_base: str | None = None, api_key: str | None = None, timeout_s: float = 120.0,
                 completion_window: str = "24h") -> None:
        super().__init__(api_base, api_key, timeout_s)
        self.completion_window = completion_window

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def submit(self, lines: Sequence[dict[str, Any]]) -> tuple[str, str | None]:
        payload = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
        up = self._check(self.http.post(f"{self.base}/files", data={"purpose": "batch"},
                                        files={"file": ("judgekit-batch.jsonl", payload, "application/jsonl")}))
        file_id = up.json()["id"]
        resp = self._check(self.http.post(f"{self.base}/batches", json={
            "input_file_id": file_id, "endpoint": "/v1/chat/completions",
            "completion_window": self.completion_window, "metadata": {"source": "judgekit"}}))
        return resp.json()["id"], file_id

    def poll(self, batch_id: str) -> tuple[str, dict[str, Any]]:
        info = self._check(self.http.get(f"{self.base}/batches/{batch_id}")).json()
        status = info.get("status")
        if status == "completed":
            return "completed", info
        if status in _OPENAI_FAILED:
            return "failed", info
        return "running", info

    def results(self, batch_id: str, info: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for fid in (info.get("output_file_id"), info.get("error_file_id")):
            if not fid:
                continue
            text = self._check(self.http.get(f"{self.base}/files/{fid}/content")).text
            for line in text.splitlines():
                if line.strip():
                    yield json.loads(line)


class AnthropicBatch(_Client):
    """``/v1/messages/batches`` (``api_base`` is the host, e.g. ``https://api.anthropic.com``)."""

    provider = "anthropic"
    default_base = "https://api.anthropic.com"
    key_env = "ANTHROPIC_API_KEY"

    def _headers(self) -> dict[str, str]:
        h = {"anthropic-version": _ANTHROPIC_VERSION, "content-type": "application/json"}
        if self.key:
            h["x-api-key"] = self.key
        return h

    def submit(self, lines: Sequence[dict[str, Any]]) -> tuple[str, str | None]:
        resp = self._check(self.http.post(f"{self.base}/v1/messages/batches", json={"requests": list(lines)}))
        return resp.json()["id"], None

    def poll(self, batch_id: str) -> tuple[str, dict[str, Any]]:
        info = self._check(self.http.get(f"{self.base}/v1/messages/batches/{batch_id}")).json()
        if info.get("processing_status") == "ended":
            return "completed", info
        return "running", info

    def results(self, batch_id: str, info: dict[str, Any]) -> Iterator[dict[str, Any]]:
        url = info.get("results_url") or f"{self.base}/v1/messages/batches/{batch_id}/results"
        for line in self._check(self.http.get(url)).text.splitlines():
            if line.strip():
                yield json.loads(line)


CLIENTS = {"openai": OpenAIBatch, "anthropic": AnthropicBatch}
