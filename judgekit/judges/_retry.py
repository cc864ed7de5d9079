"""Error classification, back-off and secret redaction for API judges.

Kept free of provider imports: it reads exceptions by duck typing (``status_code``,
``response.headers``, ``headers``, ``litellm_response_headers``) so it works across
litellm and openai SDK versions.
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any, Literal

from judgekit.redact import redact_text

Kind = Literal["auth", "permanent", "transient"]

#: Status codes worth retrying: timeouts, conflicts, rate limits and server-side failures.
TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
_TRANSIENT_NAMES = ("timeout", "connection", "ratelimit", "internalserver", "serviceunavailable",
                    "badgateway", "apiconnection", "jsondecode", "remoteprotocol", "readerror")
_PERMANENT_NAMES = ("badrequest", "notfound", "permissiondenied", "contextwindow", "contentpolicy",
                    "unsupportedparams", "unprocessable", "invalidrequest", "budgetexceeded")


def status_of(exc: BaseException) -> int | None:
    for obj in (exc, getattr(exc, "response", None)):
        code = getattr(obj, "status_code", None)
        if isinstance(code, int):
            return code
    return None


def classify(exc: BaseException) -> Kind:
    """``auth`` (key missing/rejected), ``permanent`` (never retry) or ``transient``."""
    name = type(exc).__name__.lower()
    status = status_of(exc)
    if status == 401 or "authentication" in name:
        return "auth"
    # Timeouts and connection failures carry made-up codes (408/500) in some versions: read the name first.
    if any(n in name for n in _TRANSIENT_NAMES):
        return "transient"
    if any(n in name for n in _PERMANENT_NAMES):
        return "permanent"
    if status is not None:
        return "transient" if status in TRANSIENT_STATUS else "permanent"
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return "transient"
    # An unknown error from the provider library (malformed body, dropped stream): retry it.
    module = type(exc).__module__ or ""
    if module.startswith(("litellm", "openai", "httpx", "aiohttp")):
        return "transient"
    return "permanent"


def _headers_of(exc: BaseException) -> list[Any]:
    found: list[Any] = []
    for attr in ("headers", "litellm_response_headers"):
        h = getattr(exc, attr, None)
        if h:
            found.append(h)
    resp = getattr(exc, "response", None)
    h = getattr(resp, "headers", None)
    if h:
        found.append(h)
    return found


def _header(headers: Any, name: str) -> str | None:
    try:
        val = headers.get(name)
        if val is None:
            val = headers.get(name.title())
        if val is None and isinstance(headers, dict):
            lowered = {str(k).lower(): v for k, v in headers.items()}
            val = lowered.get(name)
    except Exception:
        return None
    return None if val is None else str(val)


def retry_after_s(exc: BaseException, cap_s: float = 120.0) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` / ``retry-after-ms``), if any."""
    for headers in _headers_of(exc):
        ms = _header(headers, "retry-after-ms")
        if ms:
            try:
                return min(cap_s, max(0.0, float(ms) / 1000.0))
            except ValueError:
                pass
        val = _header(headers, "retry-after")
        if not val:
            continue
        try:
            return min(cap_s, max(0.0, float(val)))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(val)
            return min(cap_s, max(0.0, when.timestamp() - time.time()))
        except (TypeError, ValueError, IndexError):
            continue
    return None


def backoff_s(attempt: int, base_s: float = 0.5, cap_s: float = 30.0, retry_after: float | None = None) -> float:
    """Delay before retry number ``attempt`` (0-based): exponential with jitter.

    A server's ``Retry-After`` wins; a little jitter is added on top so that many
    workers told the same value do not return in lockstep.
    """
    if retry_after is not None:
        return retry_after + random.uniform(0.0, min(1.0, 0.1 * retry_after + 0.05))
    d = min(cap_s, base_s * (2 ** attempt))
    return d / 2 + random.uniform(0.0, d / 2)


def redact(msg: str) -> str:
    """Remove secrets and credentials in URLs (:func:`judgekit.redact.redact_text`)."""
    return redact_text(msg)


def short_error(exc: BaseException, limit: int = 300) -> str:
    """A one-line, redacted description of ``exc``."""
    status = status_of(exc)
    text = " ".join(str(exc).split())
    head = type(exc).__name__ + (f" ({status})" if status is not None else "")
    msg = redact(f"{head}: {text}" if text else head)
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."
