"""The strict score reader and the expected-score readers of pointwise judging."""

import math

import pytest

from judgekit.judges.scores import (
    check_scale,
    read_expected_score,
    read_score_text,
    read_score_with_top_logprobs,
    score_token_masses,
)

TEN = (1, 10)


@pytest.mark.parametrize(("text", "score", "rule"), [
    ("The answer is clear and correct. Rating: [[7]]", 7.0, "score:text:bracket"),
    ("[[ 9 ]]", 9.0, "score:text:bracket"),
    ("Score: 7/10", 7.0, "score:text:label"),
    ("Overall score - 8 out of 10.", 8.0, "score:text:label"),
    ("My rating is: 6", 6.0, "score:text:label"),
    ("I would rate it 7/10.", 7.0, "score:text:fraction"),
    ('{"score": 4, "reason": "too short"}', 4.0, "score:text:json"),
    ("Feedback: fine. [RESULT] 3", 3.0, "score:text:result"),
    ("8", 8.0, "score:text:number"),
    ("**8**\nBecause it is right.", 8.0, "score:text:number"),
    ("Rating: [[7.5]]", 7.5, "score:text:bracket"),
    # the last explicit score wins: a judge that revises its score is read by its conclusion
    ("First I thought Rating: [[4]]. On reflection, Rating: [[6]]", 6.0, "score:text:bracket"),
    ("Score: 5. After checking the sum again: Score: 8", 8.0, "score:text:label"),
    # a fraction that agrees with the stronger form before it
    ("Rating: [[7]] (that is 7/10)", 7.0, "score:text:fraction"),
    ("<think>Rating: [[2]]</think>Rating: [[9]]", 9.0, "score:text:bracket"),
])
def test_explicit_forms_are_read(text, score, rule):
    r = read_score_text(text, TEN)
    assert (r.score, r.rule) == (score, rule)


@pytest.mark.parametrize(("text", "rule"), [
    ("I would give it a 7 because it is mostly right.", "score:text"),  # a bare number in prose
    ("It gets 3 of the 4 steps right.", "score:text"),
    ("3/4 of the steps are right.", "score:text"),  # a fraction on another scale
    ("Rating: [[7]] but for style 4/10", "score:text:contradiction"),
    ("7/10 for accuracy, 4/10 for style", "score:text:contradiction"),
    ("Rating: [[11]]", "score:text:out-of-scale"),
    ("Rating: [[0]]", "score:text:out-of-scale"),
    ("<think>Rating: [[8]]", "score:text"),  # never finished thinking
    ("", "score:text"),
    (None, "score:text"),
])
def test_anything_else_is_invalid(text, rule):
    r = read_score_text(text, TEN)
    assert r.score is None and r.rule == rule


def test_the_scale_decides_what_is_in_range():
    assert read_score_text("[RESULT] 5", (1, 5)).score == 5.0
    assert read_score_text("[RESULT] 6", (1, 5)).rule == "score:text:out-of-scale"
    assert read_score_text("Score: 4/5", (1, 5)).score == 4.0
    assert read_score_text("4/10", (1, 5)).score is None  # a fraction of ten is not a score out of five


def test_check_scale_names_the_place():
    assert check_scale([1, 10]) == (1, 10)
    for bad in ([10, 1], [1], "1-10", [1.0, 10], [True, 3]):
        with pytest.raises(ValueError, match=r"x\.yaml: scale"):
            check_scale(bad, "x.yaml: scale")


def test_expected_score_is_the_mean_under_the_distribution():
    # p(3) = 0.5, p(4) = 0.3, the rest of the mass elsewhere: E = (3 * .5 + 4 * .3) / .8
    lm = {v: -math.inf for v in range(1, 6)}
    lm[3], lm[4] = math.log(0.5), math.log(0.3)
    r = read_expected_score(lm)
    assert r.rule == "score:expected" and r.score == pytest.approx((1.5 + 1.2) / 0.8) and r.mass == pytest.approx(0.8)


def test_expected_score_with_too_little_mass_is_invalid():
    lm = {v: math.log(0.01) for v in range(1, 6)}
    r = read_expected_score(lm, min_score_mass=0.2)
    assert r.score is None and r.rule == "score:expected:low-mass" and r.mass == pytest.approx(0.05)


def _resp(tokens):
    return {"choices": [{"message": {"content": "".join(t for t, _ in tokens)},
                         "logprobs": {"content": [{"token": t, "logprob": 0.0, "top_logprobs": tops}
                                                  for t, tops in tokens]}}]}


def test_api_top_logprobs_give_the_expected_score_at_the_score_token():
    tops = [{"token": "7", "logprob": math.log(0.6)}, {"token": "8", "logprob": math.log(0.4)}]
    resp = _resp([("Rating", []), (": [[", []), ("7", tops), ("]]", [])])
    r = read_score_with_top_logprobs("Rating: [[7]]", resp, TEN)
    assert r.rule == "score:expected" and r.score == pytest.approx(7.4)
    # no logprobs at that token: the text score stands
    plain = _resp([("Rating: [[", []), ("7", []), ("]]", [])])
    assert read_score_with_top_logprobs("Rating: [[7]]", plain, TEN).rule == "score:text:bracket"
    # unreadable text: no expected score is made up from logprobs
    assert read_score_with_top_logprobs("I like it", resp, TEN).score is None


def test_score_token_masses_sum_spellings():
    tops = [{"token": " 3", "logprob": math.log(0.2)}, {"token": "3", "logprob": math.log(0.1)},
            {"token": "x", "logprob": math.log(0.5)}]
    m = score_token_masses(tops, (1, 5))
    assert math.exp(m[3]) == pytest.approx(0.3) and m[1] == -math.inf
