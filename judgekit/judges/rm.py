"""A reward model (a sequence classifier with one output) as a pairwise judge.

Each response is scored on its own as the conversation ``[user: prompt,
assistant: response]``; the verdict follows from the two scores. Under the
Bradley-Terry model reward models are trained with, the probability that the
first response is preferred is ``sigmoid(score_first - score_second)``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.hf import (
    dtype_name,
    encode,
    length_batches,
    load_pretrained,
    pad_batch,
    pad_id_of,
    render_prompt,
    resolve_device,
    resolve_dtype,
    warn_if_no_chat_template,
)
from judgekit.judges.readers import bradley_terry, read_reward_difference
from judgekit.types import JudgeOutput, JudgeRequest

__all__ = ["RewardModelJudge", "bradley_terry"]


class RewardModelJudge(Judge):
    """Scores both responses with a reward model and compares the scores."""

    #: scores each response on its own; a conversation turn (self-reflection) cannot reach it
    supports_followup = False

    def __init__(self, model: str, *, revision: str | None = None, device: str | None = None,
                 dtype: str | None = None, batch_size: int = 8, trust_remote_code: bool = False,
                 spec: str | None = None) -> None:
        from transformers import AutoModelForSequenceClassification

        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.batch_size = batch_size
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.tokenizer, self.model, self.model_name, self.revision = load_pretrained(
            AutoModelForSequenceClassification, model, revision=revision, device=self.device,
            dtype=self.dtype, gguf_file=None, trust_remote_code=trust_remote_code)
        n_labels = getattr(self.model.config, "num_labels", None)
        if n_labels != 1:
            raise JudgeError(f"'{model}' is not a reward model: it has {n_labels} output labels, "
                             "a reward model has exactly 1")
        # Sequence classifiers pool at the last non-pad token, so they must know the pad id.
        text_cfg = self.model.config.get_text_config()
        if text_cfg.pad_token_id is None:
            text_cfg.pad_token_id = pad_id_of(self.tokenizer)
        self.pad_id = int(text_cfg.pad_token_id)
        self.templated = warn_if_no_chat_template(self.tokenizer, model)
        self.max_len = getattr(self.model.config, "max_position_embeddings", None)
        self.spec = spec or f"rm/{model}"
        self.stochastic = False

    def identity(self) -> dict[str, Any]:
        # a reward model reads the question and the two responses, not the chat messages
        return self.scoped({"backend": "rm", "model": self.model_name, "revision": self.revision,
                            "dtype": dtype_name(self.dtype), "reads": ["prompt", "first", "second"]})

    @property
    def decoding(self) -> dict[str, Any]:
        return {"dtype": dtype_name(self.dtype), "device": self.device, "batch_size": self.batch_size}

    def count_tokens(self, text: str) -> int | None:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def encode_response(self, prompt: str, response: str) -> list[int]:
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]
        text = render_prompt(self.tokenizer, messages, add_generation_prompt=False)
        return encode(self.tokenizer, text, self.templated)

    @torch.inference_mode()
    def score(self, seqs: Sequence[list[int]]) -> list[float]:
        """Reward scores for token sequences, in one padded forward pass.

        Right padding keeps every sequence at its natural positions; the model's
        pooling picks the last non-pad token of each row.
        """
        inputs = pad_batch(seqs, self.pad_id, "right", self.device)
        logits = self.model(**inputs, use_cache=False).logits
        return [float(x) for x in logits[:, 0].float().cpu()]

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        if any(r.protocol == "mcq" for r in requests):
            raise JudgeError(f"{self.spec}: a reward model scores responses and cannot answer multiple-choice "
                             "questions; the mcq protocol needs a language-model judge (hf/, API, scripted)")
        # Identical texts are scored once, so identical responses always tie exactly
        # (scores of one text in differently padded batches can differ in the last bits).
        uniq: dict[tuple[int, ...], int] = {}
        pairs: list[tuple[int, int]] = []
        for r in requests:
            a = tuple(self.encode_response(r.prompt, r.first))
            b = tuple(self.encode_response(r.prompt, r.second))
            pairs.append((uniq.setdefault(a, len(uniq)), uniq.setdefault(b, len(uniq))))
        seqs = [list(s) for s in uniq]
        waiting: dict[int, list[int]] = {}
        for req, (a, b) in enumerate(pairs):
            for u in {a, b}:
                waiting.setdefault(u, []).append(req)
        scores: dict[int, float] = {}
        spent: dict[int, float] = {}
        done: set[int] = set()
        for batch in length_batches([len(s) for s in seqs], self.batch_size):
            run = [u for u in batch if not (self.max_len and len(seqs[u]) > self.max_len)]
            if run:
                t0 = time.perf_counter()
                for u, s in zip(run, self.score([seqs[u] for u in run]), strict=True):
                    scores[u] = s
                per = (time.perf_counter() - t0) / len(run)
                spent.update(dict.fromkeys(run, per))
            for u in batch:
                for req in waiting[u]:
                    a, b = pairs[req]
                    n_tokens = len(seqs[a]) + len(seqs[b])
                    if req in done:
                        continue
                    if u not in scores:
                        done.add(req)
                        yield requests[req], JudgeOutput(
                            choice="error", input_tokens=n_tokens,
                            error=f"a response has {len(seqs[u])} tokens; the model accepts {self.max_len}")
                    elif a in scores and b in scores:
                        done.add(req)
                        yield requests[req], self._verdict(scores[a], scores[b], n_tokens,
                                                           spent[a] + (spent[b] if b != a else 0.0))

    @staticmethod
    def _verdict(first: float, second: float, n_tokens: int, latency: float) -> JudgeOutput:
        if not (math.isfinite(first) and math.isfinite(second)):
            return JudgeOutput(choice="error", input_tokens=n_tokens, output_tokens=0, latency_s=latency,
                               raw=json.dumps({"score_first": str(first), "score_second": str(second)}),
                               error="the reward model returned a non-finite score")
        r = read_reward_difference(first, second)
        return JudgeOutput(choice=r.choice, p_a=r.p_a, p_b=r.p_b, input_tokens=n_tokens,  # type: ignore[arg-type]
                           output_tokens=0, latency_s=latency, parse_rule=r.rule,
                           raw=json.dumps({"score_first": first, "score_second": second}))
