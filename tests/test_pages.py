"""PROFILE and ICAI pages: the report's design, a headline that states the result, cautions in words.

The summaries are checked on hand-made result tables whose answer is known; the pages are
built end to end from real analyses and, where Chromium is installed, rendered offline in it
(as tests/test_browser.py does for the run report).
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from judgekit.analysis.icai.report import icai_summary, write_icai_report
from judgekit.analysis.profile.report import caveats, profile_summary, write_profile_report

NAN = math.nan


def _recon(rows):
    return pd.DataFrame(rows, columns=["condition", "estimate", "ci_low", "ci_high", "n", "n_invalid"])


def test_icai_headline_says_the_constitution_lost_to_length_and_warns_under_30_pairs():
    """The case from the issue: 0.312 against length-only 0.625 on 8 held-out pairs."""
    recon = _recon([("constitution", 0.3125, 0.0625, 0.625, 8, 0), ("no_constitution", 0.5, 0.125, 0.875, 8, 0),
                    ("length_only", 0.625, 0.25, 0.875, 8, 0),
                    ("constitution - no_constitution", -0.1875, -0.5, 0.125, 8, 0),
                    ("constitution - length_only", -0.3125, -0.625, -0.0625, 8, 0)])
    headline, warnings = icai_summary(recon, n_test=8, n_principles=3)
    assert headline.startswith("On 8 held-out pairs the constitution agrees with the labels 0.312 [0.062, 0.625].")
    assert "cannot be told apart from the same judge without it (0.500)" in headline
    assert "loses to length only (0.625): difference -0.312 [-0.625, -0.062]" in headline
    assert warnings[0].startswith("only 8 held-out pairs (fewer than 30)")
    assert any("less often than picking the longer response (0.625)" in w for w in warnings)


def test_icai_headline_when_the_constitution_beats_both_and_a_degenerate_interval():
    recon = _recon([("constitution", 1.0, 1.0, 1.0, 54, 0), ("no_constitution", 0.43, 0.30, 0.56, 54, 0),
                    ("length_only", 0.43, 0.30, 0.56, 54, 0),
                    ("constitution - no_constitution", 0.57, 0.44, 0.70, 54, 0),
                    ("constitution - length_only", 0.57, 0.44, 0.70, 54, 0)])
    headline, warnings = icai_summary(recon, n_test=54, n_principles=3)
    assert "It beats the same judge without it" in headline and "It beats length only" in headline
    assert len(warnings) == 1 and "degenerate (1.000 [1.000, 1.000])" in warnings[0]
    assert icai_summary(recon.iloc[:0], n_test=54, n_principles=0)[0].startswith("No principle improved")


def test_profile_caveats_in_words():
    assert caveats(1.0, 1.0, 1.0, 4) == ["only 4 pairs", "degenerate interval (every resample gives the same value)"]
    assert caveats(5.933, 5.425, 6.442, 200, log_odds=True) == [
        "likely separated: the coefficient is not identified by these pairs"]
    assert caveats(0.4, 0.1, 0.7, 200, log_odds=True) == []
    assert caveats(NAN, NAN, NAN, 200, log_odds=True, note="the data are (quasi-)separated")[0].startswith(
        "likely separated")


def _profile_rows():
    cols = ["section", "annotator", "factor", "metric", "estimate", "ci_low", "ci_high", "p_value", "n", "flag",
            "note"]
    rows = [("influence", "human", "length", "tau", 0.40, 0.30, 0.50, 0.001, 300, None, ""),
            ("influence", "human", "citations", "tau", 1.0, 1.0, 1.0, 0.25, 3, None, ""),
            ("influence", "judge-x", "length", "tau", 0.80, 0.72, 0.88, 0.001, 300, None, ""),
            ("influence", "judge-x", "citations", "tau", -1.0, -1.0, -1.0, 0.25, 3, None, ""),
            ("alignment", "judge-x", "length", "tau_difference", 0.40, 0.30, 0.50, NAN, 300, True, ""),
            ("alignment", "judge-x", "citations", "tau_difference", -2.0, -2.0, -2.0, NAN, 3, True, ""),
            ("style_bt", "judge-x", "style:markdown", "log_odds", 5.933, 5.425, 6.442, 0.001, 300, None,
             "log-odds; Binomial GLM, cluster-robust by pair")]
    return pd.DataFrame(rows, columns=cols)


def test_profile_headline_counts_only_misalignments_with_enough_pairs_and_flags_the_rest():
    headline, warnings = profile_summary(_profile_rows(), {"n_pairs": 300})
    assert headline.startswith("300 pairs. The human labels follow length (τ = 0.400 [0.300, 0.500] n=300) most.")
    assert "judge-x departs from them on 1 factor: length." in headline  # citations (n=3) is not called
    assert any("1 factor rest on fewer than 10 pairs" in w and "citations" in w for w in warnings)
    assert any("1 model coefficient is likely separated" in w for w in warnings)
    assert profile_summary(_profile_rows(), {"n_pairs": 12})[1][0].startswith("only 12 pairs")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    from judgekit import api
    from judgekit.analysis.icai.demo import icai_demo_judge
    from judgekit.analysis.icai.run import run_icai
    from judgekit.analysis.icai.store import save_icai
    from judgekit.resources import data_dir
    from judgekit.store.db import Store

    tmp = tmp_path_factory.mktemp("pages")
    db = tmp / "p.duckdb"
    res = api.evaluate("profile", judge="scripted/longer=0.6", db=db, make_report=False, progress=False)
    profile = write_profile_report(db, res.analysis["analysis_id"], tmp / "out")
    icai = run_icai(data=str(data_dir() / "icai_synthetic.jsonl"), db=tmp / "i.duckdb", judge=icai_demo_judge(),
                    out_dir=tmp, progress=False)
    small = _recon([("constitution", 0.3125, 0.0625, 0.625, 8, 0), ("length_only", 0.625, 0.25, 0.875, 8, 0),
                    ("constitution - length_only", -0.3125, -0.625, -0.0625, 8, 0)])
    save_icai(Store(tmp / "i.duckdb"), "icai-small",
              run={"dataset": "<b>tiny</b>", "judge": "scripted/icai", "config": {}, "n_train": 20, "n_test": 8,
                   "constitution_path": "x"}, principles=icai["principles"], votes={},
              metrics=icai["test_metrics"].iloc[:0].assign(split=[], metric=[], estimate=[], ci_low=[],
                                                            ci_high=[]),
              constitution=[("P1", icai["constitution"][0])], reconstruction=small)
    return (profile, write_icai_report(tmp / "i.duckdb", icai["icai_id"], tmp / "out"),
            write_icai_report(tmp / "i.duckdb", "icai-small", tmp / "out"))


def test_pages_use_the_report_design_and_lead_with_the_result(pages):
    profile, icai, small = (p.read_text(encoding="utf-8") for p in pages)
    for page in (profile, icai, small):
        assert "--accent:#1f5fa8" in page and 'class="headline" id="headline"' in page  # base.html.j2
        assert "Content-Security-Policy" in page and "makes no network requests" in page
    assert "<title>judgekit · Preference factors (PROFILE)</title>" in profile
    assert re.search(r"τ = [0-9.\-]+ \[[0-9.\-]+, [0-9.\-]+\] n=\d+", profile)  # n beside tau
    headline = re.search(r'id="headline">(.*?)</p>', icai, re.S).group(1)
    assert "It beats the same judge without it" in headline and "It beats length only" in headline
    small_head = re.search(r'id="headline">(.*?)</p>', small, re.S).group(1)
    assert "loses to length only" in small_head
    assert "only 8 held-out pairs (fewer than 30)" in small
    assert "&lt;b&gt;tiny&lt;/b&gt;" in small and "<b>tiny</b>" not in small


CHROMIUM_REASON = "Chromium is not installed (CI installs the Debian 'chromium' package)"


def test_pages_render_offline_in_chromium(pages, tmp_path):
    from tests import test_browser as tb

    if not (tb.Path(tb.CHROMIUM).exists() or tb.shutil.which("chromium")):
        pytest.skip(CHROMIUM_REASON)
    for i, page in enumerate(pages):
        sub = tmp_path / str(i)
        sub.mkdir()
        attrs, seen, dom = tb._load(page, sub)
        tb._check(attrs, seen, dom, len(re.findall(r'class="plotly-graph-div"', page.read_text(encoding="utf-8"))))
        assert 'id="headline"' in dom
