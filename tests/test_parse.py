"""The strict text reader: explicit forms only, last verdict wins, every verdict names its rule."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from judgekit.judges.parse import parse_verdict, read_verdict

CORPUS = Path(__file__).parent / "data" / "judge_outputs.jsonl"


@pytest.mark.parametrize("text,expected", [
    ("A", "A"), ("(B)", "B"), ("A good answer would mention X. Verdict: B", "B"), ("<think>A is wrong</think>A", "A"),
    ("<think>unfinished A", "invalid"), ('{"verdict": "B"}', "B"), ("[[A]]", "A"), ("A great response.", "invalid"),
    ("Response B is better. Actually, Response A is better.", "A"), ("A is the better choice.", "A"),
    ("B is clearly better than A", "B"), ("A good answer is better than none", "invalid"), ("", "invalid"),
    ("Final answer: **A**", "A"), ("It is a tie", "tie"), ("I cannot decide.", "invalid"),
])
def test_verdict_parsing(text, expected):
    assert parse_verdict(text) == expected


@pytest.mark.parametrize("text", [
    # the sentences that a reader looking for any letter or digit turned into verdicts
    "The correct answer is 2 apples, which Response A gives.",
    "Response A gives the right number. So the answer is 2.",
    "My decision is a hard one",
    '{"verdict": "both are wrong, A less so"}',
])
def test_prose_is_not_a_verdict(text):
    assert read_verdict(text) == read_verdict(None)
    assert read_verdict(text).choice == "invalid" and read_verdict(text).rule is None


def test_tie_only_in_explicit_forms():
    assert parse_verdict("Response A is better because it does not tie the facts together loosely.") == "A"
    assert parse_verdict("Both responses tie the argument to the same premise.") == "invalid"
    assert read_verdict("Verdict: tie") == read_verdict("It's a tie.").__class__("tie", "label")
    assert read_verdict("It's a tie.").rule == "tie"


def test_digits_only_when_numbers_were_asked_for():
    assert parse_verdict("Answer: 2") == "invalid"
    assert parse_verdict("Answer: 2", numbers=True) == "B"
    assert parse_verdict("Output (1) is better.", numbers=True) == "A"
    assert parse_verdict("The answer is 2 apples.", numbers=True) == "invalid"


@pytest.mark.parametrize("text,choice,rule", [
    ('{"verdict": "B"}', "B", "json"), ("[[A]]", "A", "tag"), ("<answer>B</answer>", "B", "tag"),
    ("Final answer: A", "A", "label"), ("Response B is better.", "B", "statement"), ("B", "B", "letter"),
    ("Both responses are equally good.", "tie", "tie"),
])
def test_each_verdict_names_its_rule(text, choice, rule):
    assert read_verdict(text) == read_verdict(text).__class__(choice, rule)


def test_declared_verdict_contradicted_later_is_invalid():
    assert parse_verdict("Final verdict: [[A]]. Response B is better in every way that matters.") == "invalid"
    assert parse_verdict("Response A is longer. Final verdict: [[B]]") == "B"
    assert parse_verdict("Response A is better. Response B is better.") == "invalid"


def _corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_corpus_is_large_and_varied():
    rows = _corpus()
    assert len(rows) >= 300
    assert len({r["text"] for r in rows}) == len(rows)
    cats = Counter(r["category"] for r in rows)
    for cat in ("cot", "r1", "markdown", "json", "i18n", "refusal", "hedge", "both_bad", "prose"):
        assert cats[cat] >= 8, cat
    assert {r["intended"] for r in rows} == {"A", "B", "tie", "none"}


def test_reader_is_never_wrong_on_the_corpus():
    """Each output's verdict is its intended one or invalid; "none" (no verdict may be read) is always invalid."""
    rows = _corpus()
    wrong, invalid = [], Counter()
    for r in rows:
        got = read_verdict(r["text"], numbers=r["numbers"])
        if got.choice == "invalid":
            invalid[r["intended"]] += 1
            assert got.rule is None
        elif got.choice != r["intended"]:
            wrong.append((r["id"], r["intended"], got.choice, r["text"][:80]))
        else:
            assert got.rule in ("json", "tag", "label", "statement", "tie", "letter")
    n_verdict = sum(r["intended"] != "none" for r in rows)
    n_missed = sum(v for k, v in invalid.items() if k != "none")
    print(f"\ncorpus: {len(rows)} outputs, {sum(invalid.values())} invalid ({sum(invalid.values()) / len(rows):.1%}); "
          f"{n_missed} of {n_verdict} outputs with an intended verdict read as invalid ({n_missed / n_verdict:.1%}); "
          f"wrong: {len(wrong)}")
    assert not wrong, wrong
    assert n_missed / n_verdict < 0.05


def test_ab_logits_reader_hand_computed():
    import math

    from judgekit.judges.readers import read_ab_logits

    # 0.001 vs 0.0009: p(A) would be 0.53, but the model was not answering with a letter
    low = read_ab_logits(math.log(0.001), math.log(0.0009))
    assert (low.choice, low.p_a, low.rule) == ("invalid", None, "ab-logits:low-mass")
    assert low.p_ab_mass == pytest.approx(0.0019)
    ok = read_ab_logits(math.log(0.6), math.log(0.2))
    assert (ok.choice, ok.rule) == ("A", "ab-logits")
    assert ok.p_a == pytest.approx(0.75) and ok.p_ab_mass == pytest.approx(0.8)
    assert read_ab_logits(math.log(0.001), math.log(0.0009), min_letter_mass=0.0).p_a == pytest.approx(0.001 / 0.0019)
    assert read_ab_logits(-math.inf, -math.inf).choice == "invalid"


def _resp(first: str, tops: dict[str, float]) -> dict:
    import math

    return {"choices": [{"logprobs": {"content": [
        {"token": first, "top_logprobs": [{"token": t, "logprob": math.log(p)} for t, p in tops.items()]}]}}]}


def test_first_token_probabilities_kept_only_when_they_belong_to_the_verdict():
    from judgekit.judges.readers import read_text_with_first_token

    # "A is wrong; B is better": the first token is "A" but the verdict is B, so p(A) is not about it
    r = read_text_with_first_token("A is wrong; B is better.", _resp("A", {"A": 0.97, "B": 0.01}))
    assert (r.choice, r.p_a, r.p_ab_mass, r.rule) == ("B", None, None, "text:statement")
    r = read_text_with_first_token("B", _resp("B", {"B": 0.6, "A": 0.2, "The": 0.2}))
    assert r.choice == "B" and r.p_b == pytest.approx(0.75) and r.p_ab_mass == pytest.approx(0.8)
    assert r.rule == "text:letter+first-token"
    # asked for one token: the first token is the whole answer
    r = read_text_with_first_token("Response B", _resp("Response", {"Response": 0.5, "B": 0.3, "A": 0.1}),
                                   one_token=True)
    assert r.p_b == pytest.approx(0.75)
    # too little letter mass: the text verdict stands, without probabilities
    r = read_text_with_first_token("B", _resp("B", {"B": 0.1, "I": 0.85}))
    assert (r.choice, r.p_b) == ("B", None)
