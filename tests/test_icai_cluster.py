"""ICAI proposal parsing, de-duplication and clustering; one test uses the real MiniLM model."""

import numpy as np
import pytest

from judgekit.analysis.icai.cluster import build_clusters, cluster_labels, dedup_key, strip_prefix
from judgekit.analysis.icai.propose import Proposal, clean_principle, parse_principles


def test_parse_principles_json_and_lines():
    text = '["Select the response that uses metric units", "select the answer which is polite.", "Be nice."]'
    assert parse_principles(text) == ["Select the response that uses metric units.",
                                      "Select the response that is polite."]
    lines = "Sure!\n1. Select the response that includes a code example.\n- \"Select the response that is short.\"\n" \
            "2) Something else\n3. Select the response that"
    assert parse_principles(lines) == ["Select the response that includes a code example.",
                                       "Select the response that is short."]
    assert parse_principles("<think>[\"Select the response that x y\"]</think>nothing") == []
    assert parse_principles(None) == [] and clean_principle("Select the response that") is None
    assert len(parse_principles(lines, limit=1)) == 1


def test_dedup_key_and_prefix():
    assert dedup_key("Select the response that IS polite!") == dedup_key("select the response that is polite")
    assert strip_prefix("Select the response that is polite.") == "is polite."


def test_cluster_labels_threshold_by_hand():
    a, b, c = np.array([1.0, 0, 0]), np.array([0.8, 0.6, 0]), np.array([0, 0, 1.0])  # cos(a,b) = 0.8
    emb = np.vstack([a, b, c])
    assert cluster_labels(emb, 0.45).tolist() == [0, 0, 1]
    assert cluster_labels(emb, 0.9).tolist() == [0, 1, 2]
    assert cluster_labels(emb, -1.0).tolist() == [0, 0, 0]
    # average linkage: b and d (cos 0.96) merge first; a joins {b, d} only if its mean similarity
    # to them, (0.8 + 0.6) / 2 = 0.7, reaches the threshold
    d = np.array([0.6, 0.8, 0.0])
    emb = np.vstack([a, b, c, d])
    assert cluster_labels(emb, 0.75).tolist() == [0, 1, 2, 1]
    assert cluster_labels(emb, 0.65).tolist() == [0, 0, 1, 0]


VECS = {"uses metric units.": [1, 0, 0], "gives metric measurements.": [0.9, 0.1, 0],
        "is polite.": [0, 1, 0], "is concise.": [0, 0, 1]}


def _embed(texts):
    return np.array([VECS[t] for t in texts], dtype=float) / np.linalg.norm(
        np.array([VECS[t] for t in texts], dtype=float), axis=1, keepdims=True)


def test_build_clusters_counts_support_and_representatives():
    P = "Select the response that "
    props = [Proposal("p1", P + "uses metric units."), Proposal("p2", P + "uses metric units."),
             Proposal("p2", P + "USES metric units!"), Proposal("p3", P + "gives metric measurements."),
             Proposal("p1", P + "is polite."), Proposal("p4", P + "is polite."), Proposal("p4", P + "is concise.")]
    clusters = build_clusters(props, _embed, similarity=0.8, min_support=1)
    assert [c.principle_id for c in clusters] == ["P1", "P2", "P3"]
    metric, polite, concise = clusters
    assert metric.support == 3 and metric.counts == (3, 1)  # p1, p2, p3; exact duplicates merged
    assert metric.text == P + "uses metric units." and len(metric.members) == 2
    assert polite.support == 2 and concise.support == 1
    kept = build_clusters(props, _embed, similarity=0.8, min_support=2)
    assert [c.text for c in kept] == [P + "uses metric units.", P + "is polite."]
    assert len(build_clusters(props, _embed, similarity=0.8, max_principles=1)) == 1
    sampled = build_clusters(props, _embed, similarity=0.8, representative="sample", seed=5)
    assert sampled[0].text in sampled[0].members
    with pytest.raises(ValueError):
        build_clusters(props, _embed, representative="centroid")
    assert build_clusters([], _embed) == []


@pytest.mark.slow
def test_minilm_paraphrases_cluster_together():
    from judgekit.analysis.icai.embed import embed_texts, minilm_path

    assert (minilm_path() / "config.json").is_file()
    P = "Select the response that "
    groups = {
        "metric": ["uses metric units such as grams and millilitres.", "gives measurements in the metric system.",
                   "states quantities in grams, millilitres and degrees Celsius."],
        "budget": ["mentions a budget for the trip.", "includes a cost estimate or budget.",
                   "tells the traveller how much money to plan for."],
        "code": ["includes a code example.", "shows a working code snippet.",
                 "illustrates the answer with example code."],
        "tone": ["is more polite.", "is more friendly in tone."],
    }
    props = [Proposal(f"{g}{i}", P + t) for g, texts in groups.items() for i, t in enumerate(texts)]
    emb = embed_texts([strip_prefix(p.text) for p in props])
    assert emb.shape == (11, 384) and np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    clusters = build_clusters(props, lambda t: embed_texts(t), similarity=0.45)
    found = sorted(sorted(strip_prefix(m) for m in c.members) for c in clusters)
    assert found == sorted(sorted(g) for g in groups.values())
