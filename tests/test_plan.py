"""The suite spec (validation, defaults honoured) and the one plan behind eval, --dry-run and judge."""

from __future__ import annotations

import math

import pytest

from judgekit import api, dryrun
from judgekit.analysis.icai.demo import icai_demo_judge
from judgekit.datasets import load_items
from judgekit.debias import judge_pairs
from judgekit.judges.scripted import ScriptedJudge
from judgekit.plan import SpecError, available_suites, judge_suite, load_suite, make_plan
from judgekit.plan.spec import DEFAULT_KEYS, probe_option_names
from judgekit.resources import data_dir
from judgekit.store.db import Store
from judgekit.types import JudgeOutput
from tests.conftest import write_fact_items


def _suite(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- validation -------------------------------------------------------------------------------

def test_every_bundled_suite_is_valid_and_declares_its_kind_and_version():
    for name in available_suites():
        spec = load_suite(name)
        assert spec.version == 1 and spec.kind in ("probe", "profile", "icai"), name
        text = spec.path.read_text(encoding="utf-8")
        assert "version: 1" in text and f"kind: {spec.kind}" in text, name
    assert load_suite("icai").kind == "icai" and load_suite("profile").kind == "profile"


@pytest.mark.parametrize("body, message", [
    ("probes: [position]\nprobe_opts: {}\n", "s.yaml: unknown key 'probe_opts'"),
    ("probes: [bandwagon]\nprobe_options:\n  bandwagon: {placment: user}\n",
     "s.yaml: probe_options.bandwagon: unknown option 'placment' (valid: cues, placement)"),
    ("probes: [position]\nprobe_options:\n  bandwagon: {placement: user}\n",
     "s.yaml: probe_options.bandwagon: not a probe of this suite"),
    ("probes: [positon]\n", "s.yaml: probes: unknown probe 'positon'"),
    ("probes: []\n", "s.yaml: probes: a probe suite needs at least one probe"),
    ("kind: survey\nprobes: [position]\n", "s.yaml: kind: unknown kind 'survey'"),
    ("version: 2\nprobes: [position]\n", "s.yaml: version: unsupported spec version 2"),
    ("probes: [position]\ndefaults: {repeat: 2}\n", "s.yaml: defaults: unknown key 'repeat' for a probe suite"),
    ("probes: [position]\ndefaults: {repeats: many}\n", "s.yaml: defaults.repeats: expected int, got 'many'"),
    ("kind: icai\ndefaults: {principles: 3}\n", "s.yaml: defaults: unknown key 'principles' for a icai suite"),
    ("analysis: icai\n", "s.yaml: unknown key 'analysis'"),
    ("- position\n", "s.yaml: a suite file must be a mapping"),
])
def test_spec_errors_name_the_file_and_the_key(tmp_path, body, message):
    with pytest.raises(SpecError) as e:
        load_suite(str(_suite(tmp_path, body)))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_probe_options_are_the_probe_functions_keywords():
    assert probe_option_names("bandwagon") == ["cues", "placement"]
    assert probe_option_names("position") == ["orders"]
    assert "one_placement_per_item" in probe_option_names("reflection")
    assert set(DEFAULT_KEYS["icai"]) == set(load_suite("icai").defaults)


def test_mitigation_files_are_validated(tmp_path):
    from judgekit.mitigations import load_mitigation

    path = _suite(tmp_path, "name: x\nkind: aggregate\nfold: 3\n", "x.yaml")
    with pytest.raises(ValueError, match="unknown key 'fold' for a aggregate mitigation"):
        load_mitigation(str(path))


# ---- defaults written in the YAML are the ones used --------------------------------------------

def test_run_defaults_of_the_suite_are_used(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 20)
    path = _suite(tmp_path, "name: mine\nkind: probe\nprobes: [position]\ndefaults: {repeats: 3, repeat_fraction: 1.0}"
                            "\nprobe_options:\n  position: {orders: [AB]}\n")
    items = load_items(str(data))
    plan = make_plan(load_suite(str(path)), items, "d", stochastic=True)
    assert (plan.repeats, plan.repeat_fraction) == (3, 1.0)
    assert len(plan.trials) == 20 * 4 and {t.order for t in plan.trials} == {"AB"}
    # a deterministic judge gets no repeats unless they are asked for
    assert make_plan(load_suite(str(path)), items, "d", stochastic=False).repeats == 0
    assert make_plan(load_suite(str(path)), items, "d", stochastic=False, repeats=1).repeats == 1


def test_icai_principles_k_and_test_fraction_come_from_the_suite_file(tmp_path):
    base = load_suite("icai").path.read_text(encoding="utf-8")
    text = base.replace("principles_k: 5", "principles_k: 2").replace("test_fraction: 0.3", "test_fraction: 0.5")
    assert text != base
    path = _suite(tmp_path, text, "icai2.yaml")
    res = api.evaluate(str(path), judge_obj=icai_demo_judge(), data=str(data_dir() / "icai_synthetic.jsonl"),
                       db=tmp_path / "i.duckdb", out=tmp_path, progress=False)
    assert res["config"]["principles_k"] == 2 and res["config"]["test_fraction"] == 0.5
    assert 0 < len(res["constitution"]) <= 2
    n = res["n_train"] + res["n_test"]
    assert abs(res["n_test"] - n * 0.5) <= 1
    # given explicitly, the argument wins over the file
    assert api.icai(judge=icai_demo_judge(), db=tmp_path / "i.duckdb", out=tmp_path, progress=False,
                    principles=1)["config"]["principles_k"] == 1


def _prior(req, gold, rng):
    z = (2.0 if gold == "A" else -2.0) + 1.5 + rng.gauss(0, 1)  # the prior varies, so folds estimate it apart
    p = 1 / (1 + math.exp(-z))
    return JudgeOutput(choice="A" if p > 0.5 else "B", p_a=p, p_b=1 - p, raw="A")


def test_calibrate_folds_come_from_its_file(tmp_path, monkeypatch):
    import judgekit.mitigations as mitigations
    from judgekit.stats.mitigation import calibrate

    data = write_fact_items(tmp_path / "d.jsonl", 60)
    res = api.evaluate("position", judge_obj=ScriptedJudge(load_items(str(data)), policy=_prior), data=str(data),
                       db=tmp_path / "c.duckdb", make_report=False, progress=False)
    v = api.verdicts(res.run_id, db=tmp_path / "c.duckdb")
    two, five = calibrate(v, folds=2), calibrate(v, folds=5)
    assert not two["p_a"].round(12).equals(five["p_a"].round(12))
    (tmp_path / "suites" / "mitigations").mkdir(parents=True)
    (tmp_path / "suites" / "mitigations" / "calibrate.yaml").write_text("name: calibrate\nkind: aggregate\nfolds: 2\n")
    monkeypatch.setattr(mitigations, "suites_dir", lambda: tmp_path / "suites")
    mitigations.load_mitigation.cache_clear()
    try:
        assert calibrate(v)["p_a"].round(12).equals(two["p_a"].round(12))
    finally:
        mitigations.load_mitigation.cache_clear()


# ---- one plan: eval, --dry-run and judge run the same trials ------------------------------------

def _stored_trials(db, run_id):
    df = Store(db, create=False).query('SELECT trial_id, first, second, gold_position, mitigation FROM trials '
                                       'WHERE run_id = ? ORDER BY trial_id', [run_id])
    return list(df.itertuples(index=False, name=None))


def _planned(trials):
    return sorted((t.trial_id, t.first, t.second, t.gold_position, t.mitigation) for t in trials)


def _dry_trials(monkeypatch, suite, **kwargs):
    seen = {}
    real = dryrun.dry_run

    def spy(judge, trials, **kw):
        seen["trials"] = list(trials)
        return real(judge, trials, **kw)

    monkeypatch.setattr(dryrun, "dry_run", spy)
    out = api.dry_run(suite, **kwargs)
    assert out["n_trials"] == len(seen["trials"])
    return seen["trials"]


def test_eval_dry_run_and_judge_run_the_same_plan(tmp_path, monkeypatch):
    data = str(write_fact_items(tmp_path / "d.jsonl", 12))
    db = tmp_path / "p.duckdb"
    common = {"judge": "scripted/gold", "data": data, "db": db, "seed": 3, "mitigations": "swap"}
    res = api.evaluate("position", make_report=False, progress=False, **common)
    evaluated = _stored_trials(db, res.run_id)
    dry = _planned(_dry_trials(monkeypatch, "position", **common))
    judged = judge_pairs(data, judge="scripted/gold", mitigations="swap", db=db, seed=3, progress=False)
    assert evaluated == dry == _stored_trials(db, judged["run_id"].iloc[0])
    assert len(evaluated) == 24


def test_cue_suite_with_mitigations_and_repeats_plans_alike(tmp_path, monkeypatch):
    data = str(write_fact_items(tmp_path / "d.jsonl", 10))
    db = tmp_path / "p.duckdb"
    common = {"judge": "scripted/gold", "data": data, "db": db, "seed": 1, "mitigations": "system-prompt,swap",
              "repeats": 1, "repeat_fraction": 0.5, "probes": ["position", "bandwagon"]}
    res = api.evaluate("bias", make_report=False, progress=False, **common)
    evaluated = _stored_trials(db, res.run_id)
    assert evaluated == _planned(_dry_trials(monkeypatch, "bias", **common))
    assert {m for *_, m in evaluated} == {"none", "system-prompt"}
    assert any(t.split("|")[4] == "1" for t, *_ in evaluated)  # repeats were planned


def test_judge_composes_trial_mitigations_on_its_one_copy(tmp_path):
    data = str(write_fact_items(tmp_path / "d.jsonl", 8))
    db = tmp_path / "p.duckdb"
    judged = judge_pairs(data, judge="scripted/gold", mitigations="system-prompt,icl", db=db, progress=False)
    plan = make_plan(judge_suite(["none", "system-prompt", "icl"]), load_items(data), "d.jsonl",
                     mitigations="system-prompt,icl", mode="compose")
    assert _stored_trials(db, judged["run_id"].iloc[0]) == _planned(plan.trials)
    assert {t.mitigation for t in plan.trials} == {"system-prompt+icl"} and {t.order for t in plan.trials} == {"AB"}
