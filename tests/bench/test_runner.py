from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench.table import Row
from rich.console import Console

from bench import __main__ as runner


def test_one_table_with_the_command_the_machine_and_the_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-in rows: the runner, not a measurement, is under test.
    stand_in = Row("Root sign-in events per second", "7,000", target="≥ 5,000", met=True, note="n")
    monkeypatch.setattr(runner, "rows_of", lambda name, quick: [stand_in])
    monkeypatch.setattr(runner, "DEFAULT", ("table", "not_there"))
    out = tmp_path / "benchmarks.md"
    assert runner.main(["--quick", "--out", str(out)]) == 0
    text = out.read_text()
    assert "uv run python -m bench --quick --out" in text
    assert "| Python |" in text
    assert "| moto |" in text
    assert "| Cores |" in text
    assert "| Root sign-in events per second [1] | 7,000 | — | ≥ 5,000 | met |" in text
    assert "## Notes" in text
    assert "1. **Root sign-in events per second** (table," in text


def test_a_partial_run_leaves_the_document_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "DEFAULT", ())
    before = runner.DOCUMENT.read_text() if runner.DOCUMENT.exists() else None
    assert runner.main(["--quick"]) == 0
    assert (runner.DOCUMENT.read_text() if runner.DOCUMENT.exists() else None) == before


def test_rows_come_from_a_fresh_python() -> None:
    (row,) = runner.rows_of("event_rate", quick=True)
    assert row.measure.startswith("Root sign-in events per second")
    assert row.met in (True, False)


def test_a_missing_benchmark_is_skipped_and_a_failing_one_reported() -> None:
    assert runner.run(["not_a_benchmark"], quick=True, console=Console(stderr=True)) == []
    failed = runner.Result("api_calls", [], 1.0, "RuntimeError: boom")
    fine = runner.Result("event_rate", [Row("a | b", "1", note="n")], 2.0)
    text = runner.markdown([fine, failed], "uv run python -m bench", datetime.now(UTC), {})
    assert "| a \\| b [1] | 1 |" in text
    assert "| api_calls: failed | RuntimeError: boom |" in text
