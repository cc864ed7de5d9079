"""The bias suite end to end with scripted judges whose susceptibilities are planted."""

import pytest

from judgekit import api
from tests.conftest import write_fact_items


def _metric(m, probe, metric, subset="all"):
    row = m[(m.probe == probe) & (m.metric == metric) & (m.subset == subset)]
    assert len(row) == 1, (probe, metric, subset)
    return row.iloc[0]


def test_planted_bandwagon_follower_is_recovered(tmp_path):
    # Follows the crowd cue with probability s = 0.4, otherwise right. Control always picks gold, so
    # cue_gold changes nothing and cue_other moves P(target) from 0 to 0.4: pooled effect s / 2 = 0.2.
    data = write_fact_items(tmp_path / "d.jsonl", 400)
    res = api.evaluate("bias", judge="scripted/bandwagon=0.4", data=str(data), db=tmp_path / "b.duckdb",
                       probes=["bandwagon", "authority"], make_report=False, progress=False)
    m = res.metrics
    be = _metric(m, "bandwagon", "bias_effect")
    assert be.ci_low <= 0.2 <= be.ci_high and abs(be.estimate - 0.2) < 0.05
    assert be.p_value < 1e-6 and be.p_adjusted >= be.p_value
    other = _metric(m, "bandwagon", "bias_effect", "cue_other")
    assert other.ci_low <= 0.4 <= other.ci_high
    harmful = _metric(m, "bandwagon", "harmful_flips")
    assert harmful.estimate > 0.1 and _metric(m, "bandwagon", "helpful_flips").estimate == 0
    # the same judge ignores authority cues
    au = _metric(m, "authority", "bias_effect")
    assert au.ci_low <= 0 <= au.ci_high


def test_planted_length_preference_separates_padding_from_irrelevant_text(tmp_path):
    # Picks the longer response with probability 0.2: padding and irrelevant text of the same
    # length both make the target longer, so both move the judge; their difference is ~0.
    data = write_fact_items(tmp_path / "d.jsonl", 400)
    res = api.evaluate("bias", judge="scripted/longer=0.2", data=str(data), db=tmp_path / "v.duckdb",
                       probes=["verbosity"], make_report=False, progress=False)
    m = res.metrics
    be = _metric(m, "verbosity", "bias_effect")
    assert be.ci_low <= 0.1 <= be.ci_high  # 0.2 * (1 - P(control picks target)) = 0.2 * 0.5
    gap = _metric(m, "verbosity", "padding_vs_irrelevant")
    assert gap.ci_low <= 0 <= gap.ci_high


@pytest.mark.slow
def test_unbiased_judge_gets_intervals_containing_zero(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 150)
    res = api.evaluate("bias", judge="scripted/first=0.3", data=str(data), db=tmp_path / "n.duckdb",
                       make_report=True, out=tmp_path, progress=False)
    m = res.metrics
    # Five 95% intervals all contain 0 only 77% of the time under no bias (each seeded draw of the
    # scripted judge is one sample), so the family-wise check is the Benjamini-Hochberg adjusted p.
    for probe in ("bandwagon", "authority", "verbosity", "distraction", "reflection"):
        be = _metric(m, probe, "bias_effect")
        assert be.p_adjusted > 0.05 and abs(be.estimate) < 0.1, (probe, be.estimate, be.ci_low, be.ci_high,
                                                                 be.p_adjusted)
    pc = _metric(m, "position", "position_consistency")
    assert pc.ci_low <= 0.7 <= pc.ci_high
    assert res.report_path is not None and res.report_path.exists()
