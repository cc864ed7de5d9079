"""The lrm-paper findings page in a real headless Chromium: renders offline, no console errors, names stay text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from judgekit.judges.scripted import ScriptedJudge
from judgekit.presets.lrm_data import load_paper_data
from judgekit.presets.lrm_paper import run_lrm_paper
from tests.test_browser import _load, pytestmark  # noqa: F401  (the Chromium skip applies here too)

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "lrm-paper"
PAYLOAD = "scripted/<img src=x onerror=window.__pwned=7>"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not (DATA / "dpo").is_dir():
        pytest.skip(f"the paper's data is not at {DATA} (see the README: Reproduce the LRM study)")
    tmp = tmp_path_factory.mktemp("findings")
    data = load_paper_data(DATA, limit=3)
    judges = [ScriptedJudge(data.preference, spec="scripted/first=0.4"), ScriptedJudge(data.preference)]
    judges[1].spec = PAYLOAD
    res = run_lrm_paper(DATA, judges, judge_types=["standard", "reasoning"], db=tmp / "f.duckdb", out=tmp / "out",
                        limit=3, progress=False, make_report=False)
    return res.findings_path


def test_findings_page_renders_offline_and_escapes_names(page, tmp_path):
    attrs, seen, dom = _load(page, tmp_path)
    assert attrs.get("done") == "1", "the probe script did not finish"
    assert attrs["errors"] == "[]", attrs["errors"]
    assert seen == ["/report.html"], f"the page made network requests: {seen}"
    assert attrs["pwned"] == "undefined"
    assert "&lt;img src=x onerror=window.__pwned=7&gt;" in dom  # the judge's name, shown as text
    statuses = re.findall(r'id="finding-(\d)" data-status="(\w+)"', dom)
    assert [n for n, _ in statuses] == ["1", "2", "3", "4"]
    assert all(s in ("supported", "contradicted", "inconclusive") for _, s in statuses)
    assert 'id="paper-metrics"' in dom and "paper_robust_rate" in dom
