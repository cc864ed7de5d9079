"""What a run would cost, without running it: requests, tokens, dollars and the smallest effect it can see.

:func:`dry_run` renders every trial into its request (exactly as the engine would), drops
requests already answered in the database and duplicate keys, counts input tokens with the
judge's own tokenizer where it has one (an HF judge counts its chat-templated prompt; an
API judge uses litellm's token counter, which is the provider's tokenizer for OpenAI models
and an approximation for others) and otherwise ``ceil(characters / 4)``, each labelled.
Above ``token_sample`` requests a seeded sample is counted and scaled by characters.
Output tokens are an upper bound: ``max_tokens`` per request (0 for one-forward-pass
probability judges). Cost uses litellm's price table (halved for batch APIs) and is an
estimate. No model is called; API judges load nothing; local judges load their weights
because their identity (and so the cache key) is defined by them.

Minimum detectable effect. The headline comparisons are paired proportions on the same
items (accuracy with the gold answer shown first vs second; P(pick the cued response) with
vs without the cue), tested with McNemar's test. With ``n`` items, a share ``psi`` of
discordant pairs, two-sided level ``alpha`` and power ``1 - beta``, Connor's (1987) formula

    sqrt(n) * delta = z_{1-alpha/2} * sqrt(psi) + z_{1-beta} * sqrt(psi - delta^2)

is solved for ``delta``, the smallest difference in proportions detected with that power.
``psi`` is not known before the run; the default 0.3 is an assumption (set ``discordance``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist
from typing import Any

from judgekit.judges.base import Judge
from judgekit.judges.prompt import PromptTemplate, build_request, load_template
from judgekit.plan import load_suite, load_suite_items, make_plan
from judgekit.stats.net import headline_metric
from judgekit.types import Item, JudgeRequest, Trial

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4  # role and separators per chat message (OpenAI's rule of thumb)


def mde_paired_proportions(n: int, *, discordance: float = 0.3, alpha: float = 0.05,
                           power: float = 0.8) -> float | None:
    """Smallest paired difference in proportions detectable at ``n`` pairs (Connor 1987), or None."""
    if n <= 0 or not 0 < discordance <= 1:
        return None
    za = NormalDist().inv_cdf(1 - alpha / 2)
    zb = NormalDist().inv_cdf(power)

    def f(d: float) -> float:
        return math.sqrt(n) * d - za * math.sqrt(discordance) - zb * math.sqrt(max(0.0, discordance - d * d))

    lo, hi = 0.0, math.sqrt(discordance)
    if f(hi) < 0:
        return None  # even the largest possible difference is not detectable
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return hi


def _headline(trials: Sequence[Trial]) -> str:
    """The headline metric of the first probe (:func:`judgekit.stats.net.headline_metric`), in words."""
    first = trials[0].probe if trials else "position"
    metric = headline_metric(first)
    if metric == "first_position_rate":
        return f"{first}: first_position_rate, share of verdicts for the response shown first (sign test over items)"
    if metric == "cue_net_effect":
        return (f"{first}: cue_net_effect, P(pick cued) with the cue minus with a neutral insertion of the same "
                f"length (paired, sign test over items)")
    return f"{first}: bias_effect, P(pick cued) with cue minus control (paired, sign test over items)"


def _token_method(judge: Judge) -> tuple[str, Any]:
    if hasattr(judge, "encode_request"):
        return "judge tokenizer (chat-templated prompt)", lambda r: len(judge.encode_request(r))  # type: ignore
    probe = judge.count_tokens("hello")
    if probe is None:
        return f"heuristic: ceil(characters / {CHARS_PER_TOKEN}) + {MESSAGE_OVERHEAD_TOKENS} per message", None
    label = ("litellm token_counter (the provider's tokenizer for OpenAI models, an approximation otherwise)"
             if judge.identity().get("backend") in ("litellm", "openai-compatible") else "judge tokenizer")
    return f"{label} + {MESSAGE_OVERHEAD_TOKENS} per message", None


def _count(judge: Judge, req: JudgeRequest, exact: Any, use_tokenizer: bool) -> int:
    if exact is not None:
        return int(exact(req))
    total = 0
    for m in req.messages:
        n = judge.count_tokens(m["content"]) if use_tokenizer else None
        total += (n if n is not None else math.ceil(len(m["content"]) / CHARS_PER_TOKEN)) + MESSAGE_OVERHEAD_TOKENS
    return total


def _output_bound(judge: Judge) -> tuple[int, str]:
    mode = getattr(judge, "mode", None)
    if mode == "logprobs":
        return 0, "none: one forward pass per verdict"
    if mode == "generate":
        return int(getattr(judge, "max_new_tokens", 0)), "upper bound (max_new_tokens)"
    if hasattr(judge, "max_tokens"):
        return int(judge.max_tokens), "upper bound (max_tokens)"
    return 1, "one token per verdict"


def _prices(judge: Judge) -> tuple[float, float] | None:
    if hasattr(judge, "prices"):
        return judge.prices()  # type: ignore[no-any-return]
    if judge.identity().get("backend") == "litellm":
        from judgekit.judges.openai_compat import token_prices

        return token_prices(str(judge.identity()["model"]))
    return None


def dry_run(judge: str | Judge | None, trials: Sequence[Trial], *, items: Sequence[Item] = (),
            template: str | PromptTemplate = "pairwise", db: str | Path | None = None,
            judge_options: dict[str, Any] | None = None, seed: int = 0, batch: bool = False,
            alpha: float = 0.05, power: float = 0.8, discordance: float = 0.3,
            token_sample: int = 2000) -> dict[str, Any]:
    """Estimate a run of ``trials`` against ``judge`` (a spec or a ready judge); calls no model."""
    owned = not isinstance(judge, Judge)
    if owned:
        from judgekit.judges.registry import make_judge

        judge = make_judge(judge, items=items, seed=seed, **(judge_options or {}))
    assert isinstance(judge, Judge)
    try:
        tmpl = load_template(template) if isinstance(template, str) else template
        identity = judge.identity()
        requests = [build_request(tmpl, identity, t, sample_index=t.repeat) for t in trials]
        unique = list({r.key: r for r in requests}.values())
        cached: set[str] = set()
        if db is not None and Path(db).exists():
            from judgekit.store.db import Store

            hits = Store(db, create=False).cached_outputs([r.key for r in unique])
            cached = set(hits["request_key"])
        to_send = [r for r in unique if r.key not in cached]

        method, exact = _token_method(judge)
        use_tok = "heuristic" not in method
        sample = to_send
        if len(to_send) > token_sample:
            sample = random.Random(seed).sample(to_send, token_sample)
            method += f", counted on a seeded sample of {token_sample} and scaled by characters"
        counted = sum(_count(judge, r, exact, use_tok) for r in sample)

        def chars(rs: Sequence[JudgeRequest]) -> int:
            return sum(len(m["content"]) for r in rs for m in r.messages)

        scale = chars(to_send) / chars(sample) if sample and chars(sample) else 1.0
        input_tokens = round(counted * scale) if sample else 0
        per_out, out_label = _output_bound(judge)
        output_tokens = per_out * len(to_send)

        prices = _prices(judge)
        if prices is not None and batch and not judge.identity().get("backend", "").endswith("-batch"):
            prices = (prices[0] * 0.5, prices[1] * 0.5)
        cost = None if prices is None else input_tokens * prices[0] + output_tokens * prices[1]
        n_items = len({t.item_id for t in trials})
        return {
            "judge": judge.spec, "n_trials": len(trials), "n_unique_requests": len(unique),
            "n_cached": len(cached), "n_requests": len(to_send),
            "input_tokens": input_tokens, "output_tokens": output_tokens,
            "token_method": method, "output_token_method": out_label,
            "estimated_cost_usd": cost,
            "cost_note": ("estimate from litellm's price table" + (" at batch prices (50%)" if batch else "")
                          if cost is not None else "no price known (local or self-hosted model, or unmapped)"),
            "n_items": n_items, "headline_metric": _headline(trials),
            "mde": mde_paired_proportions(n_items, discordance=discordance, alpha=alpha, power=power),
            "mde_assumptions": {"alpha": alpha, "power": power, "discordance": discordance,
                                "formula": "Connor 1987, paired proportions (McNemar)"},
        }
    finally:
        if owned:
            judge.close()


def format_dry_run(d: dict[str, Any]) -> str:
    """The printable summary of :func:`dry_run`."""
    cost = "unknown" if d["estimated_cost_usd"] is None else f"~${d['estimated_cost_usd']:.4f}"
    mde = "none (too few items)" if d["mde"] is None else f"{d['mde']:.3f}"
    a = d["mde_assumptions"]
    return "\n".join([
        f"dry run for {d['judge']} (no model was called)",
        f"  requests to send:  {d['n_requests']:,}  ({d['n_trials']:,} trials, {d['n_unique_requests']:,} distinct, "
        f"{d['n_cached']:,} already in the database)",
        f"  input tokens:      {d['input_tokens']:,}  [{d['token_method']}]",
        f"  output tokens:     {d['output_tokens']:,}  [{d['output_token_method']}]",
        f"  cost:              {cost}  [{d['cost_note']}]",
        f"  detectable effect: {mde} at n = {d['n_items']} "
        f"items for {d['headline_metric']}",
        f"                     (alpha {a['alpha']}, power {a['power']}, assumed discordant share {a['discordance']})",
    ])


def dry_run_suite(suite: str = "position", *, judge: str | None = None, data: str | None = None,
                  mapping: str | dict[str, str] | None = None, split: str = "train", limit: int | None = None,
                  kind: str | None = None, db: str | Path | None = "judgekit.duckdb", seed: int = 0,
                  repeats: int | None = None, repeat_fraction: float | None = None, template: str | None = None,
                  probes: list[str] | None = None, mitigations: str | list[str] | None = None,
                  judge_options: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """:func:`dry_run` of the plan ``judgekit.api.evaluate`` runs with the same arguments."""
    from judgekit.judges.registry import make_judge

    spec = load_suite(suite, probes=list(probes) if probes else None)
    if spec.kind == "icai":
        raise ValueError(f"suite {spec.name!r} is an icai analysis; it prints its own cost estimate before any call")
    items, dataset = load_suite_items(spec, data=data, mapping=mapping, split=split, limit=limit, kind=kind,
                                      seed=seed)
    j = make_judge(judge, items=items, seed=seed, **(judge_options or {}))
    try:
        plan = make_plan(spec, items, dataset, seed=seed, stochastic=j.stochastic, repeats=repeats,
                         repeat_fraction=repeat_fraction, template=template, mitigations=mitigations)
        return dry_run(j, plan.trials, items=plan.items, template=plan.template, db=db, seed=seed, **kwargs)
    finally:
        j.close()
