"""Pointwise judging: each response of a pair scored alone, the pair verdict from the two scores.

A pointwise trial renders to a pair request (:func:`judgekit.judges.prompt.pointwise_request`) that carries two score
sub-requests (``JudgeRequest.parts``): the response shown first and the response shown second, each
scored alone from the pointwise template (``suites/prompts/pointwise.yaml``, whose ``scale`` key gives
the scale). Prompt-level cue text (``user_prefix``, ``user_suffix``, ``system_extra``) goes only into the
sub-request of the response the cue targets (``trial.cue["score_slot"]``, a presented letter), or into
both when a trial has no slot.

A sub-request's key hashes what that one request sends (judge identity, messages, the pieces the judge
reads, sample index, scale), never the slot or the other response; the pair's key hashes its two
sub-request keys. So the same response scored alone in the AB and the BA trial, or in several
conditions, is one sub-request, asked once (:class:`PointwiseJudge`), and a rerun finds every pair in
the verdict cache and every score in the ``scores`` table.

The pair verdict (:func:`pair_output`): "A" when the first response scores higher, "B" when lower, "tie"
when equal; "invalid" when either score is unreadable; "error" when either call failed. The two scores
are kept in ``score_first`` / ``score_second``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from judgekit.judges.base import Judge, WrappedJudge
from judgekit.judges.prompt import pointwise_request, score_request
from judgekit.judges.scores import read_score_text
from judgekit.types import JudgeOutput, JudgeRequest

if TYPE_CHECKING:
    from judgekit.store.db import Store

__all__ = ["PointwiseJudge", "pair_output", "pointwise_request", "read_score", "score_request"]

def read_score(req: JudgeRequest, out: JudgeOutput) -> JudgeOutput:
    """A score sub-request's output with its score in ``score_first``: a backend that reads scores itself
    (its ``parse_rule`` starts with ``score:``) is kept; any other answer is read from its text."""
    if out.choice == "error" or (out.parse_rule or "").startswith("score:"):
        return out
    assert req.scale is not None
    r = read_score_text(out.raw, req.scale)
    out.score_first, out.parse_rule = r.score, r.rule
    return out


def _add(a: float | int | None, b: float | int | None) -> Any:
    return None if a is None and b is None else (a or 0) + (b or 0)


def pair_output(first: JudgeOutput, second: JudgeOutput, *, charge: tuple[bool, bool] = (True, True)) -> JudgeOutput:
    """The pair verdict from the outputs of its two score sub-requests (module docstring).

    ``charge`` says which sub-request's tokens, latency and cost this pair carries (a sub-request shared by
    several pairs is charged to the first of them only, so totals count each call once)."""
    s1, s2 = first.score_first, second.score_first
    if first.choice == "error" or second.choice == "error":
        choice = "error"
    elif s1 is None or s2 is None:
        choice = "invalid"
    else:
        choice = "A" if s1 > s2 else "B" if s2 > s1 else "tie"
    rules = (first.parse_rule or "", second.parse_rule or "")
    out = JudgeOutput(choice=choice, score_first=s1, score_second=s2,  # type: ignore[arg-type]
                      parse_rule=rules[0] if rules[0] == rules[1] else "|".join(rules),
                      raw=json.dumps({"first": first.raw, "second": second.raw}, ensure_ascii=False),
                      error="; ".join(e for e in (first.error, second.error) if e) or None)
    for o, paid in zip((first, second), charge, strict=True):
        if paid:
            out.input_tokens = _add(out.input_tokens, o.input_tokens)
            out.output_tokens = _add(out.output_tokens, o.output_tokens)
            out.latency_s = _add(out.latency_s, o.latency_s)
            out.cost_usd = _add(out.cost_usd, o.cost_usd)
    if out.input_tokens is None and any(charge):
        out.input_tokens = 0
    return out


def _from_row(row: dict[str, Any]) -> JudgeOutput:
    score = row.get("score")
    return JudgeOutput(choice="invalid", score_first=None if score is None or score != score else float(score),
                       parse_rule=row.get("parse_rule"), raw=row.get("raw") or "")


class PointwiseJudge(WrappedJudge):
    """Any judge as a pointwise judge: pair requests are answered through their two score sub-requests, each
    distinct sub-request asked once and stored in the ``scores`` table of ``store`` (when given)."""

    def __init__(self, base: Judge, store: Store | None = None, *, flush_every: int = 64):
        super().__init__(base)
        self.store = store
        self.flush_every = flush_every
        #: sub-requests sent to the base judge, and sub-requests answered from the scores table
        self.n_asked = 0
        self.n_stored = 0

    def _write(self, rows: list[dict[str, Any]]) -> None:
        if self.store is not None and rows:
            self.store.write_scores(rows)
        rows.clear()

    def handles(self, req: JudgeRequest) -> bool:
        return bool(req.parts)

    def judge_own(self, pairs: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        subs: dict[str, JudgeRequest] = {}
        waiting: dict[str, list[JudgeRequest]] = defaultdict(list)
        for r in pairs:
            for p in dict.fromkeys(x.key for x in r.parts):  # a pair whose two parts are one request: once
                subs.setdefault(p, r.parts[0] if r.parts[0].key == p else r.parts[1])
                waiting[p].append(r)
        known: dict[str, JudgeOutput] = {}
        if self.store is not None:
            for row in self.store.stored_scores(sorted(subs)).to_dict(orient="records"):
                known[row["request_key"]] = _from_row(row)
        self.n_stored += len(known)
        charged: set[str] = set(known)  # stored answers cost nothing now
        done: set[str] = set()

        def ready(keys: Sequence[str]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
            for k in keys:
                for r in waiting[k]:
                    a, b = r.parts
                    if r.key in done or a.key not in known or b.key not in known:
                        continue
                    done.add(r.key)
                    charge = (a.key not in charged, b.key not in charged and b.key != a.key)
                    charged.update((a.key, b.key))
                    yield r, pair_output(known[a.key], known[b.key], charge=charge)

        yield from ready(sorted(known))
        ask = [p for k, p in subs.items() if k not in known]
        rows: list[dict[str, Any]] = []
        try:
            for sub, out in self.base.judge(ask):
                self.n_asked += 1
                out = read_score(sub, out)
                known[sub.key] = out
                if out.choice != "error":
                    rows.append({"request_key": sub.key, "judge": self.base.spec, "score": out.score_first,
                                 "parse_rule": out.parse_rule, "raw": out.raw, "input_tokens": out.input_tokens,
                                 "output_tokens": out.output_tokens, "latency_s": out.latency_s,
                                 "cost_usd": out.cost_usd, "created_at": _now()})
                if len(rows) >= self.flush_every:
                    self._write(rows)
                yield from ready([sub.key])
        finally:
            self._write(rows)


def _now() -> str:
    from judgekit.store.db import now

    return now().isoformat()
