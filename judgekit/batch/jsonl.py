"""Batch JSONL in both provider formats, with the request's cache key as ``custom_id``.

Export requests to run them anywhere (a provider's batch console, another machine), then
read the output back: :func:`read_outputs` turns an output file into ``{key: JudgeOutput}``
and :class:`ReplayJudge` feeds those outputs through the engine into the store, so the
verdicts land in DuckDB exactly as if the judge had answered live (same identity, same keys).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from judgekit.judges import _retry
from judgekit.judges.api import MalformedResponseError
from judgekit.judges.base import Judge
from judgekit.judges.openai_compat import completion_output
from judgekit.judges.readers import read_text
from judgekit.types import JudgeOutput, JudgeRequest

OPENAI_URL = "/v1/chat/completions"
#: Batch APIs bill half the realtime price (OpenAI Batch, Anthropic Message Batches).
BATCH_DISCOUNT = 0.5
_TOP_LOGPROBS = 20


def openai_line(req: JudgeRequest, *, model: str, temperature: float = 0.0, max_tokens: int = 16,
                logprobs: bool = True, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": [dict(m) for m in req.messages],
                            "temperature": temperature, "max_tokens": max_tokens}
    if logprobs:
        body.update(logprobs=True, top_logprobs=_TOP_LOGPROBS)
    body.update(extra or {})
    return {"custom_id": req.key, "method": "POST", "url": OPENAI_URL, "body": body}


def anthropic_line(req: JudgeRequest, *, model: str, temperature: float = 0.0, max_tokens: int = 16,
                   extra: Mapping[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    system = "\n\n".join(m["content"] for m in req.messages if m["role"] == "system")
    params: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "temperature": temperature,
                              "messages": [dict(m) for m in req.messages if m["role"] != "system"]}
    if system:
        params["system"] = system
    params.update(extra or {})
    return {"custom_id": req.key, "params": params}


LINE_BUILDERS = {"openai": openai_line, "anthropic": anthropic_line}


def export_requests(requests: Iterable[JudgeRequest], path: str | Path, *, provider: str = "openai",
                    **options: Any) -> int:
    """Write one batch line per distinct request key; returns the number of lines."""
    build = LINE_BUILDERS[provider]
    seen: set[str] = set()
    with open(path, "w", encoding="utf-8") as f:
        for req in requests:
            if req.key in seen:
                continue
            seen.add(req.key)
            f.write(json.dumps(build(req, **options), ensure_ascii=False) + "\n")
    return len(seen)


def _error(msg: str) -> JudgeOutput:
    return JudgeOutput(choice="error", error=_retry.redact(msg)[:300])


def parse_openai_line(line: Mapping[str, Any], *, logprobs: bool = True,
                      prices: tuple[float, float] | None = None) -> tuple[str, JudgeOutput]:
    """One line of an OpenAI batch output (or error) file."""
    key = str(line.get("custom_id"))
    resp = line.get("response") or {}
    err = line.get("error")
    status = resp.get("status_code")
    body = resp.get("body")
    if err or status != 200 or not isinstance(body, dict):
        detail = err or (body.get("error") if isinstance(body, dict) else body)
        return key, _error(f"batch request failed ({status}): {json.dumps(detail, default=str)}")
    try:
        return key, completion_output(body, logprobs=logprobs, prices=prices)
    except (KeyError, IndexError, TypeError, AttributeError, MalformedResponseError):
        return key, _error("batch output is not a chat completion")


def parse_anthropic_line(line: Mapping[str, Any], *, prices: tuple[float, float] | None = None,
                         **_: Any) -> tuple[str, JudgeOutput]:
    """One line of an Anthropic Message Batches results file."""
    key = str(line.get("custom_id"))
    result = line.get("result") or {}
    if result.get("type") != "succeeded":
        return key, _error(f"batch request {result.get('type', 'failed')}: "
                           f"{json.dumps(result.get('error'), default=str)}")
    msg = result.get("message") or {}
    text = "".join(b.get("text", "") for b in msg.get("content") or [] if b.get("type") == "text")
    usage = msg.get("usage") or {}
    n_in, n_out = usage.get("input_tokens"), usage.get("output_tokens")
    cost = n_in * prices[0] + n_out * prices[1] if prices and isinstance(n_in, int) and isinstance(n_out, int) \
        else None
    r = read_text(text)
    return key, JudgeOutput(choice=r.choice, parse_rule=r.rule, raw=_retry.redact(text),  # type: ignore[arg-type]
                            input_tokens=n_in, output_tokens=n_out, cost_usd=cost)


LINE_PARSERS = {"openai": parse_openai_line, "anthropic": parse_anthropic_line}


def iter_jsonl(source: str | Path | Iterable[str]) -> Iterator[dict[str, Any]]:
    lines = open(source, encoding="utf-8") if isinstance(source, (str, Path)) else source
    try:
        for line in lines:
            if line.strip():
                yield json.loads(line)
    finally:
        if isinstance(source, (str, Path)):
            lines.close()  # type: ignore[union-attr]


def read_outputs(source: str | Path | Iterable[str], *, provider: str = "openai", logprobs: bool = True,
                 prices: tuple[float, float] | None = None) -> dict[str, JudgeOutput]:
    """A batch output file -> ``{request_key: JudgeOutput}``; ``prices`` are per token (already discounted)."""
    parse = LINE_PARSERS[provider]
    return dict(parse(line, logprobs=logprobs, prices=prices) for line in iter_jsonl(source))


class ReplayJudge(Judge):
    """Answers from outputs computed elsewhere. ``identity`` must be that of the judge the
    requests were exported for, so the keys match; keys without an output become errors
    (and are retried by the next run)."""

    def __init__(self, outputs: Mapping[str, JudgeOutput], identity: Mapping[str, Any], *, spec: str = "replay",
                 decoding: Mapping[str, Any] | None = None) -> None:
        self.outputs = dict(outputs)
        self._identity = dict(identity)
        self._decoding = dict(decoding or {})
        self.spec = spec

    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    @property
    def decoding(self) -> dict[str, Any]:
        return dict(self._decoding)

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        for req in requests:
            yield req, self.outputs.get(req.key) or _error("no output for this request in the imported file")
