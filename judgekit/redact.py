"""One place that removes credentials from what judgekit stores, shows or logs.

:func:`redact_url` drops the user-info (``user:pass@``) and every key-like query parameter
(``api-key``, ``api_key``, ``key``, ``token``, ``access_token``, ``sig``, ``password``...) from a URL, or
from each URL of a comma-separated list. :func:`redact_text` applies it to every URL inside a
text and also removes the values of ``*_API_KEY``/``*_TOKEN``/``*_SECRET`` environment variables,
``sk-...``/``hf_...`` keys and ``Bearer`` tokens. The database (runs.config, judge identity), the
HTML report, the bias card, log lines and error messages all go through these two functions.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
_KEYLIKE_PARAM = re.compile(r"(key|token|secret|password|passwd|pwd|auth|credential|signature|^sig$|^code$|session)",
                            re.IGNORECASE)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>,)\]}]+")
_SK_PATTERN = re.compile(r"\b(sk|hf|pk|rk)[-_][A-Za-z0-9_\-]{6,}")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9_\-.=~+/]{8,}", re.IGNORECASE)
_KEY_ASSIGN = re.compile(r"((?:api[-_]?key|access[-_]?token|token|secret|password)\s*[=:]\s*)[^\s&'\",;]+",
                         re.IGNORECASE)
REDACTED = "[REDACTED]"
#: the shortest secret value that is redacted, and so the shortest text that can hold something to remove (every
#: pattern above is longer)
_SHORTEST = 4


def _one_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return _KEY_ASSIGN.sub(r"\1" + REDACTED, url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _KEYLIKE_PARAM.search(k)]
    fragment = "" if _KEYLIKE_PARAM.search(parts.fragment) else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), fragment))


def redact_url(url: Any) -> Any:
    """``url`` without user-info or key-like query parameters (a comma-separated list: each URL; None stays)."""
    if not isinstance(url, str) or "://" not in url:
        return url
    return ",".join(_one_url(u.strip()) if "://" in u else u.strip() for u in url.split(","))


def redact_text(msg: Any) -> Any:
    """``msg`` with URLs redacted (:func:`redact_url`) and secret values removed."""
    if not isinstance(msg, str) or len(msg) < _SHORTEST:
        return msg  # too short to hold a secret or a URL (a one-token verdict, say): nothing to scan
    secrets = sorted(
        (v for k, v in os.environ.items() if k.upper().endswith(_SECRET_SUFFIXES) and v and len(v) >= _SHORTEST),
        key=len, reverse=True,
    )
    for s in secrets:
        msg = msg.replace(s, REDACTED)
    msg = _URL.sub(lambda m: _one_url(m.group(0)), msg)
    msg = _SK_PATTERN.sub(lambda m: f"{m.group(1)}-{REDACTED}", msg)
    msg = _BEARER.sub(r"\1" + REDACTED, msg)
    return _KEY_ASSIGN.sub(r"\1" + REDACTED, msg)
