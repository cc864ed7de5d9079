"""The read model: the analysis units of :mod:`judgekit.stats.design` as SQL, generated once.

The same generator gives the public views (``CREATE VIEW cue_pairs AS ...`` in
:mod:`judgekit.store.schema`, shown verbatim in docs/sql.md) and the run-scoped queries of
the report, ``compare``, the bias card and PROFILE (the same SELECT over the base tables
filtered to one run, so older databases without the views work unchanged). Columns follow
the statistics' frames: ``choice`` is the presented position, ``chosen``, ``label`` and
``cue_target`` are original letters, the control verdict of a pair has the prefix ``control_``.

* :func:`slim` : one row per verdict, no text column, cue fields pulled out of the JSON.
* :func:`cells` : the design cells (errors dropped, the first trial of a cell kept).
* :func:`cue_pairs` : every cue pair of every mitigation and repeat, with ``cued``.
* :func:`net_pairs` : every net pair (``added_text_effect``: neutral vs control;
  ``cue_net_effect``: cue vs neutral), with ``side`` and the reference verdict as ``reference_*``.
* :func:`position_pairs` : one row per (run, mitigation, repeat, item) of the position probe.
* :func:`judge_choices` : a run's own valid control verdicts in the analysis scope.
* :func:`noise_pairs` : repeat-0 vs repeat-k control verdicts.

Consumers take the analysis scope (mitigation ``none``, repeat 0) with :func:`scoped`.
"""

from __future__ import annotations

from judgekit.stats.design import (
    BASELINE,
    CELL,
    CONTROL,
    CUE_PREFIX,
    IRRELEVANT,
    NET_KEY,
    NET_PAIRS,
    NEUTRAL_PREFIXES,
    NEUTRAL_PROBES,
    PAIR,
    POSITION,
    SIDE_SUFFIXES,
    TARGETS,
    VALID,
    headline_metric,
)

_VALID_SQL = "(" + ", ".join(f"'{v}'" for v in VALID) + ")"
_TARGETS_SQL = "(" + ", ".join(f"'{v}'" for v in TARGETS) + ")"


def _q(col: str) -> str:
    return f'"{col}"' if col == "order" else col


def _cols(cols: tuple[str, ...], alias: str = "") -> str:
    return ", ".join(f"{alias}{_q(c)}" for c in cols)


def _on(cols: tuple[str, ...], a: str, b: str) -> str:
    return " AND ".join(f"{a}.{_q(c)} = {b}.{_q(c)}" for c in cols)


def slim(where: str = "") -> str:
    """One row per verdict of the base tables (no texts); ``where`` filters (e.g. ``v.run_id = ?``)."""
    return f"""SELECT v.run_id, v.trial_id, t.item_id, t.probe, t.condition, t."order", t.repeat,
       coalesce(t.mitigation, '{BASELINE}') AS mitigation,
       i.label, i.kind, i.category, i.source, t.gold_position,
       json_extract_string(t.cue, '$.target') AS cue_target,
       json_extract_string(t.cue, '$.template') AS template,
       json_extract_string(t.cue, '$.placement') AS placement,
       v.choice, v.chosen, v.correct, v.p_a, v.p_b, v.error IS NOT NULL AS failed,
       v.input_tokens, v.output_tokens, v.latency_s, v.cost_usd, v.cached, v.created_at
FROM verdicts v
JOIN trials t ON t.run_id = v.run_id AND t.trial_id = v.trial_id
JOIN items i ON i.run_id = t.run_id AND i.item_id = t.item_id{' WHERE ' + where if where else ''}"""


def cells(source: str = "verdict_slim") -> str:
    """The design cells of ``source``: failed calls dropped, the first trial of each cell kept."""
    part = ", ".join("coalesce(placement, '')" if c == "placement" else _q(c) for c in CELL)
    return f"""SELECT * FROM {source} WHERE choice <> 'error'
QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY trial_id) = 1"""


def _with(source: str) -> str:
    return f"""WITH cells AS (
{cells(source)}),
valid AS (SELECT * FROM cells WHERE choice IN {_VALID_SQL})"""


