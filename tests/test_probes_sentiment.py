"""The sentiment probe: design, the rewrite fact check, planted judges end to end, and a model rewriter."""

import json

import duckdb
import pytest
import yaml

from judgekit import api
from judgekit.cli import main
from judgekit.datasets.loaders import load_items
from judgekit.probes.sentiment import FALLBACK, REWRITER, check_rewrite, sentiment_trials
from judgekit.resources import suites_dir
from tests.conftest import write_fact_items
from tests.fake_openai import FakeOpenAI, reply


def _metric(m, metric, subset="all", probe="sentiment"):
    row = m[(m.probe == probe) & (m.metric == metric) & (m.subset == subset)]
    assert len(row) == 1, (metric, subset)
    return row.iloc[0]


def test_check_rewrite_keeps_numbers_names_and_length():
    original = "Paris is the capital of France; it has about 2,100,000 people."
    assert check_rewrite(original, "Good news: Paris is the capital of France, home to about 2,100,000 people!") is None
    assert "numbers dropped: 2100000" in check_rewrite(original, "Paris is the capital of France, a big city.")
    assert "numbers added: 3" in check_rewrite(original, "Paris is the capital of France; 2,100,000 people, 3 rivers.")
    assert "names dropped: France" in check_rewrite(original, "Paris is the capital; it has about 2,100,000 people.")
    assert check_rewrite(original, "Paris, France: 2,100,000.", slack=0).startswith("length")
    assert check_rewrite(original, "Paris, France: 2,100,000.") is None  # within the slack
    assert check_rewrite(original, "Paris is the capital of France; 2,100,000 people. " * 8).startswith("length")
    assert check_rewrite(original, "   ") == "empty rewrite"


def test_design_tones_sides_and_neutral_lengths(tmp_path):
    items = load_items(str(write_fact_items(tmp_path / "d.jsonl", 6)))
    trials = sentiment_trials(items, seed=0)
    spec = yaml.safe_load((suites_dir() / "cues" / "sentiment.yaml").read_text())
    phrases = {t["id"]: t for t in spec["templates"]}
    it = items[0]
    mine = [t for t in trials if t.item_id == it.id]
    conds = sorted({(t.condition, t.cue.get("placement")) for t in mine})
    assert conds == [("control", None), *sorted((c, tone) for c in ("cue_gold", "cue_other", "neutral_gold",
                                                                    "neutral_other") for tone in ("negative",
                                                                                                  "positive"))]
    assert len(mine) == 18 and {t.order for t in mine} == {"AB", "BA"}
    assert len({t.cue["template"] for t in mine if t.cue}) == 1  # one template per item
    gold = it.response_a if it.label == "A" else it.response_b
    other = it.response_b if it.label == "A" else it.response_a
    for t in mine:
        if t.condition == "control":
            continue
        shown = {"A": t.first, "B": t.second} if t.order == "AB" else {"A": t.second, "B": t.first}
        rewritten = t.cue["rewritten"]
        target_text = gold if t.condition.endswith("gold") else other
        # positive: the target is rewritten; negative: the other response is, which favours the target
        kept = shown["B" if rewritten == "A" else "A"]
        assert (kept != target_text) == (t.cue["placement"] == "positive")
        assert kept in (it.response_a, it.response_b)
        tone = t.cue["tone"]
        tmpl = phrases[t.cue["template"]]
        if tone != "neutral":
            assert t.cue["target"] in ("A", "B")
            assert shown[rewritten].startswith(tmpl[tone]["start"]) and shown[rewritten].endswith(tmpl[tone]["end"])
        else:
            assert t.cue["target"] is None and t.cue["control"] == "neutral"
            cued = next(c for c in mine if c.condition == t.condition.replace("neutral", "cue") and
                        c.order == t.order and c.cue["placement"] == t.cue["placement"])
            assert abs(len(t.first) + len(t.second) - len(cued.first) - len(cued.second)) <= 6


