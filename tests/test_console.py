"""Console summary formatting and progress reporting, on hand-made rows and a fake clock."""

from __future__ import annotations

import io

import pytest

from judgekit import console
from judgekit.engine.progress import Progress, resolve_mode


def _row(probe, metric, est, lo=None, hi=None, p=None, p_adj=None, n=10, subset="all"):
    return {"probe": probe, "metric": metric, "subset": subset, "estimate": est, "ci_low": lo, "ci_high": hi,
            "p_value": p, "p_adjusted": p_adj, "n": n}


def test_headline_metric_prefers_the_net_cue_effect_and_the_first_position_rate():
    assert console.headline_metric("bandwagon", ["flip_rate", "bias_effect"]) == "bias_effect"
    assert console.headline_metric("bandwagon", ["bias_effect", "cue_net_effect"]) == "cue_net_effect"
    assert console.headline_metric("position", ["accuracy", "position_consistency"]) == "position_consistency"
    assert console.headline_metric("position", ["position_consistency", "first_position_rate"]) == \
        "first_position_rate"
    assert console.headline_metric("all", ["model_cue_log_odds"]) is None


def test_summary_has_one_row_per_probe_with_adjusted_p_and_items():
    rows = [_row("bandwagon", "bias_effect", 0.175, 0.119, 0.2375, p=0.0003, p_adj=0.0015, n=160),
            _row("bandwagon", "flip_rate", 0.36, 0.29, 0.42, n=160),
            _row("bandwagon", "bias_effect", 0.5, 0.1, 0.9, p=0.01, subset="template:people"),
            _row("position", "first_position_rate", 0.675, 0.6, 0.75, p=0.000122, n=80),
            _row("all", "model_cue_log_odds", 0.8, 0.5, 1.1, p=0.001, n=320)]
    lines = console.summary_lines(rows, {"bandwagon": 40, "position": 40}, order=["position", "bandwagon"])
    body = [ln.split() for ln in lines[2:]]
    assert [b[0] for b in body] == ["position", "bandwagon"]  # the run's probe order; no 'all' row
    assert body[0][:5] == ["position", "first_position_rate", "0.675", "[0.600,", "0.750]"]
    assert "(unadjusted)" in lines[2]  # position has no adjusted p: the raw one is labelled as such
    assert body[1] == ["bandwagon", "bias_effect", "+0.175", "[+0.119,", "+0.237]", "0.002", "160", "40"]
    assert not any("flip_rate" in ln or "0.500" in ln for ln in lines)  # subsets and secondary rows stay out


def test_mitigation_rows_show_change_in_bias_with_interval_accuracy_ties_and_tokens():
    sub = "mitigation:swap"
    rows = [_row("position", "mitigation_bias_change", -0.175, -0.25, -0.10, subset=sub),
            _row("position", "mitigation_accuracy_change", 0.05, -0.01, 0.1, subset=sub),
            _row("position", "mitigation_tie_rate", 0.35, 0.25, 0.46, subset=sub),
            _row("position", "mitigation_extra_tokens", 59.375, subset=sub)]
    lines = console.mitigation_lines(rows)
    assert lines[0].startswith("per mitigation and bias")
    assert lines[2].split() == ["position", "swap", "-17.5", "pp", "[-25.0,", "-10.0]", "+5.0", "pp", "35.0%",
                                "59.4"]
    assert console.mitigation_lines([_row("position", "accuracy", 0.5)]) == []


def test_dump_lists_every_row_with_subset_and_both_p_values():
    rows = [_row("bandwagon", "bias_effect", 0.1, 0.0, 0.2, p=0.04, p_adj=0.2, subset="template:people")]
    lines = console.dump_lines(rows)
    assert lines[1].split() == ["bandwagon", "bias_effect", "template:people", "0.100", "[0.000,", "0.200]",
                                "0.040", "0.200", "10"]


def test_decoding_settings_in_words():
    assert console.decoding_text({"temperature": 0.7, "top_p": 0.9, "max_tokens": 512, "stop": None}) == \
        "temperature 0.7, top-p 0.9, max tokens 512"
    assert console.decoding_text({}) == "the backend's defaults"


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_lines_every_5_percent_or_10_seconds_with_rate_eta_and_errors():
    clock, out = _Clock(), io.StringIO()
    bar = Progress(200, desc="bias · scripted", mode="lines", stream=out, clock=clock)
    for _ in range(9):  # 9 of 200 in 1 s: under 5% and under 10 s -> silent
        clock.t += 1 / 9
        bar.update(1)
    assert out.getvalue() == ""
    clock.t = 12.0  # 10 s passed: a line
    bar.set_errors(2)
    bar.update(1)
    line = out.getvalue().strip()
    assert line == ("judgekit: bias · scripted: 10/200 verdicts (5%), 0.8/s, 12s elapsed, ETA 3m48s, 2 errors")
    clock.t = 15.0
    bar.update(10)  # 5% more and over 2 s since the last line -> a line
    assert out.getvalue().count("\n") == 2 and "20/200" in out.getvalue()
    clock.t = 15.5
    bar.update(10)  # 5% more but 0.5 s after the last line -> silent
    assert out.getvalue().count("\n") == 2
    bar.close()  # the final state is always printed
    assert out.getvalue().splitlines()[-1].split(": ", 2)[2].startswith("30/200 verdicts (15%)")


def test_progress_off_and_bar_print_no_lines():
    out = io.StringIO()
    with Progress(10, mode="off", stream=out) as bar:
        bar.update(10)
    assert out.getvalue() == ""
    with Progress(10, mode="bar", stream=out) as bar:
        bar.update(10)
    assert "10/10" in out.getvalue() and "judgekit:" not in out.getvalue()


def test_progress_modes_and_the_environment_alias(monkeypatch):
    not_a_tty = io.StringIO()
    monkeypatch.delenv("JUDGEKIT_PROGRESS", raising=False)
    assert resolve_mode(None, not_a_tty) == "lines"  # auto without a terminal
    assert resolve_mode(True, not_a_tty) == "lines"
    assert resolve_mode(False, not_a_tty) == "off"
    assert resolve_mode("bar", not_a_tty) == "bar"
    monkeypatch.setenv("JUDGEKIT_PROGRESS", "1")
    assert resolve_mode(None, not_a_tty) == "bar"  # the older spelling
    monkeypatch.setenv("JUDGEKIT_PROGRESS", "off")
    assert resolve_mode(None, not_a_tty) == "off"
    assert resolve_mode("lines", not_a_tty) == "lines"  # an explicit --progress wins
    monkeypatch.setenv("JUDGEKIT_PROGRESS", "loud")
    with pytest.raises(ValueError, match="auto, bar, lines, off"):
        resolve_mode(None, not_a_tty)
