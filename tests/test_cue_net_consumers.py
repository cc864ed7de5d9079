"""cue_net_effect is every consumer's headline: family, card, dry-run, bias_profile, report, compare.

Planted scripted judges through the whole pipeline, one database: a pure length preference
(``scripted/longer=0.4``: the response that received text is picked 40% of the time, no cue is
read), a pure cue follower (``scripted/cue=0.4``) and both at once. Truths (tests/test_cue_net.py):
``added_text_effect = L / 2``, ``cue_net_effect = q (1 - L) / 2``; bandwagon's prompt sentence adds
no length to a response.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from judgekit import api
from judgekit import notebook as nb
from judgekit.card import bias_card
from judgekit.compare import MEAN_ABS, compare_runs
from judgekit.dryrun import dry_run_suite, format_dry_run
from judgekit.report import attribution, sections
from judgekit.stats.model import COMPONENTS, HEADLINE, add_adjusted_p
from judgekit.store.db import Store
from tests.conftest import write_fact_items

PROBES = ["position", "bandwagon", "authority", "verbosity", "distraction", "reflection"]
CUE_PROBES = PROBES[1:]
TEXT_PROBES = ["authority", "verbosity", "distraction", "reflection"]
JUDGES = {"length": "scripted/longer=0.4", "cue": "scripted/cue=0.4", "both": "scripted/cue=0.4,longer=0.4"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("netc")
    data = write_fact_items(tmp / "d.jsonl", 60)
    db = tmp / "n.duckdb"
    ids = {k: api.evaluate("bias", judge=j, data=str(data), db=db, probes=PROBES, make_report=False,
                           progress=False).run_id for k, j in JUDGES.items()}
    return db, ids, data


def _metrics(db, run_id) -> pd.DataFrame:
    return Store(db, create=False).metrics(run_id)


def _one(m: pd.DataFrame, probe: str, metric: str) -> dict:
    rows = m[(m.probe == probe) & (m.metric == metric) & (m.subset == "all")]
    assert len(rows) == 1, (probe, metric)
    return rows.iloc[0].to_dict()


def test_headline_family_adjusts_cue_net_effect(runs):
    db, ids, _ = runs
    m = _metrics(db, ids["both"])
    head = m[m.family == HEADLINE]
    assert set(zip(head.probe, head.metric, strict=True)) == {
        ("position", "first_position_rate"), *((p, "cue_net_effect") for p in CUE_PROBES)}
    comp = m[m.family == COMPONENTS]
    assert set(zip(comp.probe, comp.metric, strict=True)) == {
        *((p, "bias_effect") for p in CUE_PROBES), *((p, "added_text_effect") for p in CUE_PROBES)}
    # BH within the stated family, recomputed from the stored p-values
    again = add_adjusted_p(m.drop(columns=["family", "p_adjusted"]))
    pd.testing.assert_series_equal(again["p_adjusted"].reset_index(drop=True), m["p_adjusted"].reset_index(drop=True),
                                   check_names=False)


def test_length_judge_report_never_blames_a_cue(runs):
    db, ids, _ = runs
    m = _metrics(db, ids["length"])
    profile = sections.profile_rows(m)
    cue = profile[profile.probe != "position"].set_index("probe")
    assert (cue["metric"] == "cue_net_effect").all()
    for probe in TEXT_PROBES:  # the raw effect is real, the net one is not: explained by the added text
        raw, net = _one(m, probe, "bias_effect"), _one(m, probe, "cue_net_effect")
        assert raw["ci_low"] > 0 and net["ci_low"] <= 0 <= net["ci_high"], probe
        assert cue.loc[probe, "attribution"] == "added_text"
        words = cue.loc[probe, "words"]
        assert words.startswith("The effect is explained by the added text")
        added = _one(m, probe, "added_text_effect")
        assert f"the raw effect {attribution._ci(raw)}" in words and f"alone moves it {attribution._ci(added)}" in words
        assert f"the cue moves the judge {attribution._ci(net)}" in words
    text = sections.bias_headline(profile)
    assert "0 moved the judge beyond the text it adds" in text and "No net effect is distinguishable from 0" in text
    assert "toward the cued response" not in text, text
    assert "the effect is explained by the added text" in text and all(p in text for p in TEXT_PROBES)
    # each probe section: the three estimates side by side, headline first, with n and adjusted p
    s = sections.cue_section("authority", m, pd.DataFrame(), pd.DataFrame(columns=["probe"]), profile)
    assert [e["metric"] for e in s["estimates"]] == list(attribution.ESTIMATES) and s["estimates"][0]["headline"]
    assert all(e["n"] != "—" and "(components)" in e["p_adjusted"] for e in s["estimates"][1:])
    assert "(headline)" in s["estimates"][0]["p_adjusted"]
    assert s["sentence"].startswith("The effect is explained by the added text")


def test_cue_follower_is_attributed_to_the_cue(runs):
    db, ids, _ = runs
    for key in ("cue", "both"):
        profile = sections.profile_rows(_metrics(db, ids[key]))
        cue = profile[profile.probe != "position"].set_index("probe")
        assert (cue["attribution"] == "cue").all(), (key, cue["attribution"].to_dict())
        assert cue["words"].str.startswith("The cue's content moved the judge toward").all()
        text = sections.bias_headline(profile)
        assert f"{len(CUE_PROBES)} moved the judge beyond the text it adds" in text, text
        assert "explained by the added text" not in text


def test_both_planted_effects_are_recovered_separately(runs):
    db, ids, _ = runs
    m = _metrics(db, ids["both"])
    for probe in TEXT_PROBES:
        net, added = _one(m, probe, "cue_net_effect"), _one(m, probe, "added_text_effect")
        assert net["ci_low"] <= 0.4 * 0.6 / 2 <= net["ci_high"], (probe, net)
        assert added["ci_low"] <= 0.2 <= added["ci_high"], (probe, added)


def test_card_and_notebook_lead_with_the_headline(runs):
    db, ids, _ = runs
    card = bias_card(db, ids["length"])
    m = _metrics(db, ids["length"])
    assert card["headline_metric"] == {"position": "first_position_rate", **dict.fromkeys(CUE_PROBES, "cue_net_effect")}
    for probe in CUE_PROBES:
        stats = card["headline"][probe]
        assert list(stats)[:3] == ["cue_net_effect", "added_text_effect", "bias_effect"]
        for metric in attribution.ESTIMATES:
            stored = _one(m, probe, metric)
            assert stats[metric]["estimate"] == pytest.approx(stored["estimate"]) and stats[metric]["n"] == stored["n"]
    prof = nb.bias_profile(ids["length"], db).set_index("probe")
    assert sorted(prof.index) == sorted(CUE_PROBES) and (prof["metric"] == "cue_net_effect").all()
    for probe in TEXT_PROBES:
        assert prof.loc[probe, "estimate"] == pytest.approx(_one(m, probe, "cue_net_effect")["estimate"])
        assert prof.loc[probe, "bias_effect_ci_low"] > 0  # the raw effect stands beside the headline
    with duckdb.connect(str(db), read_only=True) as con:
        view = con.execute("SELECT probe, metric, estimate FROM bias_profile WHERE run_id = ? ORDER BY probe",
                           [ids["length"]]).df().set_index("probe")
    assert (view["metric"] == "cue_net_effect").all()
    assert view["estimate"].to_dict() == pytest.approx(prof["estimate"].to_dict())


def test_compare_ranks_cue_probes_on_the_net_effect(runs):
    db, ids, _ = runs
    c = compare_runs(db, [ids["length"], ids["cue"]], n_boot=400)
    crit = set(c.ranking["criterion"])
    assert {f"cue_net_effect:{p}" for p in CUE_PROBES} | {MEAN_ABS} <= crit
    assert not any(x.startswith("bias_effect:") for x in crit)
    agg = c.ranking[c.ranking.criterion == MEAN_ABS].set_index("judge")
    # the length judge follows no cue: least biased on the net effect, although its raw effects are large
    assert agg.loc[JUDGES["length"], "rank"] == 1
    t = c.tests[(c.tests.criterion == "cue_net_effect:authority")].iloc[0]
    assert t.judge_1 == JUDGES["length"] and t.difference < 0 and t.ci_high < 0
    prof = c.profile[(c.profile.probe == "authority")]
    assert set(prof.metric) >= {"cue_net_effect", "added_text_effect", "bias_effect"}


def test_dry_run_names_the_headline(runs):
    _, _, data = runs
    for probe, words in (("bandwagon", "cue_net_effect"), ("position", "first_position_rate")):
        d = dry_run_suite("bias", judge="scripted/cue=0.4", data=str(data), db=None, probes=[probe])
        assert d["headline_metric"].startswith(f"{probe}: {words}"), d["headline_metric"]
        assert f"for {probe}: {words}" in format_dry_run(d)
