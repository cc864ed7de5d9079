"""Every number in the report's headline sentences is a stored metric, printed with its interval."""

from __future__ import annotations

import re

from judgekit import api
from judgekit.report.html import headline, pct
from tests.conftest import write_fact_items

TRIPLE = re.compile(r"(\d+(?:\.\d+)?)%[^%()]*?\(95% CI (\d+(?:\.\d+)?)–(\d+(?:\.\d+)?)%\)")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?=%)")


def test_headline_numbers_are_stored_metrics_with_intervals(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 60)
    res = api.evaluate("position", judge="scripted/first=0.4,invalid=0.05", data=str(data),
                       db=tmp_path / "h.duckdb", make_report=False, progress=False)
    m = res.metrics
    text = headline(m)
    assert "both orders for" in text and "could not be parsed" in text
    stored = {(pct(r.estimate)[:-1], pct(r.ci_low)[:-1], pct(r.ci_high)[:-1]) for r in m.itertuples()
              if r.estimate == r.estimate and r.ci_low == r.ci_low}
    for sentence in re.split(r"(?<=\.)\s+(?=[A-Z])", text):
        triples = TRIPLE.findall(sentence)
        for t in triples:
            assert t in stored, (sentence, t)
        rest = TRIPLE.sub("", sentence)
        assert all(n == "50" for n in NUMBER.findall(rest)), sentence  # 50%: the order-blind reference
    both = m[(m.metric == "accuracy_both_orders")].iloc[0]
    assert f"both orders for {pct(both.estimate)} of items" in text