@pytest.mark.parametrize("judge,effect", [("scripted/sentiment=0.4", 0.2), ("scripted/first=0.3", 0.0)])
def test_planted_tone_follower_is_recovered_and_absent_without_it(tmp_path, judge, effect):
    # Follows the tone with probability s = 0.4, otherwise right: cue_gold changes nothing and cue_other moves
    # P(target) from 0 to 0.4, in either tone, so the pooled effect is s / 2 = 0.2; the neutral rewrite is no cue.
    data = write_fact_items(tmp_path / "d.jsonl", 300)
    res = api.evaluate("sentiment", judge=judge, data=str(data), db=tmp_path / "s.duckdb", make_report=True,
                       out=tmp_path, progress=False)
    m = res.metrics
    for metric, subset in (("bias_effect", "all"), ("cue_net_effect", "all"), ("bias_effect", "placement:positive"),
                           ("bias_effect", "placement:negative")):
        r = _metric(m, metric, subset)
        assert r.ci_low <= effect <= r.ci_high and abs(r.estimate - effect) < 0.06, (metric, subset, r.estimate)
    added = _metric(m, "added_text_effect")
    assert added.ci_low <= 0 <= added.ci_high
    if effect:
        assert _metric(m, "cue_net_effect").p_value < 1e-6
    else:
        assert _metric(m, "cue_net_effect").p_value > 0.01
    assert "sentiment" in res.report_path.read_text(encoding="utf-8")


def _rewriting_server(broken: set[str]):
    """Rewrites with the offline template's tone phrases (so the scripted judge reads the tone); a text whose
    question number is in ``broken`` comes back with its number changed (it must fail the fact check)."""
    spec = yaml.safe_load((suites_dir() / "cues" / "sentiment.yaml").read_text())
    tone_of = {v.strip(): k for k, v in spec["rewrite"]["tones"].items()}
    phrases = spec["templates"][0]

    def respond(body, i):
        user = body["messages"][-1]["content"]
        instruction, text = user.split("\n\n[Text]\n", 1)
        tone = tone_of[instruction.strip()]
        if any(f"is {n}." in text for n in broken):
            text = text.replace("is ", "is 1", 1)
        if tone == "neutral":
            return reply(f"Plainly put: {text}")
        return reply(f"{phrases[tone]['start']} {text} {phrases[tone]['end']}")

    return respond


def test_rewriter_from_the_cli_with_fact_check_and_fallback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-fake")
    data = write_fact_items(tmp_path / "d.jsonl", 200)
    broken = {str(7 * i + k) for i in range(0, 200, 10) for k in (0, 1)}  # 20 items: both responses fail
    db = tmp_path / "r.duckdb"
    with FakeOpenAI(_rewriting_server(broken)) as server:
        args = ["eval", "--suite", "sentiment", "--judge", "scripted/sentiment=0.4", "--data", str(data),
                "--db", str(db), "--no-report", "--rewriter", "openai/fake-rewriter", "--rewriter-api-base",
                server.base_url]
        assert main(args) == 0
        sent = len(server.requests)
        assert sent == 200 * 2 * 3  # every response, three tones, once
        assert main(args) == 0  # the rewrites are cached: nothing is asked again
        assert len(server.requests) == sent
    out = capsys.readouterr().out
    assert "sentiment: 360/400 responses rewritten by openai/fake-rewriter; 40 failed the fact check" in out
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("SELECT config FROM runs").fetchall()
    config = json.loads(runs[0][0])
    assert config["sentiment_rewrites"]["fallback"] == 40
    assert config["sentiment_rewrites"]["identity"]["model"] == "fake-rewriter"
    templates = dict(con.execute("SELECT json_extract_string(cue, '$.template') t, count(*) FROM trials "
                                 "WHERE condition <> 'control' GROUP BY t").fetchall())
    assert set(templates) <= {REWRITER, f"{FALLBACK}delighted", f"{FALLBACK}warm"}
    assert templates[REWRITER] == 180 * 16  # 180 items whose responses both passed, 16 cued/neutral trials each
    con.close()
    m = api.metrics(db=db)
    r = _metric(m, "cue_net_effect")
    assert r.ci_low <= 0.2 <= r.ci_high
    model = _metric(m, "bias_effect", f"template:{REWRITER}")
    assert model.ci_low <= 0.2 <= model.ci_high
    # the rewriter is part of the run's identity: the offline rewrite is another run
    assert main(["eval", "--suite", "sentiment", "--judge", "scripted/sentiment=0.4", "--data", str(data),
                 "--db", str(db), "--no-report"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT fingerprint) FROM runs").fetchone()[0] == 2


def test_rewriter_needs_the_sentiment_probe(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 4)
    with pytest.raises(ValueError, match="--rewriter applies to the sentiment probe"):
        api.evaluate("bias", judge="scripted/gold", data=str(data), db=tmp_path / "x.duckdb", rewriter="openai/x",
                     make_report=False, progress=False)
