"""Stored metrics record the versions that computed them and are reused only when both match."""

from __future__ import annotations

import duckdb

from judgekit import __version__, api
from judgekit.judges.prompt import load_template
from judgekit.stats import STATS_VERSION
from judgekit.store.db import Store
from tests.conftest import write_fact_items


def _versions(db, run_id):
    with duckdb.connect(str(db), read_only=True) as con:
        return set(con.execute("SELECT DISTINCT judgekit_version, stats_version FROM metrics WHERE run_id = ?",
                               [run_id]).fetchall())


def test_cached_rerun_reuses_metrics_only_when_versions_match(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 20)
    db = tmp_path / "v.duckdb"
    kw = {"judge": "scripted/first=0.3", "data": str(data), "db": db, "make_report": False, "progress": False}
    first = api.evaluate("position", **kw)
    assert _versions(db, first.run_id) == {(__version__, STATS_VERSION)}
    second = api.evaluate("position", **kw)  # the identical finished run answers: nothing asked or recomputed
    assert second.run_id == first.run_id and second.stats.n_judged == 0
    assert _versions(db, second.run_id) == {(__version__, STATS_VERSION)}
    with duckdb.connect(str(db)) as con:
        # metrics written by an older statistics version must not be reused
        con.execute("UPDATE metrics SET stats_version = '0', estimate = -1")
    third = api.evaluate("position", **kw)
    assert third.run_id != first.run_id and third.stats.n_judged == 0  # a new run, answered from the cache
    assert _versions(db, third.run_id) == {(__version__, STATS_VERSION)}
    fpr = third.metrics[(third.metrics.metric == "first_position_rate") & (third.metrics.subset == "all")]
    assert fpr.iloc[0].estimate > 0.5  # recomputed, not the tampered copy


def test_run_config_keeps_the_prompt_template_text(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 5)
    res = api.evaluate("position", judge="scripted/gold", data=str(data), db=tmp_path / "t.duckdb",
                       make_report=False, progress=False)
    run = Store(tmp_path / "t.duckdb", create=False).run(res.run_id)
    tmpl = load_template(run["config"]["template"])
    assert run["config"]["template_text"] == {"system": tmpl.system, "user": tmpl.user}
