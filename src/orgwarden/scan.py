"""`orgwarden scan`: the periodic sweep run in-process, with a progress bar and a summary.

The same tasks the scheduled sweep runs are run here one after another through the same
evaluator, so the findings land in Security Hub and the evidence table exactly as a sweep's do;
the parts a long listing is split into are run here too, after the tasks already planned.
"""

import contextlib
import io
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_lambda_powertools import Metrics
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orgwarden.evaluator import Evaluator
from orgwarden.model.spec import Status
from orgwarden.sweep import SweepTask, plan, run_task, sweep_id_now, sweep_rules

COLUMNS = (Status.PASSED, Status.FAILED, Status.NOT_AVAILABLE)


@dataclass
class ScanResult:
    tasks: int = 0
    by_rule: dict[str, Counter[Status]] = field(default_factory=lambda: defaultdict(Counter))
    failed_tasks: list[tuple[SweepTask, str]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)


def scan(
    evaluator: Evaluator,
    regions: Sequence[str],
    home_region: str,
    progress_to: Console,
    only: Sequence[str] = (),
) -> ScanResult:
    """Sweep the organization's active accounts (or those of them in `only`)."""
    if evaluator.directory is None:
        raise ValueError("a scan needs the organization directory to list accounts")
    active = evaluator.directory.active_accounts()
    result = ScanResult(accounts=[a for a in active if not only or a in only])
    tasks = plan(
        sweep_id_now(), result.accounts, regions, home_region, sweep_rules(evaluator.catalogue)
    )
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
