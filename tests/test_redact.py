"""Credentials never leave memory: one redaction function for URLs and texts, used by DB, report, card, logs."""

from __future__ import annotations

import json

import pytest

from judgekit.redact import redact_text, redact_url

SECRET_URL = "https://alice:hunter2@llm.example.com:8443/v1?api-key=KEY123456&region=eu&access_token=TOK987654"


def _leaks(text: str) -> bool:
    return any(s in text for s in ("hunter2", "alice", "KEY123456", "TOK987654"))


def test_redact_url_drops_user_info_and_key_like_parameters():
    assert redact_url(SECRET_URL) == "https://llm.example.com:8443/v1?region=eu"
    assert redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"
    assert redact_url("https://h/v1?key=abc&api_key=d&token=e&sig=f&model=x") == "https://h/v1?model=x"
    assert redact_url("http://u:p@a:1/v1,http://b:2/v1?apikey=z") == "http://a:1/v1,http://b:2/v1"
    assert redact_url(None) is None and redact_url("not a url, with a comma") == "not a url, with a comma"


def test_redact_text_finds_urls_and_keys_inside_messages(monkeypatch):
    monkeypatch.setenv("SOMEPROVIDER_API_KEY", "envsecret-42")
    msg = f"ClientError: 502 from {SECRET_URL}/chat/completions (key envsecret-42, Bearer abcdefghijk, sk-abcdef123)"
    out = redact_text(msg)
    assert not _leaks(out) and "envsecret-42" not in out and "abcdefghijk" not in out and "sk-abcdef123" not in out
    assert "llm.example.com:8443/v1" in out and "502" in out


def test_the_shortest_secret_is_redacted_and_shorter_texts_pass_unscanned(monkeypatch):
    monkeypatch.setenv("TINY_TOKEN", "q7z9")  # four characters: the shortest value that is redacted
    assert redact_text("q7z9") == "[REDACTED]" and redact_text("xq7z9y") == "x[REDACTED]y"
    monkeypatch.setenv("TINY_TOKEN", "q7z")  # three: kept, as before
    assert redact_text("q7z") == "q7z"
    assert redact_text("A") == "A" and redact_text("") == "" and redact_text(None) is None


@pytest.mark.parametrize("backend", ["litellm", "openai-compatible"])
def test_judge_identity_has_the_endpoint_without_credentials(backend):
    if backend == "litellm":
        from judgekit.judges.api import LiteLLMJudge as J
    else:
        from judgekit.judges.openai_compat import OpenAICompatJudge as J
    judge = J("openai/some-model", api_base=SECRET_URL)
    ident = json.dumps(judge.identity())
    assert not _leaks(ident) and "llm.example.com:8443/v1" in ident
    assert "hunter2" in str(judge.api_base)  # kept in memory: the requests need it


def test_card_and_report_show_no_credentials():
    from judgekit.card import _clean
    from judgekit.report.build import _details

    card = json.dumps(_clean({"api_base": "https://llm.example.com/v1?api-key=KEY123456"}))
    assert "KEY123456" not in card and "llm.example.com/v1" in card
    counts = dict.fromkeys(("n_verdicts", "n_invalid", "n_errors", "n_ties", "n_cached", "input_tokens",
                            "output_tokens", "cost_usd", "n_costed", "latency_median_s", "latency_p95_s"))
    details = _details({"config": {"judge_identity": {"api_base": SECRET_URL, "model": "m"}}}, counts)
    assert not _leaks(json.dumps(details["identity"]))


def test_errors_and_logs_are_redacted():
    from judgekit.judges import _retry

    exc = ConnectionError(f"cannot connect to {SECRET_URL}")
    assert not _leaks(_retry.short_error(exc))
