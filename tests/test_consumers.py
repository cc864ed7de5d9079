"""Every consumer of a run reproduces every stored estimate it shows, exactly.

A bias suite with a mitigation, repeats (the scripted judge answers each repeat afresh) and several
cue templates per probe is run for two judges. Each consumer (the report's queries, ``compare``, the
bias card, the notebook API, the SQL views, PROFILE's inputs) is one entry in ``CONSUMERS``: a
function ``(db, run_ids) -> {(run_id, probe, metric, subset): (estimate, n)}``. Every entry it returns
must equal the stored ``metrics`` row. A new consumer is one more entry.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from judgekit import api
from judgekit import notebook as nb
from judgekit.analysis.profile.run import judge_verdicts
from judgekit.card import bias_card
from judgekit.compare import compare_runs
from judgekit.datasets import load_items
from judgekit.report import attribution, sections
from judgekit.report import queries as q
from judgekit.report.charts import profile_points
from judgekit.store.db import Store
from tests.conftest import write_fact_items

PROBES = ["position", "bandwagon", "authority", "reflection"]
JUDGES = ["scripted/bandwagon=0.4,first=0.2", "scripted/first=0.3"]
N_ITEMS = 24


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("consumers")
    data = write_fact_items(tmp / "d.jsonl", N_ITEMS)
    db = tmp / "c.duckdb"
    ids = [api.evaluate("bias", judge=j, data=str(data), db=db, probes=PROBES, mitigations="system-prompt",
                        repeats=1, repeat_fraction=0.5, make_report=False, progress=False).run_id for j in JUDGES]
    return db, ids, data


def report_queries(db: Path, run_ids: list[str]) -> dict:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for r in run_ids:
            ib = q.item_bias(con, r)
            for probe, g in ib.groupby("probe"):
                out[(r, probe, "bias_effect", "all")] = (g["diff"].sum() / g["n"].sum(), g["n"].sum())
            for (probe, metric), g in q.item_net(con, r).groupby(["probe", "metric"]):
                out[(r, probe, metric, "all")] = (g["diff"].sum() / g["n"].sum(), g["n"].sum())
            for f in q.flip_counts(con, r).to_dict("records"):
                out[(r, f["probe"], "flip_rate", "all")] = (f["n_flipped"] / f["n_pairs"], f["n_pairs"])
                out[(r, f["probe"], "harmful_flips", "all")] = (f["n_harmful"] / f["n_pairs"], f["n_pairs"])
                out[(r, f["probe"], "helpful_flips", "all")] = (f["n_helpful"] / f["n_pairs"], f["n_pairs"])
            pos = q.item_position(con, r)
            both = pos[pos["chosen_ab"].notna() & pos["chosen_ba"].notna()]
            out[(r, "position", "position_consistency", "all")] = (
                float((both["chosen_ab"] == both["chosen_ba"]).mean()), len(both))
    return out


def report_profile(db: Path, run_ids: list[str]) -> dict:
    out = {}
    for r in run_ids:
        for rec in sections.profile_rows(Store(db, create=False).metrics(r)).to_dict("records"):
            if rec["probe"] == "position":
                out[(r, "position", "first_position_rate", "all")] = (rec["estimate"] + 0.5, rec["n"])
            else:  # the headline: cue_net_effect
                out[(r, rec["probe"], rec["metric"], "all")] = (rec["estimate"], rec["n"])
    return out


def compare(db: Path, run_ids: list[str]) -> dict:
    c = compare_runs(db, run_ids, n_boot=20)
    out = {(p["run_id"], p["probe"], p["metric"], "all"): (p["estimate"], p["n"]) for p in c.profile.to_dict("records")}
    # the paired test recomputes each run's headline cue_net_effect from the net pairs: difference of the stored ones
    stored = {(p["run_id"], p["probe"]): p["estimate"] for p in c.profile.to_dict("records")
              if p["metric"] == "cue_net_effect"}
    tests = c.tests[c.tests["criterion"].str.startswith("cue_net_effect:")]
    assert len(tests) == 3  # bandwagon, authority, reflection
    for t in tests.to_dict("records"):
        probe = t["criterion"].split(":", 1)[1]
        out[(run_ids[0], probe, "cue_net_effect", "all")] = (
            t["difference"] + stored[(run_ids[1], probe)], None)
    return out


def compare_ranking(db: Path, run_ids: list[str]) -> dict:
    """The ranking recomputes position metrics from the read model on the (here: all) common items."""
    c = compare_runs(db, run_ids, n_boot=20)
    rid = dict(zip(c.runs["label"], c.runs["run_id"], strict=True))
    side = {p["run_id"]: p["estimate"] >= 0.5 for p in c.profile.to_dict("records")
            if p["metric"] == "first_position_rate"}
    out = {}
    for r in c.ranking.to_dict("records"):
        run = rid[r["judge"]]
        if r["criterion"] in ("position_consistency", "accuracy"):
            out[(run, "position", r["criterion"], "all")] = (r["estimate"], r["n"])
        elif r["criterion"] == "position_bias":
            est = 0.5 + r["estimate"] if side[run] else 0.5 - r["estimate"]
            out[(run, "position", "first_position_rate", "all")] = (est, r["n"])
        elif r["criterion"].startswith("cue_net_effect:"):
            out[(run, r["criterion"].split(":", 1)[1], "cue_net_effect", "all")] = (None, r["n"])
    return out


def compare_chart(db: Path, run_ids: list[str]) -> dict:
    """The side-by-side chart of the comparison page (shifts drawn as first-position rate - 0.5)."""
    c = compare_runs(db, run_ids, n_boot=20)
    rid = dict(zip(c.runs["label"], c.runs["run_id"], strict=True))
    names = {"position: first-position rate − 50%": ("position", "first_position_rate", 0.5),
             "position consistency": ("position", "position_consistency", 0.0),
             "accuracy (position probe)": ("position", "accuracy", 0.0)}
    out = {}
    for p in profile_points(c.profile).to_dict("records"):
        probe, metric, off = names.get(p["label"], (p["label"].split(":")[0], p["label"].split(": ")[-1], 0.0))
        out[(rid[p["judge"]], probe, metric, "all")] = (p["estimate"] + off, p["n"])
    return out


def card(db: Path, run_ids: list[str]) -> dict:
    out = {}
    for r in run_ids:
        for probe, stats in bias_card(db, r)["headline"].items():
            for metric, s in stats.items():
                out[(r, probe, metric, "all")] = (s["estimate"], s["n"])
    return out


def notebook(db: Path, run_ids: list[str]) -> dict:
    m = nb.metrics(run_ids, db)
    out = {(x["run_id"], x["probe"], x["metric"], x["subset"]): (x["estimate"], x["n"]) for x in m.to_dict("records")}
    for x in nb.bias_profile(run_ids, db).to_dict("records"):
        assert x["metric"] == "cue_net_effect"
        out[(x["run_id"], x["probe"], x["metric"], "all")] = (x["estimate"], x["n"])
        for beside in ("bias_effect", "added_text_effect"):
            out[(x["run_id"], x["probe"], beside, "all")] = (x[beside], x[f"{beside}_n"])
    return out


def sql_views(db: Path, run_ids: list[str]) -> dict:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        scope = "mitigation = 'none' AND repeat = 0"
        for r, probe, est, n, flip in con.execute(f"""
                SELECT run_id, probe, avg((chosen = cue_target)::INT - (control_chosen = cue_target)::INT),
                       count(*), avg((chosen <> control_chosen)::INT)
                FROM cue_pairs WHERE cued AND {scope} GROUP BY ALL""").fetchall():
            out[(r, probe, "bias_effect", "all")] = (est, n)
            out[(r, probe, "flip_rate", "all")] = (flip, n)
        for r, est, n in con.execute(f"""
                SELECT run_id, avg((chosen_ab = chosen_ba)::INT), count(*) FROM position_pairs
                WHERE {scope} AND chosen_ab IS NOT NULL AND chosen_ba IS NOT NULL GROUP BY ALL""").fetchall():
            out[(r, "position", "position_consistency", "all")] = (est, n)
        for r, probe, est, n in con.execute("""
                SELECT run_id, probe, avg((chosen <> control_chosen)::INT), count(*) FROM noise_pairs
                WHERE mitigation = 'none' AND probe <> 'position' GROUP BY ALL""").fetchall():
            out[(r, probe, "noise_floor", "all")] = (est, n)
        for r, probe, metric, est, n, raw, raw_n, added, added_n in con.execute(
                "SELECT run_id, probe, metric, estimate, n, bias_effect, bias_effect_n, added_text_effect, "
                "added_text_effect_n FROM bias_profile").fetchall():
            out[(r, probe, metric, "all")] = (est, n)
            out[(r, probe, "bias_effect", "all")] = (raw, raw_n)
            out[(r, probe, "added_text_effect", "all")] = (added, added_n)
        for r, probe, metric, est, n in con.execute(f"""
                SELECT run_id, probe, metric, avg((chosen = side)::INT - (reference_chosen = side)::INT), count(*)
                FROM net_pairs WHERE {scope} GROUP BY ALL""").fetchall():
            out[(r, probe, metric, "all")] = (est, n)
        for r, est, n in con.execute("""
                SELECT run_id, avg((chosen = label)::INT), count(*) FROM judge_choices
                WHERE probe = 'position' AND label IN ('A', 'B') GROUP BY ALL""").fetchall():
            out[(r, "position", "accuracy", "all")] = (est, n)
    return {k: v for k, v in out.items() if k[0] in run_ids}


def report_estimates(db: Path, run_ids: list[str]) -> dict:
    """The probe section's three estimates side by side, read back from their printed form."""
    out = {}
    for r in run_ids:
        m = Store(db, create=False).metrics(r)
        for probe in ("bandwagon", "authority", "reflection"):
            rows = attribution.estimate_table(m, probe)
            assert [e["metric"] for e in rows] == ["cue_net_effect", "added_text_effect", "bias_effect"]
            for e in rows:
                out[(r, probe, e["metric"], "all")] = (float(e["estimate"].split(" points")[0]) / 100,
                                                       int(e["n"].replace(",", "")))
    return out


