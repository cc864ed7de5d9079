"""Turn a judge spec string into a judge. Heavy libraries are imported only when needed.

Specs:
  (none) or ``smollm2``      the embedded default judge (SmolLM2-135M-Instruct, offline)
  ``hf/PATH_OR_ID``          a transformers causal LM; verdict from next-token probabilities
  ``rm/PATH_OR_ID``          a reward model (sequence classification); verdict from the score difference
  ``scripted/...``           a scripted judge with planted biases, for tests and demos
  ``openai/...``, ``hosted_vllm/...``  an OpenAI-compatible endpoint through a lean aiohttp client
                             (``--api-base`` for self-hosted servers, several comma-separated URLs are
                             load-balanced; ``client="litellm"`` forces litellm)
  anything else              a litellm model string: ``anthropic/...``, ``ollama/...``, ...
  with ``batch=True``        the provider's batch API (OpenAI, Anthropic): half price, asynchronous
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judgekit.judges.base import Judge
from judgekit.types import Item

DEFAULT_JUDGE = "smollm2"

_HF_OPTS = ("device", "dtype", "batch_size", "mode", "max_new_tokens", "temperature", "revision", "min_letter_mass")
_RM_OPTS = ("device", "dtype", "batch_size", "revision")
_API_OPTS = ("api_base", "temperature", "max_tokens", "concurrency", "max_retries", "timeout_s")


def _pick(options: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k in names and v is not None}


def make_judge(spec: str | None = None, *, items: Sequence[Item] = (), seed: int = 0, **options: Any) -> Judge:
    """Build the judge named by ``spec``. ``options`` that a backend does not use are ignored;
    ``cache_scope`` (any backend) is added to the judge's identity."""
    judge = _make(spec, items=items, seed=seed, **options)
    if options.get("cache_scope"):
        judge.cache_scope = str(options["cache_scope"])
    return judge


def _make(spec: str | None, *, items: Sequence[Item], seed: int, **options: Any) -> Judge:
    spec = (spec or DEFAULT_JUDGE).strip()
    if spec == "smollm2":
        from judgekit.judges.smollm2 import make_smollm2_judge

        return make_smollm2_judge(**_pick(options, _HF_OPTS))
    if spec.startswith("hf/"):
        from judgekit.judges.hf import HFJudge

        return HFJudge(spec[3:], spec=spec, **_pick(options, _HF_OPTS))
    if spec.startswith("rm/"):
        from judgekit.judges.rm import RewardModelJudge

        return RewardModelJudge(spec[3:], spec=spec, **_pick(options, _RM_OPTS))
    if spec.startswith("scripted"):
        from judgekit.judges.scripted import ScriptedJudge

        return ScriptedJudge(items, spec=spec, seed=seed)
    if options.get("batch"):
        from judgekit.batch import BatchJudge

        return BatchJudge(spec, db=options.get("db") or "judgekit.duckdb",
                          **_pick(options, ("api_base", "temperature", "max_tokens")))
    if options.get("client") != "litellm" and spec.startswith(("openai/", "hosted_vllm/")):
        # OpenAI-compatible endpoints get the lean aiohttp client (see benchmarks/README.md)
        from judgekit.judges.openai_compat import OpenAICompatJudge

        return OpenAICompatJudge(spec, **_pick(options, _API_OPTS))
    from judgekit.judges.api import LiteLLMJudge
    from judgekit.judges.checks import check_provider

    check_provider(spec)  # a typo'd provider fails here, before any request
    return LiteLLMJudge(spec, **_pick(options, _API_OPTS))
