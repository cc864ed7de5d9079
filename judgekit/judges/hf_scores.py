"""Expected scores of pointwise score sub-requests on a transformers judge (``HFJudge``) in logprobs mode.

After the prompt and the template's ``answer_prefix`` ("Rating: [["), the next-token distribution is read
at the tokens that spell each value of the scale; the expected score is sum(v * p(v)) / sum(p(v))
(``score:expected``; invalid below the judge's ``min_letter_mass`` on the scale, ``score:expected:low-mass``).
A value spelled in two tokens (10 as "1", "0") has probability p("1") * p("0" | "1"), read one step further
on the key-value cache of the first pass; the one-token value that shares the first token ("1") keeps
p("1") * (1 - p(any second token of a longer value | "1")).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any

import torch

from judgekit.judges.base import JudgeError
from judgekit.judges.scores import read_expected_score, scale_values
from judgekit.types import JudgeOutput


def score_spellings(tokenizer: Any, scale: tuple[int, int]) -> dict[int, list[int]]:
    """The token ids that spell each value of ``scale`` after the answer prefix (one or two tokens)."""
    out: dict[int, list[int]] = {}
    for v in scale_values(scale):
        ids = [int(x) for x in tokenizer.encode(str(v), add_special_tokens=False)]
        if not 1 <= len(ids) <= 2:
            raise JudgeError(f"the tokenizer spells the score {v} in {len(ids)} tokens; logprobs mode reads scores "
                             "of one or two tokens (use mode='generate' or a shorter scale)")
        out[v] = ids
    return out


@torch.inference_mode()
def next_logp(judge: Any, seqs: Sequence[list[int]], then: int | None = None
              ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Next-token log-probabilities after each sequence; with ``then``, also after the sequence and the token
    ``then`` (one more step on the key-value cache of the first pass)."""
    inputs = judge._inputs(seqs)
    out = judge.model(**inputs, use_cache=then is not None, **judge._keep_last)
    first = torch.log_softmax(out.logits[:, -1, :].float(), dim=-1)
    if then is None:
        return first, None
    mask = torch.cat([inputs["attention_mask"], torch.ones_like(inputs["attention_mask"][:, :1])], dim=-1)
    # transformers >= 5 names the key-value cache "cache"; earlier versions "past_key_values"
    name = "cache" if "cache" in inspect.signature(judge.model.forward).parameters else "past_key_values"
    step: dict[str, Any] = {"input_ids": torch.full((len(seqs), 1), then, device=mask.device),
                            "attention_mask": mask, name: getattr(out, name)}
    if judge._takes_positions:
        step["position_ids"] = inputs["attention_mask"].sum(-1, keepdim=True)
    nxt = judge.model(**step, use_cache=False)
    return first, torch.log_softmax(nxt.logits[:, -1, :].float(), dim=-1)


@torch.inference_mode()
def expected_scores(judge: Any, seqs: Sequence[list[int]], scale: tuple[int, int]) -> list[JudgeOutput]:
    """The expected score of each encoded score sub-request (module docstring)."""
    spell = score_spellings(judge.tokenizer, scale)
    heads = sorted({ids[0] for ids in spell.values() if len(ids) == 2})
    logp, after = next_logp(judge, seqs, heads[0] if heads else None)
    second = {heads[0]: after} if heads else {}
    for h in heads[1:]:  # a scale with several two-token heads: a full pass per further head
        second[h] = next_logp(judge, [[*s, h] for s in seqs])[0]
    outs = []
    for row, s in enumerate(seqs):
        masses: dict[int, float] = {}
        for v, ids in spell.items():
            lp = float(logp[row, ids[0]])
            if len(ids) == 2:
                lp += float(second[ids[0]][row, ids[1]])
            elif ids[0] in second:  # "1" not followed by the second token of a longer value
                tails = [w[1] for w in spell.values() if len(w) == 2 and w[0] == ids[0]]
                rest = 1.0 - float(torch.exp(second[ids[0]][row, tails]).sum())
                lp += math.log(max(rest, 1e-300))
            masses[v] = lp
        r = read_expected_score(masses, min_score_mass=judge.min_letter_mass)
        raw = "—" if r.score is None else f"{r.score:.3f}"
        outs.append(JudgeOutput(choice="invalid", score_first=r.score, parse_rule=r.rule,
                                raw=f"expected score {raw} (probability on the scale {r.mass:.3f})",
                                input_tokens=len(s), output_tokens=0))
    return outs