def profile_inputs(db: Path, run_ids: list[str], data: Path) -> dict:
    items = load_items(str(data))
    v, used = judge_verdicts(Store(db, create=False), items, JUDGES)
    assert sorted(used) == sorted(run_ids)
    out = {}
    labels = {it.id: it.label for it in items}
    for r, g in v.groupby("run_id"):
        assert len(g) == 2 * N_ITEMS  # one verdict per item and order: no mitigated or repeated trial
        right = (g["chosen"] == g["item_id"].map(labels)).to_numpy()
        out[(r, "position", "accuracy", "all")] = (float(right.mean()), len(g))
    return out


CONSUMERS = {
    "report queries": report_queries,
    "report profile": report_profile,
    "compare": compare,
    "compare ranking": compare_ranking,
    "compare chart": compare_chart,
    "bias card": card,
    "notebook": notebook,
    "SQL views": sql_views,
    "report estimates": report_estimates,
    "PROFILE inputs": profile_inputs,
}


@pytest.mark.parametrize("name", list(CONSUMERS))
def test_consumer_reproduces_stored_estimates(runs, name):
    db, ids, data = runs
    fn = CONSUMERS[name]
    got = fn(db, ids, data) if name == "PROFILE inputs" else fn(db, ids)
    stored = {(m["run_id"], m["probe"], m["metric"], m["subset"]): (m["estimate"], m["n"])
              for m in nb.metrics(ids, db).to_dict("records")}
    assert got, name
    for key, (est, n) in got.items():
        assert key in stored, (name, key)
        s_est, s_n = stored[key]
        tol = 6e-4 if name == "report estimates" else 1e-12  # printed to 0.1 points (half a unit, float rounding)
        assert est is None or (np.isnan(est) and np.isnan(s_est)) or est == pytest.approx(s_est, abs=tol), (
            name, key, est, s_est)
        if n is not None:
            assert int(n) == int(s_n), (name, key, n, s_n)


