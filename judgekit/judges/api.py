"""API judges through litellm: OpenAI, Anthropic, Gemini, OpenRouter, self-hosted vLLM...

The provider part only: one ``litellm.acompletion`` call per attempt and the reading of its
reply. Concurrency, retries with back-off and ``Retry-After``, malformed replies and the
streaming hand-over are the shared runner's (:mod:`judgekit.judges.runner`); litellm's and
the SDK's own retries are switched off so they are not multiplied. Permanent errors
(400/403/404) become ``choice="error"`` at once; a rejected or missing key (401) raises
:class:`JudgeError` because nothing can work.

Keys come from the environment (a ``.env`` file in the working directory is loaded
once, without overriding variables already set) and never appear in outputs or logs.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
from typing import Any
from urllib.parse import urlparse

from judgekit.engine.keys import body_identity, effective_stochastic
from judgekit.judges import _retry
from judgekit.judges.concurrency import ProviderLimit
from judgekit.judges.readers import TEXT_READER, _get, read_text, read_text_with_first_token
from judgekit.judges.runner import ChatJudge, Endpoint, MalformedResponseError, hand_over, stream_results
from judgekit.types import JudgeOutput, JudgeRequest

__all__ = ["LiteLLMJudge", "MalformedResponseError", "hand_over", "is_local_url", "stream_results"]

_redact = _retry.redact
_TOP_LOGPROBS = 20


def _litellm() -> Any:
    """Import litellm lazily (it is slow to import) with its banners and network lookups off."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    return litellm


def _load_dotenv() -> None:
    """Load ``./.env`` (current directory) without overriding variables already set."""
    try:
        from dotenv import load_dotenv
    except ImportError:  # pragma: no cover - python-dotenv is a dependency
        return
    path = os.path.join(os.getcwd(), ".env")
    if os.path.isfile(path):
        load_dotenv(path, override=False)


def is_local_url(url: str | None) -> bool:
    """True for loopback, private-network, ``.local``/``.internal`` and dot-less hosts."""
    if not url:
        return False
    host = (urlparse(url if "//" in url else "//" + url).hostname or "").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")) or "." not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def _count(value: Any) -> int | None:
    """A token count from ``usage``, which is optional: anything but a non-negative int is None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class LiteLLMJudge(ChatJudge):
    """A chat-model judge behind any provider litellm supports.

    ``model`` is a litellm model string (``openai/gpt-4o-mini``,
    ``anthropic/claude-3-5-haiku-latest``, ``openai/NAME`` for an OpenAI-compatible
    server). With ``api_base`` pointing at a *local or self-hosted* server (loopback,
    private network, ``*.local``, a dot-less Docker host name) and no provider key in
    the environment, a placeholder key ``"EMPTY"`` is sent, because vLLM and similar
    servers accept any key while the client library refuses to start without one. A
    public ``api_base`` never gets a placeholder: a missing key there is reported.

    ``max_retries`` counts retries after the first attempt. Unsupported parameters
    (logprobs on providers without them) are dropped rather than failing. ``extra`` is
    passed to ``litellm.acompletion`` last, so it can add or override any argument.
    ``p_a``/``p_b`` come from the first token's top logprobs and are left None for a
    reply that does not parse ("invalid").
    """

    def __init__(self, model: str, *, api_base: str | None = None, temperature: float = 0.0,
                 max_tokens: int = 16, concurrency: int = 16, max_retries: int = 6, timeout_s: float = 60.0,
                 logprobs: bool = True, extra: dict[str, Any] | None = None) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        _load_dotenv()
        self.model = model
        self.spec = model
        self.api_base = api_base or None
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.concurrency = int(concurrency)
        self.limit = ProviderLimit(self.concurrency)
        self.endpoints = [Endpoint(self.api_base)]
        self.max_retries = max(0, int(max_retries))
        self.timeout_s = float(timeout_s)
        self.logprobs = bool(logprobs)
        self.extra = dict(extra or {})
        #: a provider's hosted API (no local endpoint): not deterministic even at temperature 0
        self.hosted = not is_local_url(self.api_base)
        self.stochastic = effective_stochastic(self.params()) or self.hosted
        self._closed = False

    # -- protocol -----------------------------------------------------------------

    def identity(self) -> dict[str, Any]:
        return self.scoped({**body_identity("litellm", self.params(), self.api_base), "reader": TEXT_READER})

    @property
    def decoding(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "logprobs": self.logprobs}

    def count_tokens(self, text: str) -> int | None:
        try:
            return int(_litellm().token_counter(model=self.model, text=text))
        except Exception:
            return None

    def close(self) -> None:
        self._closed = True

    def params(self) -> dict[str, Any]:
        """Every argument of the call but the messages."""
        kw = self._call_kwargs(None)
        kw.pop("messages")
        return kw

    def _call_kwargs(self, req: JudgeRequest | None) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in req.messages] if req is not None else [],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "timeout": self.timeout_s,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
        }
        if self.logprobs:
            kw["logprobs"] = True
            kw["top_logprobs"] = _TOP_LOGPROBS
        if self.api_base:
            kw["api_base"] = self.api_base
            if is_local_url(self.api_base) and not os.environ.get(self.key_env_var()):
                kw["api_key"] = "EMPTY"
        kw.update(self.extra)
        return kw

    # -- the provider's part of the runner (:class:`~judgekit.judges.runner.ChatJudge`) ------
    def prepare(self) -> None:
        _litellm()

    def request(self, req: JudgeRequest) -> dict[str, Any]:
        return self._call_kwargs(req)

    async def chat(self, state: dict[str, Any], endpoint: Endpoint) -> Any:
        return await _litellm().acompletion(**state)

    def output(self, resp: Any, state: dict[str, Any], latency_s: float) -> JudgeOutput:
        litellm = _litellm()
        choices = _get(resp, "choices")
        try:
            message = choices[0].message if not isinstance(choices[0], dict) else choices[0].get("message")
        except (AttributeError, IndexError, TypeError, KeyError):
            message = None
        if message is None or isinstance(message, (str, int, float, list)):
            raise MalformedResponseError("the answer has no choices[0].message object")
        content = _get(message, "content")
        text = content if isinstance(content, str) else ""
        if not text.strip():
            refusal = _get(message, "refusal")
            text = refusal if isinstance(refusal, str) else text
            r = read_text(None)
        elif self.logprobs:
            # probabilities are kept only when the first token is the letter the text was read as
            r = read_text_with_first_token(text, resp, one_token=self.max_tokens == 1)
        else:
            r = read_text(text)
        usage = _get(resp, "usage")
        try:
            cost = litellm.completion_cost(completion_response=resp)
            cost = float(cost) if cost is not None and math.isfinite(float(cost)) else None
        except Exception:
            cost = None
        return JudgeOutput(
            choice=r.choice,  # type: ignore[arg-type]
            p_a=r.p_a,
            p_b=r.p_b,
            parse_rule=r.rule,
            p_ab_mass=r.p_ab_mass,
            raw=_redact(text),
            input_tokens=_count(_get(usage, "prompt_tokens")),
            output_tokens=_count(_get(usage, "completion_tokens")),
            latency_s=latency_s,
            cost_usd=cost,
        )
