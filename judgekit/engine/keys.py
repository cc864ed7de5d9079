"""The cache key and the judge identity it hashes: one definition of "the same request".

A request's key is a hash of what the judge actually receives: its identity (for API judges,
the whole request body except the messages, see :func:`body_identity`) and the chat messages,
the sample index and the follow-up turn. Two trials that render to the same messages are the
same request and are sent once. Judges that read the structured pieces of a request instead
of (or besides) the messages say so in their identity (``"reads": ["prompt", "first",
"second"]``, reward models and the scripted judge), and those pieces are hashed too.

``cache_scope`` (``--cache-scope NAME``) is part of the identity when set, so a user can draw
fresh samples from a stochastic judge without deleting the cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from judgekit.redact import redact_url

#: Request fields that cannot change an answer: transport settings, retries, credentials.
DENY_LIST = frozenset({"timeout", "timeout_s", "request_timeout", "num_retries", "max_retries", "concurrency",
                       "rpm", "api_key", "drop_params", "stream", "stream_options", "user", "metadata",
                       "extra_headers", "headers"})
#: The pieces of a request a judge may read besides the messages.
PIECES = ("prompt", "first", "second")


def body_identity(backend: str, body: Mapping[str, Any], endpoint: str | None) -> dict[str, Any]:
    """An API judge's identity: every field of its request body except messages and the deny-list,
    plus the endpoint without credentials."""
    ident = {k: v for k, v in body.items() if k != "messages" and k not in DENY_LIST}
    return {"backend": backend, **ident, "api_base": redact_url(endpoint)}


def effective_stochastic(params: Mapping[str, Any], default_temperature: float = 1.0) -> bool:
    """True when the effective decoding parameters sample: temperature above 0 (the provider's default
    when none is sent), or several candidates (``n > 1``)."""
    try:
        temperature = float(params.get("temperature", default_temperature))
    except (TypeError, ValueError):
        return True
    n = params.get("n", 1)
    return temperature > 0 or (isinstance(n, int) and n > 1)


def request_key(identity: Mapping[str, Any], messages: tuple[dict[str, str], ...], trial: Any,
                sample_index: int) -> str:
    """The cache key: a hash of everything the judge receives (module docstring)."""
    payload: dict[str, Any] = {"judge": dict(identity), "messages": messages, "sample": sample_index,
                               "followup": trial.followup}
    for piece in identity.get("reads") or ():
        if piece in PIECES:
            payload[piece] = getattr(trial, piece)
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]