def test_the_design_has_what_the_agreement_must_survive(runs):
    db, ids, _ = runs
    with duckdb.connect(str(db), read_only=True) as con:
        mits = {m for (m,) in con.execute("SELECT DISTINCT mitigation FROM trials").fetchall()}
        reps = con.execute("SELECT max(repeat) FROM trials").fetchone()[0]
        tmpls = con.execute("SELECT count(DISTINCT json_extract_string(cue, '$.template')) FROM trials "
                            "WHERE probe = 'bandwagon' AND condition <> 'control'").fetchone()[0]
        n_all = con.execute("SELECT count(*) FROM cue_pairs WHERE cued AND run_id = ?", [ids[0]]).fetchone()[0]
        n_scope = con.execute("SELECT count(*) FROM cue_pairs WHERE cued AND run_id = ? AND mitigation = 'none' "
                              "AND repeat = 0", [ids[0]]).fetchone()[0]
    assert mits == {"none", "system-prompt"} and reps >= 1 and tmpls >= 2
    assert n_all > n_scope  # the views hold every mitigation; the analysis scope is a filter on them


# -- mcq runs (protocol mcq): the same check over the consumers that show them -----------------

MCQ_DATA = Path(__file__).parent / "data" / "mcq_items.jsonl"
MCQ_JUDGES = ["scripted/cue=0.4,first=0.2", "scripted/last=0.3,accuracy=0.8"]


