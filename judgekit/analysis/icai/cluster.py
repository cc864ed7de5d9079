"""Step 2: merge proposals that say the same thing and keep one representative per cluster.

1. Exact duplicates (same words, ignoring case and punctuation) are merged first.
2. The distinct texts are embedded (without the shared "Select the response that" prefix,
   which would otherwise dominate the similarity) and clustered by average linkage on cosine
   distance; clusters merge while their mean pairwise similarity is at least ``similarity``.
3. A cluster's support is the number of distinct pairs whose proposals fall in it. Clusters
   below ``min_support`` are dropped and the best-supported ``max_principles`` are kept.
4. The representative is the medoid (the member most similar to the others, weighted by how
   often each member was proposed), a seeded sample weighted the same way, or an LLM summary
   (:func:`summarise_clusters`).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from judgekit.analysis.icai.prompts import render_messages
from judgekit.analysis.icai.propose import Proposal, clean_principle
from judgekit.engine.completions import complete
from judgekit.judges.base import Judge
from judgekit.store.db import Store

Embedder = Callable[[Sequence[str]], np.ndarray]
REPRESENTATIVES = ("medoid", "sample", "summary")


@dataclass(frozen=True)
class Cluster:
    principle_id: str
    text: str
    members: tuple[str, ...]   # distinct member texts, most proposed first
    counts: tuple[int, ...]    # proposals per member
    support: int               # distinct pairs that proposed a member


def dedup_key(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form of a principle."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def strip_prefix(text: str) -> str:
    """The part after "Select the response that", which is what distinguishes principles."""
    body = re.sub(r"^\s*select the (?:response|answer|output) (?:that|which)\s+", "", text, flags=re.IGNORECASE)
    return body.strip() or text


def cluster_labels(embeddings: np.ndarray, similarity: float) -> np.ndarray:
    """Average-linkage clusters of unit-length rows; labels 0..k-1 in order of first appearance."""
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    sim = np.clip(embeddings @ embeddings.T, -1.0, 1.0)
    dist = 1.0 - sim
    np.fill_diagonal(dist, 0.0)
    dist = np.maximum((dist + dist.T) / 2.0, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    raw = fcluster(tree, t=1.0 - similarity, criterion="distance")
    mapping: dict[int, int] = {}
    return np.array([mapping.setdefault(int(r), len(mapping)) for r in raw], dtype=int)


def _medoid(idx: list[int], sim: np.ndarray, counts: np.ndarray) -> int:
    scores = [(float((sim[i, idx] * counts[idx]).sum()), counts[i], -i) for i in idx]
    return idx[max(range(len(idx)), key=lambda j: scores[j])]


def build_clusters(proposals: Sequence[Proposal], embed: Embedder, *, similarity: float = 0.45,
                   min_support: int = 1, max_principles: int | None = None, representative: str = "medoid",
                   seed: int = 0) -> list[Cluster]:
    """Cluster proposals into principles, best-supported first, with ids P1, P2, ..."""
    if representative not in REPRESENTATIVES:
        raise ValueError(f"representative must be one of {', '.join(REPRESENTATIVES)}, not {representative!r}")
    texts: dict[str, str] = {}
    count: Counter[str] = Counter()
    pairs: dict[str, set[str]] = defaultdict(set)
    for p in proposals:
        key = dedup_key(p.text)
        texts.setdefault(key, p.text)
        count[key] += 1
        pairs[key].add(p.item_id)
    keys = sorted(texts, key=lambda k: (-count[k], k))
    if not keys:
        return []
    emb = np.asarray(embed([strip_prefix(texts[k]) for k in keys]), dtype=float)
    labels = cluster_labels(emb, similarity)
    sim = emb @ emb.T
    counts = np.array([count[k] for k in keys], dtype=float)
    rng = random.Random(f"{seed}|icai-cluster")
    found: list[tuple[int, str, tuple[str, ...], tuple[int, ...]]] = []
    for lab in range(int(labels.max()) + 1):
        idx = [i for i in range(len(keys)) if labels[i] == lab]
        support = len(set().union(*(pairs[keys[i]] for i in idx)))
        if support < min_support:
            continue
        if representative == "sample":
            rep = rng.choices(idx, weights=[counts[i] for i in idx], k=1)[0]
        else:  # the medoid; summaries replace it later
            rep = _medoid(idx, sim, counts)
        members = tuple(texts[keys[i]] for i in idx)
        found.append((support, texts[keys[rep]], members, tuple(int(counts[i]) for i in idx)))
    found.sort(key=lambda c: (-c[0], -sum(c[3]), c[1]))
    if max_principles is not None:
        found = found[:max_principles]
    return [Cluster(f"P{i + 1}", text, members, cnt, support)
            for i, (support, text, members, cnt) in enumerate(found)]


def summarise_clusters(store: Store, judge: Judge, clusters: Sequence[Cluster], *,
                       progress: bool = False) -> tuple[list[Cluster], int]:
    """Replace the representative of every multi-member cluster by an LLM summary.

    A summary that cannot be read as a principle keeps the medoid. Returns the clusters and
    the number of requests sent (cached answers cost nothing).
    """
    multi = [c for c in clusters if len(c.members) > 1]
    prompts = [render_messages("summarize", principles=list(c.members)) for c in multi]
    results = complete(store, judge, prompts, task="icai-summarize", progress=progress) if prompts else []
    summary = {}
    for c, res in zip(multi, results, strict=True):
        lines = [clean_principle(x) for x in (res.text or "").splitlines()]
        text = next((x for x in lines if x), None)
        if text:
            summary[c.principle_id] = text
    out = [replace(c, text=summary.get(c.principle_id, c.text)) for c in clusters]
    return out, sum(not r.cached for r in results)
