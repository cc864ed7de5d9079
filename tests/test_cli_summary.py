"""What `judgekit eval`, `metrics`, `runs` and the small options print (CLI output captured)."""

from __future__ import annotations

import argparse

import pytest

from judgekit import __version__
from judgekit.cli import build_parser, main
from tests.conftest import write_fact_items

JUDGE = "scripted/first=0.3,bandwagon=0.4"


@pytest.fixture(scope="module")
def bias_run(tmp_path_factory):
    """A bias run (position + bandwagon) with the swap mitigation on a scripted judge."""
    tmp = tmp_path_factory.mktemp("summary")
    data, db = write_fact_items(tmp / "facts.jsonl", 16), tmp / "s.duckdb"
    return data, db


def _eval(capsys, data, db, *extra):
    rc = main(["eval", "--suite", "bias", "--probes", "position,bandwagon", "--judge", JUDGE, "--data", str(data),
               "--db", str(db), "--no-report", "--mitigations", "swap", *extra])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


def test_eval_prints_one_headline_row_per_probe_and_one_row_per_mitigation_and_bias(bias_run, capsys):
    data, db = bias_run
    out = _eval(capsys, data, db)
    lines = out.splitlines()
    assert lines[1].startswith("judge scripted/first=0.3,bandwagon=0.4; decoding: ")
    i = lines.index("per probe (headline estimate, 95% interval):")
    assert lines[i + 1].split()[:4] == ["probe", "headline", "estimate", "95%"]
    position, bandwagon = lines[i + 2].split(), lines[i + 3].split()
    assert position[:2] == ["position", "first_position_rate"] and position[-1] == "16"  # 16 items
    assert bandwagon[:2] == ["bandwagon", "cue_net_effect"] and bandwagon[-1] == "16"
    j = lines.index("per mitigation and bias:")
    assert [ln.split()[:2] for ln in lines[j + 2:j + 4]] == [["position", "swap"], ["bandwagon", "swap"]]
    assert "%" in lines[j + 2] and "pp" in lines[j + 2]
    assert lines[-1] == f"database: {db}"
    assert "flip_rate" not in out and "noise_floor" not in out  # the dump stays behind --verbose


def test_the_summary_numbers_are_the_stored_metrics(bias_run, capsys):
    import duckdb

    data, db = bias_run
    out = _eval(capsys, data, db)
    con = duckdb.connect(str(db), read_only=True)
    run_id = out.split()[1].rstrip(":")
    est, lo, hi, p_adj, n = con.execute(
        "SELECT estimate, ci_low, ci_high, p_adjusted, n FROM metrics WHERE run_id = ? AND probe = 'bandwagon' "
        "AND metric = 'cue_net_effect' AND subset = 'all'", [run_id]).fetchone()
    con.close()
    row = next(ln for ln in out.splitlines() if ln.split()[:2] == ["bandwagon", "cue_net_effect"]).split()
    assert row[2:5] == [f"{est:+.3f}", f"[{lo:+.3f},", f"{hi:+.3f}]"]
    assert row[5] == ("<0.001" if p_adj < 0.001 else f"{p_adj:.3f}") and row[6] == str(n)


def test_verbose_and_metrics_print_every_stored_row(bias_run, capsys):
    data, db = bias_run
    out = _eval(capsys, data, db, "--verbose")
    assert "all stored metrics:" in out and "flip_rate" in out and "template:" in out
    run_id = out.split()[1].rstrip(":")
    assert main(["metrics", run_id, "--db", str(db)]) == 0
    dump = capsys.readouterr().out
    assert dump.splitlines()[0] == f"run {run_id}"
    assert "mitigation_tie_rate" in dump and "mitigation:swap" in dump and "p adjusted" in dump


def test_runs_shows_status_mitigations_and_the_strongest_headline(bias_run, capsys):
    data, db = bias_run
    _eval(capsys, data, db)
    assert main(["runs", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:7] == ["run_id", "status", "suite", "judge", "verdicts", "errors", "mitigations"]
    row = out[-1].split()
    assert row[1:4] == ["finished", "bias", JUDGE] and row[6] == "swap"
    assert row[7] in ("position", "bandwagon") and "(+1 probes)" in out[-1]


def test_progress_lines_on_stderr_without_a_terminal(tmp_path, capsys):
    data = write_fact_items(tmp_path / "f.jsonl", 6)
    assert main(["eval", "--judge", "scripted/gold", "--data", str(data), "--db", str(tmp_path / "p.duckdb"),
                 "--no-report", "--progress", "lines"]) == 0
    err = capsys.readouterr().err
    assert "judgekit: position · scripted/gold: 12/12 verdicts (100%)" in err and "0 errors" in err


def test_version():
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0


def test_version_text(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"judgekit {__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_of_eval_judge_runs_metrics_compare_card_report_has_help():
    subs = _subparsers(build_parser())
    for name in ("eval", "judge", "report", "runs", "metrics", "compare", "card"):
        missing = [a.option_strings or a.dest for a in subs[name]._actions
                   if not a.help and not isinstance(a, argparse._HelpAction)]
        assert not missing, (name, missing)


def test_help_lists_the_suites_and_templates(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for suite in ("position", "bias", "bandwagon", "icai", "profile"):
        assert suite in out
    from judgekit.resources import template_names

    assert "pairwise" in template_names() and "mcq" in template_names()
    assert f"({', '.join(template_names())})" in out


def test_unknown_template_and_data_names_list_the_valid_ones(tmp_path, capsys):
    db = str(tmp_path / "x.duckdb")
    assert main(["eval", "--judge", "scripted/gold", "--template", "nosuch", "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    from judgekit.datasets.loaders import BUILTIN
    from judgekit.resources import template_names

    assert err == f"judgekit: error: unknown prompt template 'nosuch'; templates: {', '.join(template_names())}"
    assert main(["eval", "--judge", "scripted/gold", "--data", "prefs", "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"file not found; built-in data sets: {', '.join(sorted(BUILTIN))}")
    assert "site-packages" not in err and "mcq" in err
