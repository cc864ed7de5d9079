"""The bias card: schema, headline numbers equal to the metrics table, no secrets, JSON round trip."""

from __future__ import annotations

import json

import pytest

from judgekit import api
from judgekit.card import SCHEMA, _clean, bias_card, write_card
from judgekit.console import decoding_text
from tests.conftest import write_fact_items


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("card")
    db = tmp / "k.duckdb"
    res = api.evaluate("bias", judge="scripted/bandwagon=0.5", data=str(write_fact_items(tmp / "d.jsonl", 30)),
                       db=db, probes=["position", "bandwagon"], make_report=False, progress=False)
    return db, res.run_id


def test_card_fields_and_headline_match_metrics(run):
    db, run_id = run
    card = bias_card(db, run_id)
    assert card["schema"] == SCHEMA == "judgekit.bias-card/1"
    assert set(card) == {"schema", "generated_at", "run", "judge", "decoding", "decoding_text", "dataset", "design",
                         "headline", "headline_metric", "model", "quality", "usage", "versions"}
    m = api.metrics(run_id, db=db)
    be = m[(m.probe == "bandwagon") & (m.metric == "bias_effect") & (m.subset == "all")].iloc[0]
    h = card["headline"]["bandwagon"]["bias_effect"]
    assert (h["estimate"], h["ci_low"], h["ci_high"], h["n"]) == pytest.approx(
        (be.estimate, be.ci_low, be.ci_high, be.n))
    assert "first_position_rate" in card["headline"]["position"]
    assert card["headline_metric"] == {"position": "first_position_rate", "bandwagon": "cue_net_effect"}
    assert list(card["headline"]["bandwagon"])[:3] == ["cue_net_effect", "added_text_effect", "bias_effect"]
    assert next(iter(card["headline"]["position"])) == "first_position_rate"
    assert card["judge"]["spec"] == "scripted/bandwagon=0.5" and card["judge"]["identity"]["backend"] == "scripted"
    assert card["dataset"]["n_items"] == 30 and card["design"]["orders"] == ["AB", "BA"]
    assert card["design"]["conditions"]["bandwagon"] == ["control", "cue_gold", "cue_other", "neutral_gold",
                                                       "neutral_other"]
    assert card["quality"]["verdicts"] == card["design"]["n_trials"] and card["quality"]["errors"] == 0
    assert card["versions"]["judgekit"]


def test_card_states_the_decoding_settings_in_words(run, monkeypatch):
    db, run_id = run
    card = bias_card(db, run_id)
    assert card["decoding_text"] == decoding_text(card["decoding"])
    import judgekit.card as card_module

    info = {"config": {"decoding": {"temperature": 0.7, "top_p": 0.9, "max_tokens": 512, "api_key": "sk-x"}}}
    real_run = card_module._run_row
    monkeypatch.setattr(card_module, "_run_row", lambda con, db, rid: {**real_run(con, db, rid), **info})
    card = bias_card(db, run_id)
    assert card["decoding"] == {"temperature": 0.7, "top_p": 0.9, "max_tokens": 512}
    assert card["decoding_text"] == "temperature 0.7, top-p 0.9, max tokens 512"


def test_card_is_strict_json(run, tmp_path):
    db, run_id = run
    text = write_card(db, run_id, tmp_path / "card.json")
    assert json.loads((tmp_path / "card.json").read_text()) == json.loads(text)
    assert "NaN" not in text and "Infinity" not in text


def test_clean_keeps_whitelist_and_drops_secrets():
    identity = {"backend": "litellm", "model": "openai/x", "api_base": "http://user:hunter2@127.0.0.1:8000/v1",
                "api_key": "sk-abcdefghijklmnopqrstu", "max_tokens": 16, "extra_headers": {"Authorization": "x"},
                "params": {"hf_token": "hf_abc", "note": "Bearer abc.def", "first": 0.2}}
    out = _clean(identity, ("backend", "model", "api_base", "max_tokens", "params"))
    assert out["api_base"] == "http://127.0.0.1:8000/v1" and out["max_tokens"] == 16
    assert "api_key" not in out and "extra_headers" not in out
    assert out["params"] == {"note": "[redacted]", "first": 0.2}
    assert "hunter2" not in json.dumps(out) and "sk-" not in json.dumps(out)
    assert _clean({"k": float("nan")}) == {"k": None}
