"""Judges that cannot work fail before the first request; a run with no usable verdict says so."""

from __future__ import annotations

import json

import pytest

from judgekit.cli import main
from judgekit.judges.base import JudgeError
from judgekit.judges.checks import check_provider, unusable_verdicts_message


def test_unknown_provider_names_the_closest_valid_ones():
    with pytest.raises(JudgeError) as exc:
        check_provider("opnai/gpt-4o")
    msg = str(exc.value)
    assert "unknown provider 'opnai'" in msg and "openai" in msg and "\n" not in msg
    check_provider("anthropic/claude-3-5-haiku-latest")
    check_provider("gpt-4o-mini")  # a bare model name: litellm infers the provider


def test_unknown_provider_fails_in_the_cli_without_a_request(tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    rc = main(["eval", "--suite", "position", "--judge", "opnai/gpt-4o", "--limit", "2", "--db", str(db),
               "--no-report"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "closest valid names: openai" in err
    if db.exists():
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_unusable_verdicts_message():
    rows = [{"choice": "invalid", "raw": f"I think both have merits {i}", "error": None} for i in range(5)]
    msg = unusable_verdicts_message(rows)
    assert msg is not None and "all parse failures" in msg and msg.count("raw:") == 3
    assert "merits 0" in msg and "merits 3" not in msg
    errs = [{"choice": "error", "raw": "", "error": "HTTPStatusError (404): model not found"}] * 2
    assert "all 2 requests failed" in unusable_verdicts_message(errs)
    assert unusable_verdicts_message([*rows, {"choice": "A", "raw": "A", "error": None}]) is None
    assert unusable_verdicts_message([]) is None


def test_run_with_only_parse_failures_exits_non_zero(tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    rc = main(["eval", "--suite", "position", "--judge", "scripted/invalid=1", "--limit", "4", "--db", str(db),
               "--no-report"])
    err = capsys.readouterr().err
    assert rc == 1 and "no verdict could be read" in err and err.count("raw: 'I cannot decide.'") == 3
    json.dumps(err)
