"""A judge that runs a local transformers causal language model.

Two scoring modes:

* ``logprobs`` (default): one forward pass per request. The next-token distribution
  after the prompt is read at the tokens that spell "A" and "B" (the ``ab-logits``
  reader, :mod:`judgekit.judges.readers`); ``p_a``/``p_b`` are those two masses
  renormalised and ``p_ab_mass`` is their sum. When the sum is below
  ``min_letter_mass`` (default 0.2) the model was about to say something else ("I",
  "The"), and the verdict is ``invalid``. Deterministic. An mcq request is read at the tokens
  of its ``n`` option letters instead (the ``mcq:logits`` reader).
* ``generate``: the model writes an answer (greedy at temperature 0, sampled
  otherwise) which the strict text reader (:mod:`judgekit.judges.parse`) reads.

Requests are sorted by token length and run in left-padded batches, so padding
stays small; results are yielded after every batch.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import torch

from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.readers import (
    DEFAULT_MIN_LETTER_MASS,
    TEXT_READER,
    check_min_mass,
    read_ab_logits,
    read_mcq_logits,
    read_mcq_text,
    read_text,
)
from judgekit.types import OPTION_LETTERS, JudgeOutput, JudgeRequest

_DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
           "float16": torch.float16, "fp16": torch.float16}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".msgpack", ".h5")


def resolve_device(device: str | None) -> str:
    """``None``/"auto" picks cuda, then mps, then cpu."""
    if device and device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(dtype: str | None, device: str) -> torch.dtype:
    """An explicit name wins; otherwise bf16 on cuda where supported, fp16 on other
    accelerators, and float32 on cpu.

    On cpu we stay in float32 even for bf16 checkpoints: on CPUs without native
    bf16 matmul (no AVX512-BF16/AMX, which is most laptops and cloud VMs) bf16 runs
    through conversion kernels and was measured 1.5-3x slower than float32 (numbers
    in ``smollm2.py``); small judges fit comfortably in float32 memory.
    """
    if dtype is None or dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        if device.startswith("mps"):
            return torch.float16
        return torch.float32
    try:
        return _DTYPES[dtype.lower()]
    except KeyError:
        raise ValueError(f"unknown dtype '{dtype}' (use one of: float32, bfloat16, float16)") from None


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def local_revision(folder: Path, gguf_file: str | None = None) -> str:
    """A cheap fingerprint of a local checkpoint: config.json's bytes plus the name and
    size of every weight file (weights are never read; that would take minutes)."""
    h = hashlib.sha256()
    cfg = folder / "config.json"
    if cfg.is_file():
        h.update(cfg.read_bytes())
    files = [folder / gguf_file] if gguf_file else sorted(p for p in folder.iterdir()
                                                          if p.name.endswith(_WEIGHT_SUFFIXES))
    for p in files:
        if p.is_file():
            h.update(f"\0{p.name}\0{p.stat().st_size}".encode())
    return "local-" + h.hexdigest()[:16]


def load_pretrained(auto_cls: Any, model: str, *, revision: str | None, device: str, dtype: torch.dtype,
                    gguf_file: str | None, trust_remote_code: bool) -> tuple[Any, Any, str, str | None]:
    """Load ``(tokenizer, model, resolved_name, revision)`` or raise :class:`JudgeError`.

    A local folder is used as is; anything else is a hub id, tried from the local
    hub cache first so that an offline machine never waits on the network.
    """
    from transformers import AutoTokenizer

    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf" and not gguf_file:
        path, gguf_file = path.parent, path.name
    is_local = path.exists()
    looks_like_path = model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model
    if not is_local and looks_like_path:
        raise JudgeError(f"cannot load model '{model}': no such folder (no network: pass a local folder)")
    name = str(path.resolve()) if is_local else model
    kw: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        kw["gguf_file"] = gguf_file
    attempts = [True] if is_local or os.environ.get("HF_HUB_OFFLINE") == "1" else [True, False]
    last: Exception | None = None
    for local_only in attempts:
        try:
            tok = AutoTokenizer.from_pretrained(name, local_files_only=local_only, **kw)
            mdl = auto_cls.from_pretrained(name, local_files_only=local_only, dtype=dtype,
                                           device_map={"": device}, **kw)
            break
        except Exception as e:
            last = e
    else:
        msg = str(last).strip().splitlines()[0] if last and str(last).strip() else type(last).__name__
        raise JudgeError(f"cannot load model '{model}': {msg} (no network: pass a local folder)") from last
    mdl.eval()
    check_architecture(model, getattr(mdl.config, "architectures", None), causal="CausalLM" in auto_cls.__name__)
    if is_local:
        rev = revision or local_revision(path if path.is_dir() else path.parent, gguf_file)
    else:
        rev = revision or getattr(mdl.config, "_commit_hash", None)
    return tok, mdl, name, rev


def check_architecture(model: str, architectures: Sequence[str] | None, *, causal: bool) -> None:
    """Refuse a checkpoint of the wrong kind before it judges anything.

    ``hf/`` on a reward model would judge with a randomly initialised language-model head, and
    ``rm/`` on a causal LM with a randomly initialised score head: both would run and mean nothing.
    """
    archs = [a for a in architectures or [] if isinstance(a, str)]
    if causal and any(a.endswith(("ForSequenceClassification", "ForRewardModel", "RewardModel")) for a in archs):
        raise JudgeError(f"'{model}' is a sequence-classification (reward) checkpoint ({archs[0]}), not a language "
                         f"model: use rm/{model}")
    if not causal and any(a.endswith(("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")) for a in archs):
        raise JudgeError(f"'{model}' is a causal language model ({archs[0]}), not a reward model: use hf/{model}")


def warn_if_no_chat_template(tokenizer: Any, model: str) -> bool:
    """True when the tokenizer has a chat template; otherwise warn, naming the fallback format."""
    if getattr(tokenizer, "chat_template", None):
        return True
    warnings.warn(f"{model}: the tokenizer has no chat template; prompts are written in the plain fallback "
                  "format ('System: ...', 'User: ...', then 'Assistant:')", UserWarning, stacklevel=3)
    return False


def render_prompt(tokenizer: Any, messages: Sequence[dict[str, str]], *, add_generation_prompt: bool) -> str:
    """Chat-template the messages; a template that rejects the system role gets the
    system text merged into the first user message. No template: a plain format."""
    msgs = [dict(m) for m in messages]
    if getattr(tokenizer, "chat_template", None):
        try:
            return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=add_generation_prompt)
        except Exception:
            if not any(m["role"] == "system" for m in msgs):
                raise
            merged = merge_system(msgs)
            return tokenizer.apply_chat_template(merged, tokenize=False,
                                                 add_generation_prompt=add_generation_prompt)
    parts = [f"{m['role'].capitalize()}: {m['content']}" for m in msgs]
    return "\n\n".join(parts) + ("\n\nAssistant:" if add_generation_prompt else "")


def merge_system(msgs: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in msgs if m["role"] == "system")
    rest = [dict(m) for m in msgs if m["role"] != "system"]
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{system}\n\n{m['content']}" if system else m["content"]
            return rest
    return [{"role": "user", "content": system}, *rest]


def encode(tokenizer: Any, text: str, templated: bool) -> list[int]:
    # A chat template writes its own BOS; a plain prompt gets the tokenizer's.
    return list(tokenizer(text, add_special_tokens=not templated)["input_ids"])


def pad_id_of(tokenizer: Any) -> int:
    for tid in (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id):
        if tid is not None:
            return int(tid[0] if isinstance(tid, list) else tid)
    return 0


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (shortest first)."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), max(1, batch_size))]


def pad_batch(seqs: Sequence[list[int]], pad_id: int, side: str, device: str) -> dict[str, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, s in enumerate(seqs):
        sl = slice(width - len(s), width) if side == "left" else slice(0, len(s))
        ids[row, sl] = torch.tensor(s, dtype=torch.long)
        mask[row, sl] = 1
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device)}


def choice_token_ids(tokenizer: Any, letter: str) -> list[int]:
    """Token ids that spell ``letter`` on their own ("A", " A", ...)."""
    found: list[int] = []
    for variant in (letter, " " + letter):
        ids = tokenizer.encode(variant, add_special_tokens=False)
        if len(ids) == 1 and tokenizer.decode(ids).strip() == letter and ids[0] not in found:
            found.append(int(ids[0]))
    if not found:
        raise JudgeError(f"the tokenizer has no single token for '{letter}' or ' {letter}'; "
                         "logprobs mode cannot score this model (use mode='generate')")
    return found


class HFJudge(Judge):
    """A transformers causal LM as a pairwise judge (see the module docstring)."""

    def __init__(self, model: str, *, revision: str | None = None, device: str | None = None,
                 dtype: str | None = None, batch_size: int = 8,
                 mode: Literal["logprobs", "generate"] = "logprobs", max_new_tokens: int = 256,
                 temperature: float = 0.0, gguf_file: str | None = None, trust_remote_code: bool = False,
                 spec: str | None = None, min_letter_mass: float = DEFAULT_MIN_LETTER_MASS) -> None:
        from transformers import AutoModelForCausalLM

        if mode not in ("logprobs", "generate"):
            raise ValueError(f"mode must be 'logprobs' or 'generate', not '{mode}'")
        if batch_size < 1 or max_new_tokens < 1 or temperature < 0:
            raise ValueError("batch_size and max_new_tokens must be >= 1 and temperature >= 0")
        self.mode = mode
        self.min_letter_mass = check_min_mass(min_letter_mass)
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.temperature = float(temperature)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.tokenizer, self.model, self.model_name, self.revision = load_pretrained(
            AutoModelForCausalLM, model, revision=revision, device=self.device, dtype=self.dtype,
            gguf_file=gguf_file, trust_remote_code=trust_remote_code)
        self.spec = spec or f"hf/{model}"
        self.stochastic = mode == "generate" and self.temperature > 0
        self.pad_id = pad_id_of(self.tokenizer)
        self.templated = warn_if_no_chat_template(self.tokenizer, model)
        self.max_len = getattr(self.model.config, "max_position_embeddings", None)
        params = inspect.signature(self.model.forward).parameters
        self._takes_positions = "position_ids" in params
        # Only the last position's logits are needed: skips most of the vocabulary projection.
        self._keep_last = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
        self._letter_ids: list[list[int]] = []
        if mode == "logprobs":
            self.ids_a = choice_token_ids(self.tokenizer, "A")
            self.ids_b = choice_token_ids(self.tokenizer, "B")

    def identity(self) -> dict[str, Any]:
        ident: dict[str, Any] = {"backend": "hf", "model": self.model_name, "revision": self.revision,
                                 "mode": self.mode, "temperature": self.temperature}
        if self.mode == "generate":
            ident["max_new_tokens"] = self.max_new_tokens
        else:
            ident["min_letter_mass"] = self.min_letter_mass
        ident["dtype"] = dtype_name(self.dtype)
        ident["reader"] = TEXT_READER if self.mode == "generate" else "ab-logits"
        return self.scoped(ident)

    @property
    def decoding(self) -> dict[str, Any]:
        d = {"mode": self.mode, "temperature": self.temperature, "dtype": dtype_name(self.dtype),
             "device": self.device, "batch_size": self.batch_size}
        if self.mode == "generate":
            d["max_new_tokens"] = self.max_new_tokens
        else:
            d["min_letter_mass"] = self.min_letter_mass
        return d

    def count_tokens(self, text: str) -> int | None:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def encode_request(self, request: JudgeRequest) -> list[int]:
        text = render_prompt(self.tokenizer, request.messages, add_generation_prompt=True)
        return encode(self.tokenizer, text, self.templated)

    def encode_requests(self, requests: Sequence[JudgeRequest]) -> list[list[int]]:
        """Token ids of every request, tokenized in one batched call (the fast tokenizer's batch path)."""
        if not requests:
            return []
        texts = [render_prompt(self.tokenizer, r.messages, add_generation_prompt=True) for r in requests]
        return [list(ids) for ids in self.tokenizer(texts, add_special_tokens=not self.templated)["input_ids"]]

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        seqs = self.encode_requests(requests)
        limit = None
        if self.max_len:
            limit = self.max_len - (self.max_new_tokens if self.mode == "generate" else 0)
        for batch in length_batches([len(s) for s in seqs], self.batch_size):
            runnable = []
            for i in batch:
                if limit is not None and len(seqs[i]) > limit:
                    yield requests[i], JudgeOutput(
                        choice="error", input_tokens=len(seqs[i]),
                        error=f"prompt has {len(seqs[i])} tokens; the model accepts {limit}")
                else:
                    runnable.append(i)
            if runnable:
                yield from self._run_safely([requests[i] for i in runnable], [seqs[i] for i in runnable])

    def _run_safely(self, reqs: list[JudgeRequest], seqs: list[list[int]]
                    ) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        """Run a batch; on out-of-memory split it in halves, down to single requests."""
        try:
            t0 = time.perf_counter()
            outs = self._logprobs(seqs, reqs) if self.mode == "logprobs" else self._generate(seqs, reqs)
            per = (time.perf_counter() - t0) / len(seqs)
        except torch.OutOfMemoryError as e:
            self._free_memory()
            if len(seqs) == 1:
                yield reqs[0], JudgeOutput(choice="error", input_tokens=len(seqs[0]), error=f"out of memory: {e}")
                return
            half = len(seqs) // 2
            yield from self._run_safely(reqs[:half], seqs[:half])
            yield from self._run_safely(reqs[half:], seqs[half:])
            return
        for req, out in zip(reqs, outs, strict=True):
            out.latency_s = per
            yield req, out

    def _inputs(self, seqs: Sequence[list[int]]) -> dict[str, torch.Tensor]:
        inputs = pad_batch(seqs, self.pad_id, "left", self.device)
        if self._takes_positions:
            # Left padding shifts every row; positions must start at 0 at the first real token
            # (RoPE models barely notice, absolute-position models such as GPT-2 do).
            inputs["position_ids"] = (inputs["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        return inputs

    def letter_ids(self, n: int) -> list[list[int]]:
        """Token ids spelling each of the first ``n`` option letters (mcq logits)."""
        while len(self._letter_ids) < n:
            self._letter_ids.append(choice_token_ids(self.tokenizer, OPTION_LETTERS[len(self._letter_ids)]))
        return self._letter_ids[:n]

    @torch.inference_mode()
    def _logprobs(self, seqs: Sequence[list[int]], reqs: Sequence[JudgeRequest]) -> list[JudgeOutput]:
        out = self.model(**self._inputs(seqs), use_cache=False, **self._keep_last)
        logits = out.logits[:, -1, :].float()
        logp = torch.log_softmax(logits, dim=-1)
        la = torch.logsumexp(logp[:, self.ids_a], dim=-1)
        lb = torch.logsumexp(logp[:, self.ids_b], dim=-1)
        top = logp.argmax(dim=-1)
        outs = []
        for row, s in enumerate(seqs):
            if reqs[row].protocol == "mcq":  # the distribution over the request's n option letters
                masses = [float(torch.logsumexp(logp[row, ids], dim=-1)) for ids in self.letter_ids(
                    len(reqs[row].options))]
                r = read_mcq_logits(masses, min_letter_mass=self.min_letter_mass)
            else:
                r = read_ab_logits(float(la[row]), float(lb[row]), min_letter_mass=self.min_letter_mass)
            outs.append(JudgeOutput(choice=r.choice, p_a=r.p_a, p_b=r.p_b,  # type: ignore[arg-type]
                                    p_ab_mass=r.p_ab_mass, parse_rule=r.rule,
                                    raw=self.tokenizer.decode([int(top[row])]),
                                    input_tokens=len(s), output_tokens=0))
        return outs

    @torch.inference_mode()
    def _generate(self, seqs: Sequence[list[int]], reqs: Sequence[JudgeRequest]) -> list[JudgeOutput]:
        from transformers import GenerationConfig

        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        sample = self.temperature > 0
        cfg = GenerationConfig(max_new_tokens=self.max_new_tokens, do_sample=sample,
                               temperature=self.temperature if sample else None,
                               top_p=1.0 if sample else None, top_k=0 if sample else None,
                               pad_token_id=self.pad_id, eos_token_id=eos)
        inputs = pad_batch(seqs, self.pad_id, "left", self.device)
        out = self.model.generate(**inputs, generation_config=cfg)
        new = out[:, inputs["input_ids"].shape[1]:].tolist()
        stops = set(eos if isinstance(eos, list) else [eos]) if eos is not None else set()
        outs = []
        for s, toks, req in zip(seqs, new, reqs, strict=True):
            n = next((k + 1 for k, t in enumerate(toks) if t in stops), len(toks))
            text = self.tokenizer.decode(toks[:n], skip_special_tokens=True)
            r = read_mcq_text(text, req.options) if req.protocol == "mcq" else read_text(text)
            outs.append(JudgeOutput(choice=r.choice, parse_rule=r.rule, raw=text,  # type: ignore[arg-type]
                                    input_tokens=len(s), output_tokens=n))
        return outs

    def _free_memory(self) -> None:
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()

    def close(self) -> None:
        self.model = None
        self._free_memory()

