"""A loopback run of the bias suite sends exactly one request per distinct body."""

from __future__ import annotations

import json
from collections import Counter

from judgekit import api
from judgekit.judges.openai_compat import OpenAICompatJudge
from tests.fake_openai import FakeOpenAI, hashing_responder


def test_bias_suite_sends_each_distinct_body_once(tmp_path):
    with FakeOpenAI(hashing_responder()) as server:
        judge = OpenAICompatJudge("openai/fake", api_base=server.base_url)
        res = api.evaluate("bias", judge_obj=judge, db=str(tmp_path / "x.duckdb"), out=str(tmp_path / "r"),
                           progress=False, make_report=False, limit=12)
        judge.close()
        bodies = Counter(json.dumps(r.body, sort_keys=True) for r in server.requests)
    assert res.stats.n_errors == 0 and res.stats.n_judged == len(server.requests)
    assert max(bodies.values()) == 1, "a body was sent more than once"
    # trials that render to one body share its verdict: fewer requests than trials
    assert len(bodies) < res.stats.n_trials
