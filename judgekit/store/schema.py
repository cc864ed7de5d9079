"""The DuckDB schema: a public, documented interface (see README "DuckDB tables" and docs/sql.md)."""

from judgekit.store.queries import bias_profile, view_sql

SCHEMA_VERSION = 1

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR PRIMARY KEY,
    suite        VARCHAR NOT NULL,
    judge        VARCHAR NOT NULL,
    dataset      VARCHAR NOT NULL,
    config       JSON,
    versions     JSON,
    seed         BIGINT,
    status       VARCHAR NOT NULL,      -- running | interrupted | failed | finished
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    fingerprint  VARCHAR,               -- same command + same data => same fingerprint (resume)
    n_trials     INTEGER,
    message      VARCHAR
);

CREATE TABLE IF NOT EXISTS items (
    run_id      VARCHAR NOT NULL,
    item_id     VARCHAR NOT NULL,
    prompt      VARCHAR,
    response_a  VARCHAR,
    response_b  VARCHAR,
    label       VARCHAR,                -- A | B | tie | NULL (unknown)
    kind        VARCHAR,                -- fact | preference
    category    VARCHAR,
    source      VARCHAR,
    metadata    JSON,
    options     JSON,                   -- mcq items: the options in the dataset's order (label = gold letter)
    PRIMARY KEY (run_id, item_id)
);
ALTER TABLE items ADD COLUMN IF NOT EXISTS options JSON;

CREATE TABLE IF NOT EXISTS trials (
    run_id         VARCHAR NOT NULL,
    trial_id       VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,
    probe          VARCHAR NOT NULL,
    condition      VARCHAR NOT NULL,
    "order"        VARCHAR NOT NULL,    -- AB: response_a shown first; BA: swapped
    repeat         INTEGER NOT NULL,
    first          VARCHAR,             -- text shown in position A
    second         VARCHAR,             -- text shown in position B
    gold_position  VARCHAR,
    cue            JSON,
    request_key    VARCHAR NOT NULL,
    mitigation     VARCHAR DEFAULT 'none',
    protocol       VARCHAR DEFAULT 'pairwise',  -- pairwise | pointwise | mcq
    option_order   JSON,                -- mcq: the original option index shown at each presented slot
    PRIMARY KEY (run_id, trial_id)
);
ALTER TABLE trials ADD COLUMN IF NOT EXISTS protocol VARCHAR DEFAULT 'pairwise';
ALTER TABLE trials ADD COLUMN IF NOT EXISTS option_order JSON;