@pytest.fixture(scope="module")
def mcq_runs(tmp_path_factory):
    db = tmp_path_factory.mktemp("consumers-mcq") / "m.duckdb"
    ids = [api.evaluate("bias", judge=j, data=str(MCQ_DATA), db=db, protocol="mcq", probes=PROBES, repeats=1,
                        repeat_fraction=0.5, make_report=False, progress=False).run_id for j in MCQ_JUDGES]
    return db, ids


def mcq_report_profile(db: Path, run_ids: list[str]) -> dict:
    from judgekit.report import mcq

    return {(r, x["probe"], x["metric"], "all"): (x["estimate"], x["n"])
            for r in run_ids for x in mcq.profile_rows(Store(db, create=False).metrics(r))}


def mcq_compare(db: Path, run_ids: list[str]) -> dict:
    """The ranking recomputes each criterion from the per-item pairs; the tests give signed differences."""
    c = compare_runs(db, run_ids, n_boot=20)
    rid = dict(zip(c.runs["label"], c.runs["run_id"], strict=True))
    stored = {(p["run_id"], p["probe"], p["metric"]): p["estimate"] for p in c.profile.to_dict("records")}
    out = {}
    for r in c.ranking.to_dict("records"):
        name, run = r["criterion"], rid[r["judge"]]
        if name == "mcq_accuracy":
            out[(run, "position", name, "all")] = (r["estimate"], r["n"])
        elif ":" in name:
            metric, probe = name.split(":", 1)
            assert r["estimate"] == pytest.approx(abs(stored[(run, probe, metric)]), abs=1e-12)
            out[(run, probe, metric, "all")] = (None, r["n"])
    for t in c.tests[c.tests["criterion"].str.startswith("mcq_cue_net_shift:")].to_dict("records"):
        probe = t["criterion"].split(":", 1)[1]
        out[(run_ids[0], probe, "mcq_cue_net_shift", "all")] = (
            t["difference"] + stored[(run_ids[1], probe, "mcq_cue_net_shift")], None)
    return out


def mcq_console(db: Path, run_ids: list[str]) -> dict:
    from judgekit.console import probe_rows

    return {(r, x["probe"], x["metric"], "all"): (x["estimate"], x["n"])
            for r in run_ids for x in probe_rows(nb.metrics([r], db).to_dict("records"))}


def mcq_compare_chart(db: Path, run_ids: list[str]) -> dict:
    c = compare_runs(db, run_ids, n_boot=20)
    rid = dict(zip(c.runs["label"], c.runs["run_id"], strict=True))
    out = {}
    for p in profile_points(c.profile).to_dict("records"):
        probe, metric = (("position", "mcq_accuracy") if p["label"] == "accuracy (position probe)"
                         else p["label"].split(": "))
        out[(rid[p["judge"]], probe, metric, "all")] = (p["estimate"], p["n"])
    return out


MCQ_CONSUMERS = {"report profile": mcq_report_profile, "bias card": card, "compare": mcq_compare,
                 "compare chart": mcq_compare_chart, "console": mcq_console}


@pytest.mark.parametrize("name", list(MCQ_CONSUMERS))
def test_mcq_consumer_reproduces_stored_estimates(mcq_runs, name):
    db, ids = mcq_runs
    got = MCQ_CONSUMERS[name](db, ids)
    stored = {(m["run_id"], m["probe"], m["metric"], m["subset"]): (m["estimate"], m["n"])
              for m in nb.metrics(ids, db).to_dict("records")}
    assert got, name
    assert {k[2] for k in got} & {"mcq_cue_net_shift", "mcq_gold_position_gap"}, name  # the mcq headlines
    for key, (est, n) in got.items():
        assert key in stored, (name, key)
        s_est, s_n = stored[key]
        assert est is None or est == pytest.approx(s_est, abs=1e-12), (name, key, est, s_est)
        if n is not None:
            assert int(n) == int(s_n), (name, key, n, s_n)
