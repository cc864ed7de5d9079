"""Token prices: read from litellm's shipped table without importing litellm; none for local servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from judgekit.judges import prices
from judgekit.judges.prices import endpoint_prices, price_table, token_prices

ROOT = Path(__file__).resolve().parents[1]


def test_table_prices_equal_litellms_own_lookup() -> None:
    if prices.table_path() is None:
        pytest.skip("litellm (and its price table) is not installed")
    from judgekit.judges.api import _litellm

    litellm = _litellm()
    for model in ("gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-haiku-4-5"):
        p = token_prices(model)
        assert p is not None, model
        name = model if model in (price_table() or {}) else model.split("/", 1)[1]
        p_in, _ = litellm.cost_per_token(model=name, prompt_tokens=1_000_000, completion_tokens=0)
        _, p_out = litellm.cost_per_token(model=name, prompt_tokens=0, completion_tokens=1_000_000)
        assert p == pytest.approx((p_in / 1e6, p_out / 1e6), rel=1e-12)


def test_unknown_model_has_no_price() -> None:
    assert token_prices("openai/no-such-model-xyz") is None


def test_local_and_self_hosted_endpoints_have_no_price() -> None:
    assert endpoint_prices("openai", "gpt-4o-mini", ["http://127.0.0.1:8000/v1/chat/completions"]) is None
    assert endpoint_prices("openai", "gpt-4o-mini", ["http://10.0.0.5/v1", "http://gpu-box:8000/v1"]) is None
    assert endpoint_prices("hosted_vllm", "gpt-4o-mini", ["https://vllm.example.com/v1"]) is None
    if prices.table_path() is not None:
        assert endpoint_prices("openai", "gpt-4o-mini", ["https://api.openai.com/v1"]) == token_prices("gpt-4o-mini")


def test_missing_table_falls_back_to_litellm(monkeypatch: pytest.MonkeyPatch) -> None:
    if prices.table_path() is None:
        pytest.skip("litellm is not installed")
    expected = token_prices("gpt-4o-mini")
    token_prices.cache_clear()
    monkeypatch.setattr(prices, "price_table", lambda: None)
    try:
        assert token_prices("gpt-4o-mini") == pytest.approx(expected)
    finally:
        token_prices.cache_clear()


def test_price_lookups_never_import_litellm() -> None:
    """A loopback judge's prices, and a hosted model's, are found without importing litellm (untimed)."""
    code = ("import sys\n"
            "from judgekit.judges.openai_compat import OpenAICompatJudge\n"
            "from judgekit.judges.prices import token_prices\n"
            "j = OpenAICompatJudge('openai/gpt-4o-mini', api_base='http://127.0.0.1:9/v1')\n"
            "assert j.prices() is None\n"
            "token_prices('gpt-4o-mini')\n"
            "print('litellm' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "False"