def cue_pairs(source: str = "verdict_slim") -> str:
    """Every cue pair: a valid cued verdict and the valid control of its (run, probe, mitigation, item, order)."""
    return f"""{_with(source)}
SELECT c.run_id, c.probe, c.mitigation, c.repeat, c.item_id, c."order", c.condition, c.template, c.placement,
       c.kind, c.label, c.cue_target, c.trial_id, c.choice, c.chosen, c.correct,
       k.trial_id AS control_trial_id, k.choice AS control_choice, k.chosen AS control_chosen,
       k.correct AS control_correct,
       (c.cue_target IN {_TARGETS_SQL} AND NOT starts_with(c.condition, '{IRRELEVANT}')) AS cued
FROM valid c
JOIN valid k ON k.condition = '{CONTROL}' AND {_on(PAIR, 'k', 'c')} AND k.repeat = c.repeat
WHERE c.condition <> '{CONTROL}' AND c.probe <> '{POSITION}'"""


def _side_sql(alias: str) -> str:
    """The side of a neutral verdict (:data:`judgekit.stats.design.SIDE_SUFFIXES`) as a SQL expression."""
    swap = f"CASE {alias}.label WHEN 'A' THEN 'B' WHEN 'B' THEN 'A' END"
    label = f"CASE WHEN {alias}.label IN {_TARGETS_SQL} THEN {{}} END"
    whens = " ".join(
        f"WHEN ends_with({alias}.condition, '_{suffix}') THEN "
        + (f"'{side}'" if side in TARGETS else label.format(f"{alias}.label" if side == "label" else swap))
        for suffix, side in SIDE_SUFFIXES.items())
    return f"CASE {whens} END"


def net_pairs(source: str = "verdict_slim") -> str:
    """Every net pair: ``metric``, the compared verdict, its ``side`` and the reference verdict (``reference_*``)."""
    neutral = " OR ".join(f"starts_with(condition, '{p}')" for p in NEUTRAL_PREFIXES)
    arms = {
        "control": f"SELECT *, NULL::VARCHAR AS side FROM valid WHERE condition = '{CONTROL}'",
        "neutral": f"SELECT * FROM (SELECT *, {_side_sql('valid')} AS side FROM valid "
                   f"WHERE probe <> '{POSITION}' AND ({neutral})) WHERE side IN {_TARGETS_SQL}",
        "cue": f"SELECT *, cue_target AS side FROM valid WHERE starts_with(condition, '{CUE_PREFIX}') "
               f"AND cue_target IN {_TARGETS_SQL} AND probe <> '{POSITION}'",
    }
    keyed = tuple(c for c in NET_KEY if c not in ("placement", "side"))

    def on(ref: str) -> str:
        cond = [_on(keyed, "r", "x"), "r.repeat = x.repeat"]
        if ref != CONTROL:
            cond += ["coalesce(r.placement, '') = coalesce(x.placement, '')", "r.side = x.side"]
        return " AND ".join(cond)

    selects = [f"""SELECT '{metric}' AS metric, x.run_id, x.probe, x.mitigation, x.repeat, x.item_id, x."order",
       x.placement, x.side, x.kind, x.label, x.condition, x.trial_id, x.chosen,
       r.condition AS reference_condition, r.trial_id AS reference_trial_id, r.chosen AS reference_chosen
FROM {arm} x
JOIN {ref} r ON {on(ref)}""" for metric, arm, ref in NET_PAIRS]
    ctes = ",\n".join(f"{name} AS ({sql})" for name, sql in arms.items())
    return f"{_with(source)},\n{ctes}\n" + "\nUNION ALL\n".join(selects)


def position_pairs(source: str = "verdict_slim") -> str:
    """Per (run, mitigation, repeat, item) of the position probe: each order's verdict (nulls when missing)."""
    return f"""{_with(source)}
SELECT run_id, mitigation, repeat, item_id, any_value(label) AS label, any_value(kind) AS kind,
       max(chosen) FILTER (WHERE "order" = 'AB') AS chosen_ab, max(chosen) FILTER (WHERE "order" = 'BA') AS chosen_ba,
       max(choice) FILTER (WHERE "order" = 'AB') AS choice_ab, max(choice) FILTER (WHERE "order" = 'BA') AS choice_ba,
       bool_and(correct) FILTER (WHERE "order" = 'AB') AS correct_ab,
       bool_and(correct) FILTER (WHERE "order" = 'BA') AS correct_ba
FROM valid WHERE probe = '{POSITION}' AND condition = '{CONTROL}'
GROUP BY run_id, mitigation, repeat, item_id"""


