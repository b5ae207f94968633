"""`orgwarden scan`: the periodic sweep run in-process, with a progress bar and a summary.

The same tasks the scheduled sweep runs are run here one after another through the same
evaluator, so the findings land in Security Hub and the evidence table exactly as a sweep's do;
the parts a long listing is split into are run here too, after the tasks already planned.

With a journal (`orgwarden scan --journal PATH`), every planned task and every finished one is
written down as it happens, so a scan that was interrupted (or had tasks fail) goes on from the
same file: the tasks it finished are not run again, the rest are, under the same sweep id.
"""

import contextlib
import io
import json
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aws_lambda_powertools import Metrics
from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orgwarden.engine.evaluator import Evaluator
from orgwarden.engine.settings import Settings
from orgwarden.engine.sweep import SweepTask, plan, run_task, sweep_id_now, sweep_rules
from orgwarden.model.evidence_items import OPEN_STATUSES
from orgwarden.model.spec import Status

COLUMNS = (Status.PASSED, Status.FAILED, Status.NOT_AVAILABLE)


class JournalError(ValueError):
    """The journal cannot be read back: which line, and why."""


@dataclass
class Journal:
    """A scan's progress on disk, one JSON object a line: the sweep id, each task queued (the
    plan, then the parts of long listings), each task finished. Lines are flushed as written,
    so a killed scan leaves at most its last line unfinished: a last line that is not JSON is
    dropped; any other line that cannot be read is refused."""

    path: Path
    sweep_id: str | None = None
    queued: list[SweepTask] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    _file: IO[str] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path) -> "Journal":
        journal = cls(path)
        if path.exists():
            journal._read()
        journal._file = path.open("a", encoding="utf-8")
        return journal

    def _read(self) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                if number == len(lines):
                    # The line a killed scan was writing: drop it, so the next line written
                    # starts a line of its own.
                    self.path.write_text("".join(f"{kept}\n" for kept in lines[:-1]), "utf-8")
                    break
                raise JournalError(f"{self.path}:{number}: not JSON: {error}") from error
            try:
                self._take(entry)
            except (ValueError, TypeError, ValidationError) as error:
                raise JournalError(
                    f"{self.path}:{number}: not a scan journal line: {error}"
                ) from error
        if self.queued and self.sweep_id is None:
            raise JournalError(f"{self.path}: names tasks but no sweep id")

    def _take(self, entry: Any) -> None:
        if not isinstance(entry, dict):
            raise TypeError(f"a JSON {type(entry).__name__}, not an object")
        if "sweep" in entry:
            self.sweep_id = str(entry["sweep"])
        elif "queued" in entry:
            self.queued.append(SweepTask.model_validate(entry["queued"]))
        elif "done" in entry:
            self.done.add(str(entry["done"]))
        else:
            raise ValueError("neither a sweep id, a queued task nor a finished one")

    @property
    def pending(self) -> list[SweepTask]:
        return [task for task in self.queued if task.key not in self.done]

    def _write(self, entry: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._file.flush()

    def start(self, sweep_id: str, tasks: Sequence[SweepTask]) -> None:
        self.sweep_id = sweep_id
        self._write({"sweep": sweep_id})
        self.add(tasks)

    def add(self, tasks: Sequence[SweepTask]) -> None:
        for task in tasks:
            self.queued.append(task)
            self._write({"queued": task.model_dump(mode="json")})

    def finish(self, task: SweepTask) -> None:
        self.done.add(task.key)
        self._write({"done": task.key})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class StackSettings(Settings):
    """The evaluator's settings as a deployed stack holds them, and nothing else: ORGWARDEN_*
    variables in the auditor's environment are not read, so a scan of a stack evaluates with
    that stack's tables, roles, modes and break-glass principals."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@dataclass
class ScanResult:
    tasks: int = 0
    by_rule: dict[str, Counter[Status]] = field(default_factory=lambda: defaultdict(Counter))
    failed_tasks: list[tuple[SweepTask, str]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    # (rule, finding) of every evaluation that left a finding non-compliant (FAILED or WARNING)
    still_open: list[tuple[str, str]] = field(default_factory=list)


def scan(
    evaluator: Evaluator,
    regions: Sequence[str],
    home_region: str,
    progress_to: Console,
    only: Sequence[str] = (),
    *,
    journal: Journal | None = None,
) -> ScanResult:
    """Sweep the organization's active accounts (or those of them in `only`); with a journal
    that holds an earlier scan, finish that scan instead (its accounts, regions and sweep id)."""
    if journal is not None and journal.sweep_id is not None:
        tasks = journal.pending
        result = ScanResult(accounts=sorted({t.account_id for t in journal.queued}))
        progress_to.print(
            f"resuming sweep {journal.sweep_id} from {journal.path}: {len(tasks)} of "
            f"{len(journal.queued)} task(s) left"
        )
    else:
        active = evaluator.directory.active_accounts()
        result = ScanResult(accounts=[a for a in active if not only or a in only])
        sweep_id = sweep_id_now()
        tasks = plan(
            sweep_id, result.accounts, regions, home_region, sweep_rules(evaluator.catalogue)
        )
        if journal is not None:
            journal.start(sweep_id, tasks)
    result.tasks = len(tasks)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    pending = deque(tasks)
    with Progress(*columns, console=progress_to, transient=False) as progress:
        bar = progress.add_task("sweeping", total=len(tasks))

        def hand_on(parts: Sequence[SweepTask]) -> None:
            if journal is not None:
                journal.add(parts)
            pending.extend(parts)
            result.tasks += len(parts)
            progress.update(bar, total=result.tasks)

        while pending:
            task = pending.popleft()
            progress.update(bar, description=f"{task.label:<48}")
            try:
                # Metrics are the Lambda's (CloudWatch's format on stdout, a hundred values at a
                # time); the scan reports through its own table, so they are dropped.
                with contextlib.redirect_stdout(io.StringIO()):
                    run = run_task(evaluator, task, hand_on=hand_on)
            except Exception as error:  # noqa: BLE001 - one failed task is reported, the scan goes on
                result.failed_tasks.append((task, f"{type(error).__name__}: {error}"))
            else:
                for outcome in run.outcomes:
                    result.by_rule[outcome.rule_id][outcome.status] += 1
                    if outcome.status in OPEN_STATUSES:
                        result.still_open.append((outcome.rule_id, outcome.finding_id))
                if journal is not None:
                    journal.finish(task)
            finally:
                Metrics().clear_metrics()
            progress.advance(bar)
    return result


def summary_table(result: ScanResult) -> Table:
    table = Table(
        title=f"{len(result.accounts)} account(s), {result.tasks} task(s)", title_justify="left"
    )
    table.add_column("rule")
    for status in (*COLUMNS, None):
        table.add_column(
            status.value.lower().replace("_", " ") if status else "other", justify="right"
        )
    for rule_id in sorted(result.by_rule):
        counts = result.by_rule[rule_id]
        other = sum(n for status, n in counts.items() if status not in COLUMNS)
        table.add_row(rule_id, *(str(counts[status]) for status in COLUMNS), str(other))
    return table
