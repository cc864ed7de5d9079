"""Token prices of a judge's model, without importing litellm where no price can apply.

A local or self-hosted server (a loopback or private-network endpoint, any ``hosted_vllm/`` model)
has no per-token price, so it gets None at once. A hosted model's prices are read from the JSON
price table that ships inside the litellm package (found with ``importlib.util.find_spec``, which
locates the package without running it); litellm itself is imported only when that file is missing,
through its ``cost_per_token``. Importing litellm costs seconds of CPU and ~200 MB, which is why the
lean client never does it for a loopback run.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from judgekit.judges.api import is_local_url

#: the price table shipped with litellm (the file it reads itself when LITELLM_LOCAL_MODEL_COST_MAP is set)
TABLE_NAME = "model_prices_and_context_window_backup.json"


def endpoint_prices(provider: str, model: str, endpoints: Sequence[str] = ()) -> tuple[float, float] | None:
    """USD per input and per output token for ``model`` served at ``endpoints``, or None.

    None without a lookup for a ``hosted_vllm`` model and when every endpoint is local (loopback,
    private network, ``.local``): such a server has no per-token price. Otherwise :func:`token_prices`.
    """
    if provider == "hosted_vllm" or (endpoints and all(is_local_url(e) for e in endpoints)):
        return None
    return token_prices(model)


@lru_cache(maxsize=256)
def token_prices(model: str) -> tuple[float, float] | None:
    """USD per input and per output token from litellm's price table, or None if unknown.

    ``model`` is tried as given, then without its provider prefix (``openai/gpt-4o``, then ``gpt-4o``).
    """
    names = list(dict.fromkeys([model, model.split("/", 1)[-1]]))
    table = price_table()
    if table is None:
        return _litellm_prices(tuple(names))
    for name in names:
        entry = table.get(name)
        if not isinstance(entry, dict):
            continue
        p_in, p_out = _price(entry.get("input_cost_per_token")), _price(entry.get("output_cost_per_token"))
        if p_in or p_out:
            return p_in, p_out
    return None


@lru_cache(maxsize=1)
def price_table() -> dict[str, Any] | None:
    """litellm's price table as a dict, read from its package folder without importing litellm; None if absent."""
    path = table_path()
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def table_path() -> Path | None:
    """Where the installed litellm keeps its price table, or None when litellm or the file is missing."""
    try:
        spec = importlib.util.find_spec("litellm")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / TABLE_NAME
        if path.is_file():
            return path
    return None


def _price(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0.0


def _litellm_prices(names: tuple[str, ...]) -> tuple[float, float] | None:
    """The fallback when the table file is not where it is expected: ask litellm (imported here)."""
    from judgekit.judges.api import _litellm

    try:
        cost_per_token = _litellm().cost_per_token
    except ImportError:
        return None
    for name in names:
        try:
            p_in, _ = cost_per_token(model=name, prompt_tokens=1_000_000, completion_tokens=0)
            _, p_out = cost_per_token(model=name, prompt_tokens=0, completion_tokens=1_000_000)
        except Exception:
            continue
        if p_in or p_out:
            return float(p_in) / 1e6, float(p_out) / 1e6
    return None