def judge_choices(source: str = "verdict_slim") -> str:
    """A run's own judge choices: valid control verdicts, mitigation none, repeat 0."""
    return f"""{_with(source)}
SELECT run_id, probe, item_id, "order", trial_id, choice, chosen, correct, label, kind
FROM valid WHERE condition = '{CONTROL}' AND mitigation = '{BASELINE}' AND repeat = 0"""


def noise_pairs(source: str = "verdict_slim") -> str:
    """A valid repeat-0 control verdict joined with each valid repeat-k (k > 0) control of the same cell key."""
    return f"""{_with(source)}
SELECT r.run_id, r.probe, r.mitigation, r.item_id, r."order", r.repeat, r.trial_id, r.choice, r.chosen,
       k.trial_id AS control_trial_id, k.choice AS control_choice, k.chosen AS control_chosen
FROM valid r
JOIN valid k ON k.repeat = 0 AND k.condition = '{CONTROL}' AND {_on(PAIR, 'k', 'r')}
WHERE r.repeat > 0 AND r.condition = '{CONTROL}'"""


#: view name -> generator, in creation order (each reads ``verdict_slim``).
UNIT_VIEWS = {"cue_pairs": cue_pairs, "net_pairs": net_pairs, "position_pairs": position_pairs,
              "judge_choices": judge_choices, "noise_pairs": noise_pairs}


#: estimates shown beside each probe's headline in ``bias_profile`` (column prefix = metric name)
BESIDE = ("bias_effect", "added_text_effect")


def bias_profile() -> str:
    """One row per (run, cue probe): its headline metric (:func:`judgekit.stats.design.headline_metric`)
    with interval, n, p and adjusted p, and the estimates of :data:`BESIDE` beside it."""
    probes = ", ".join(f"'{p}'" for p in NEUTRAL_PROBES)
    beside = ",\n       ".join(f"{a}.estimate AS {a}, {a}.ci_low AS {a}_ci_low, {a}.ci_high AS {a}_ci_high, "
                                f"{a}.n AS {a}_n, {a}.p_adjusted AS {a}_p_adjusted" for a in BESIDE)
    joins = "\n".join(f"LEFT JOIN metrics {a} ON {a}.run_id = m.run_id AND {a}.probe = m.probe "
                       f"AND {a}.metric = '{a}' AND {a}.subset = 'all'" for a in BESIDE)
    return f"""SELECT m.run_id, r.judge, r.dataset, m.probe, m.metric, m.estimate, m.ci_low, m.ci_high, m.n, m.p_value,
       m.p_adjusted, m.note,
       {beside}
FROM metrics m JOIN runs r USING (run_id)
{joins}
WHERE m.subset = 'all' AND m.probe <> '{POSITION}'
  AND m.metric = CASE WHEN m.probe IN ({probes}) THEN '{headline_metric(NEUTRAL_PROBES[0])}' ELSE 'bias_effect' END"""


def view_sql() -> str:
    """The ``CREATE VIEW`` statements of the read model (docs/sql.md shows exactly this)."""
    parts = [f"CREATE OR REPLACE VIEW verdict_slim AS\n{slim()};"]
    parts += [f"CREATE OR REPLACE VIEW {name} AS\n{gen()};" for name, gen in UNIT_VIEWS.items()]
    return "\n\n".join(parts) + "\n"


def for_run(unit: str) -> str:
    """The unit's SELECT over the base tables of one run (one ``?`` parameter: the run id)."""
    return UNIT_VIEWS[unit](f"({slim('v.run_id = ?')})")


def scoped(unit: str, mitigation: str = BASELINE, repeat: int = 0) -> str:
    """The unit of one run in one scope (parameter: the run id); the analysis scope by default."""
    return (f"SELECT * FROM ({for_run(unit)}) WHERE mitigation = '{mitigation}' AND repeat = {int(repeat)}")