CREATE TABLE IF NOT EXISTS verdicts (
    run_id         VARCHAR NOT NULL,
    trial_id       VARCHAR NOT NULL,
    request_key    VARCHAR NOT NULL,
    choice         VARCHAR NOT NULL,    -- presented position: A | B | tie | invalid | error
    chosen         VARCHAR,             -- original response: A | B | tie | NULL
    correct        BOOLEAN,
    p_a            DOUBLE,
    p_b            DOUBLE,
    raw            VARCHAR,
    error          VARCHAR,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    latency_s      DOUBLE,
    cost_usd       DOUBLE,
    cached         BOOLEAN,
    created_at     TIMESTAMP,
    parse_rule     VARCHAR,             -- reader and rule that produced the verdict: text:label, ab-logits, ...
    p_ab_mass      DOUBLE,              -- probability readers: probability on the two letters where p_a/p_b were read
    score_first    DOUBLE,              -- pointwise: score of the response shown first (A)
    score_second   DOUBLE,              -- pointwise: score of the response shown second (B)
    PRIMARY KEY (run_id, trial_id)
);
-- databases written before these columns existed get them (at the end, in the table's order)
ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS parse_rule VARCHAR;
ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS p_ab_mass DOUBLE;
ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS score_first DOUBLE;
ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS score_second DOUBLE;

CREATE TABLE IF NOT EXISTS completions (
    request_key    VARCHAR PRIMARY KEY, -- hash of judge identity, task and messages
    task           VARCHAR NOT NULL,    -- e.g. profile-factor, icai-propose, icai-vote
    judge          VARCHAR,
    messages       JSON,
    raw            VARCHAR,
    error          VARCHAR,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    latency_s      DOUBLE,
    cost_usd       DOUBLE,
    created_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS scores (
    request_key    VARCHAR PRIMARY KEY, -- a pointwise score sub-request (judgekit/judges/pointwise.py)
    judge          VARCHAR,
    score          DOUBLE,              -- NULL when unreadable (the pair verdict is then invalid)
    parse_rule     VARCHAR,             -- score:text:<form>, score:expected, ...
    raw            VARCHAR,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    latency_s      DOUBLE,
    cost_usd       DOUBLE,
    created_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS debiased (
    item_id        VARCHAR,
    verdict        VARCHAR,             -- original response: A | B | tie | invalid
    p_a            DOUBLE,              -- probability of the original response A after mitigation
    p_b            DOUBLE,
    mitigations    VARCHAR,
    verdict_ab     VARCHAR,             -- the unaggregated verdicts of each order (original letters)
    verdict_ba     VARCHAR,
    input_tokens   DOUBLE,
    output_tokens  DOUBLE,
    cost_usd       DOUBLE,
    run_id         VARCHAR,
    created_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS metrics (
    run_id       VARCHAR NOT NULL,
    suite        VARCHAR,
    probe        VARCHAR,
    metric       VARCHAR NOT NULL,
    subset       VARCHAR,
    estimate     DOUBLE,
    ci_low       DOUBLE,
    ci_high      DOUBLE,
    p_value      DOUBLE,
    p_adjusted   DOUBLE,               -- multiplicity-adjusted p within the row's family (docs/metrics.md)
    n            BIGINT,
    note         VARCHAR,
    computed_at  TIMESTAMP,
    family       VARCHAR,              -- the family p_adjusted is adjusted within
    judgekit_version VARCHAR,          -- the judgekit and statistics versions that computed the row
    stats_version    VARCHAR
);
-- databases created before these columns existed get them here
ALTER TABLE metrics ADD COLUMN IF NOT EXISTS family VARCHAR;
ALTER TABLE metrics ADD COLUMN IF NOT EXISTS judgekit_version VARCHAR;
ALTER TABLE metrics ADD COLUMN IF NOT EXISTS stats_version VARCHAR;
"""

VIEWS = """
CREATE OR REPLACE VIEW verdicts_full AS
SELECT v.run_id, v.trial_id, t.item_id, t.probe, t.condition, t."order", t.repeat, t.mitigation,
       i.label, i.kind, i.category, i.prompt, i.response_a, i.response_b,
       t.first, t.second, t.gold_position, t.cue,
       v.choice, v.chosen, v.correct, v.p_a, v.p_b, v.raw, v.error,
       v.input_tokens, v.output_tokens, v.latency_s, v.cost_usd, v.cached, v.created_at,
       r.judge, r.suite
FROM verdicts v
JOIN trials t USING (run_id, trial_id)
JOIN items i ON i.run_id = t.run_id AND i.item_id = t.item_id
JOIN runs r ON r.run_id = v.run_id;

CREATE OR REPLACE VIEW run_summary AS
SELECT r.run_id, r.suite, r.judge, r.dataset, r.status, r.started_at, r.finished_at, r.n_trials,
       count(v.trial_id) AS n_verdicts,
       count(*) FILTER (WHERE v.choice = 'invalid') AS n_invalid,
       count(*) FILTER (WHERE v.choice = 'error') AS n_errors,
       count(*) FILTER (WHERE v.cached) AS n_cached,
       sum(v.cost_usd) AS cost_usd
FROM runs r LEFT JOIN verdicts v USING (run_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW bias_profile AS
""" + bias_profile() + ";\n\n" + view_sql()

