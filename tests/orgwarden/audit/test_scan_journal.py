"""`orgwarden scan --journal`: an interrupted scan goes on from its journal, running only what
it had not finished, under the same sweep id; a journal that cannot be read is refused."""

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from orgwarden.audit import cli
from orgwarden.audit import scan as scan_module
from orgwarden.audit.scan import Journal, JournalError, scan
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.runtime import build_evaluator
from orgwarden.engine.settings import Settings
from orgwarden.engine.sweep import SweepTask
from orgwarden_harness.simulation import HOME_REGION
from tests.conftest import Configure

ACCOUNT_NAMES = ("payments-prod", "analytics-prod")
REGIONS = [HOME_REGION, "eu-west-1"]  # with two accounts: four tasks


def recording(
    monkeypatch: pytest.MonkeyPatch, fail: Callable[[int, SweepTask], None]
) -> list[SweepTask]:
    """Run tasks for real, remembering each started; `fail(n, task)` may raise instead of
    running the n-th (from 0)."""
    ran: list[SweepTask] = []
    real = scan_module.run_task

    def run_task(evaluator: Any, task: SweepTask, **kwargs: Any) -> Any:
        ran.append(task)
        fail(len(ran) - 1, task)
        return real(evaluator, task, **kwargs)

    monkeypatch.setattr(scan_module, "run_task", run_task)
    return ran


def test_an_interrupted_scan_finishes_from_its_journal_without_running_a_task_twice(
    lambda_env: Configure, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sim = lambda_env()
    accounts = sorted(sim.accounts[name].account_id for name in ACCOUNT_NAMES)
    evaluator = build_evaluator(Settings(), Sessions())  # type: ignore[call-arg]
    quiet = Console(file=StringIO())
    path = tmp_path / "scan.jsonl"

    def interrupt_third(n: int, task: SweepTask) -> None:
        if n == 2:
            raise KeyboardInterrupt  # Ctrl-C while the third task runs

    first = recording(monkeypatch, interrupt_third)
    journal = Journal.open(path)
    with pytest.raises(KeyboardInterrupt):
        scan(evaluator, REGIONS, HOME_REGION, quiet, accounts, journal=journal)
    journal.close()
    planned = Journal.open(path)
    planned.close()
    finished = {task.key for task in first[:2]}
    assert len(first) == 3
    assert len(planned.queued) == 4
    assert planned.done == finished

    def fail_once(n: int, task: SweepTask) -> None:
        if n == 0:
            raise RuntimeError("throttled for good")  # reported; the journal keeps it pending

    second = recording(monkeypatch, fail_once)
    journal = Journal.open(path)
    resumed = scan(evaluator, REGIONS, HOME_REGION, quiet, accounts, journal=journal)
    journal.close()
    # A new plan is not made: the journal's tasks, less the finished ones, under its sweep id.
    assert [t.key for t in second] == [t.key for t in planned.pending]
    assert {t.sweep_id for t in second} == {planned.sweep_id}
    assert first[2].key in {t.key for t in second}  # the interrupted task runs again
    assert not finished & {t.key for t in second}
    assert [task.key for task, _ in resumed.failed_tasks] == [second[0].key]
    assert resumed.accounts == accounts

    third = recording(monkeypatch, lambda n, task: None)
    journal = Journal.open(path)
    again = scan(evaluator, REGIONS, HOME_REGION, quiet, accounts, journal=journal)
    journal.close()
    assert [t.key for t in third] == [second[0].key]  # only the task that failed
    assert not again.failed_tasks
    assert sum(sum(c.values()) for c in again.by_rule.values()) > 0
    assert "1 of" in quiet.file.getvalue()  # type: ignore[attr-defined]


def test_a_line_cut_short_by_a_kill_is_dropped_and_a_damaged_line_is_refused(
    tmp_path: Path,
) -> None:
    task = SweepTask(
        sweep_id="20261122T120000Z",
        account_id="111111111111",
        region=HOME_REGION,
        resource_types=("AwsS3Bucket",),
    )
    path = tmp_path / "scan.jsonl"
    lines = [
        json.dumps({"sweep": task.sweep_id}),
        json.dumps({"queued": task.model_dump(mode="json")}),
        '{"done": "sweep#2026',  # the write a kill interrupted
    ]
    path.write_text("\n".join(lines))
    journal = Journal.open(path)
    journal.finish(task)
    journal.close()
    reread = Journal.open(path)
    reread.close()
    assert reread.sweep_id == task.sweep_id
    assert reread.done == {task.key}
    assert reread.pending == []

    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join([lines[0], '{"queued": {"kind": "sweep"}}', lines[1]]) + "\n")
    with pytest.raises(JournalError, match=r"damaged.jsonl:2: not a scan journal line"):
        Journal.open(damaged)
    wrong_last = tmp_path / "wrong-last.jsonl"  # whole JSON, not a journal line: not a cut
    wrong_last.write_text("\n".join([lines[0], lines[1], "[1, 2]"]))
    with pytest.raises(JournalError, match=r"wrong-last.jsonl:3: not a scan journal line"):
        Journal.open(wrong_last)
    assert wrong_last.read_text().endswith("[1, 2]")  # left as it was
    headless = tmp_path / "headless.jsonl"
    headless.write_text(lines[1] + "\n")
    with pytest.raises(JournalError, match="no sweep id"):
        Journal.open(headless)


def test_the_cli_refuses_a_journal_for_the_simulated_organization(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The simulated organization lives as long as one run: there is nothing to go on with.
    assert cli.main(["scan", "--demo", "--journal", str(tmp_path / "scan.jsonl")]) == 2
    assert "it takes no --profile, --region or --journal" in capsys.readouterr().err
    assert not (tmp_path / "scan.jsonl").exists()


def test_the_cli_refuses_a_damaged_journal_before_it_scans(
    lambda_env: Configure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lambda_env()
    damaged = tmp_path / "scan.jsonl"
    damaged.write_text('{"sweep": "20261122T120000Z"}\n[1, 2]\n{"done": "x"}\n')
    assert cli.main(["scan", "--region", HOME_REGION, "--journal", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert "cannot use the journal" in err
    assert "scan.jsonl:2: not a scan journal line: a JSON list, not an object" in err
    assert damaged.read_text().count("\n") == 3  # left as it was
