"""The periodic sweep: state no event announces (root keys, account defaults), and drift whose
event was lost.

A scheduled producer lists the organization's active accounts and queues one account task per
account; the evaluator expands an account task into one task per region, for every swept resource
type (buckets in the home region only), on the same queue, so the producer's work grows with the
accounts, not with accounts x regions. A long listing is split into part tasks of one type.
A task lists its types' resources in the account and region and evaluates every rule about them
through the same path as an event (read, evaluate, decide, fix, verify, evidence, finding), with
no cause, and cheaply:

- the listing's own answer is a fact the rules need not read again (DescribeInstances carries
  the metadata options and tags), and each other fact is read once for every rule judging it;
- the findings' prior states are read in one batch, and the evidence records and findings are
  written in batches at the end of the task (`EvaluationScope`).

A task is bounded: a listing longer than the type's part size judges the first part itself and
queues the rest as part tasks naming their resources; a task running out of time queues what it
has not judged. A task that fails is a failed queue message: retried, then dead-lettered. The
runtime remembers finished tasks (idempotency), so a redelivered task is not run again. The
task models are part of the queue's one message model (`orgwarden.engine.messages`).
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.inventory import ACCOUNT, COLLECTORS, Listed
from orgwarden.aws.organization import Directory
from orgwarden.aws.read_cache import ReadCache
from orgwarden.aws.task_queue import send_bodies
from orgwarden.engine.evaluator import Evaluator, Outcome, resource_ref
from orgwarden.engine.findings import finding_id
from orgwarden.engine.messages import AccountSweep, PartResource, RejectedEvent, SweepTask
from orgwarden.engine.scope import EvaluationScope
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import CloudTrail, ConfigItem, Periodic, Status, Verdict
from policies import Catalogue, Rule

logger = Logger(child=True)
metrics = Metrics()

# Triggers that announce a change of state: a rule with one of them judges state the sweep can
# read. Rules triggered only by an occurrence (a root login, a GuardDuty finding) need the event.
STATE_TRIGGERS = (CloudTrail, ConfigItem, Periodic)
# A task stops starting resources when less time than this is left, and queues the rest: what
# it has judged must still be written, and the next task of its batch needs time too.
TIME_MARGIN_SECONDS = 10.0
HandOn = Callable[[Sequence[SweepTask]], None]


def sweep_rules(catalogue: Catalogue) -> dict[str, list[Rule]]:
    """The rules a sweep evaluates, by the resource type they judge."""
    by_type: dict[str, list[Rule]] = defaultdict(list)
    for rule in catalogue.rules.values():
        if any(isinstance(trigger, STATE_TRIGGERS) for trigger in rule.spec.triggers):
            by_type[rule.spec.resource_type].append(rule)
    return dict(by_type)


def plan(
    sweep_id: str,
    accounts: Iterable[str],
    regions: Sequence[str],
    home_region: str,
    resource_types: Iterable[str],
) -> list[SweepTask]:
    """One task per (account, region) for every type; global listings only in the home region."""
    types = sorted(resource_types)
    tasks = []
    for account_id in accounts:
        for region in regions:
            here = tuple(
                t
                for t in types
                if region == home_region
                or not (COLLECTORS.get(t) and COLLECTORS[t].home_region_only)
            )
            if here:
                tasks.append(
                    SweepTask(
                        sweep_id=sweep_id,
                        account_id=account_id,
                        region=region,
                        resource_types=here,
                    )
                )
    return tasks


def sweep_id_now(scheduled_time: str | None = None) -> str:
    """The sweep's id: from the schedule's time when given, so that a retried producer run
    queues the same tasks (which the evaluator then runs once), else from the clock."""
    if scheduled_time:
        moment = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00"))
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Producer:
    """Lists the organization's accounts and queues a sweep of each."""

    directory: Directory
    sqs: Any
    queue_url: str
    regions: tuple[str, ...]
    home_region: str
    catalogue: Catalogue

    def run(self, sweep_id: str) -> list[AccountSweep]:
        regions = self.regions or (self.home_region,)
        tasks = [
            AccountSweep(
                sweep_id=sweep_id, account_id=account, regions=regions, home_region=self.home_region
            )
            for account in self.directory.active_accounts()
        ]
        send_bodies(self.sqs, self.queue_url, [task.model_dump_json() for task in tasks])
        metrics.add_metric(name="SweepAccountsQueued", unit=MetricUnit.Count, value=len(tasks))
        logger.info("sweep queued", extra={"sweep_id": sweep_id, "accounts": len(tasks)})
        return tasks


def expand_account(evaluator: Evaluator, task: AccountSweep) -> list[SweepTask]:
    """An account task's sweep tasks: one per region, for every swept resource type."""
    evaluator.trust.check_task(task)
    return plan(
        task.sweep_id,
        [task.account_id],
        task.regions,
        task.home_region,
        sweep_rules(evaluator.catalogue),
    )


@dataclass
class TaskRun:
    """What a task did: its verdicts, and the part tasks it queued for later."""

    outcomes: list[Outcome] = field(default_factory=list)
    handed_on: list[SweepTask] = field(default_factory=list)

    def summary(self, task: SweepTask) -> dict[str, object]:
        """A small record of the run (what the runtime keeps for a finished task)."""
        by_status: dict[str, int] = defaultdict(int)
        for outcome in self.outcomes:
            by_status[outcome.status.value] += 1
        return {
            "task": task.label,
            "evaluations": len(self.outcomes),
            "by_status": dict(by_status),
            "handed_on": len(self.handed_on),
        }


@dataclass
class _Judged:
    """One type's resources in a task, with the rules that judge them."""

    resource_type: str
    rules: list[Rule]
    refs: list[ResourceRef] = field(default_factory=list)
    # Every resource id the type's whole listing named (this task's part and the parts handed
    # on), and when it began; None when the task did not list the type (a part, a denial).
    listed: set[str] | None = None
    listed_at: datetime | None = None


def run_task(
    evaluator: Evaluator,
    task: SweepTask,
    *,
    hand_on: HandOn,
    time_left: Callable[[], float] = lambda: math.inf,
) -> TaskRun:
    """Evaluate every swept rule on the task's resources: for each of its types, those the
    listing finds (the first part; the other parts are handed on as tasks of their own), or
    those a part task names.

    `hand_on` queues tasks for later; `time_left` is the seconds left to run in. A listing
    that is denied gives each of the type's rules a NOT_AVAILABLE finding on the account, so
    an account we cannot see is reported, never taken for an empty one.
    """
    by_type = sweep_rules(evaluator.catalogue)
    if unknown := [t for t in task.resource_types if t not in by_type]:
        raise RejectedEvent(f"sweep task {task.sweep_id}: no rule judges {', '.join(unknown)}")
    evaluator.trust.check_task(task)
    run = TaskRun()
    if time_left() < TIME_MARGIN_SECONDS:
        _hand_on(run, hand_on, [task.model_copy(update={"resumed": task.resumed + 1})])
        return run
    scope = EvaluationScope(reads=ReadCache(evaluator.clock))
    try:
        judged = [
            _listed(
                evaluator,
                task,
                resource_type,
                rules=by_type[resource_type],
                run=run,
                hand_on=hand_on,
                scope=scope,
            )
            for resource_type in task.resource_types
        ]
        scope.states |= evaluator.evidence.states(
            finding_id(rule.spec, ref)
            for group in judged
            for ref in group.refs
            for rule in group.rules
        )
        pending = [(group, ref) for group in judged for ref in group.refs]
        for index, (group, ref) in enumerate(pending):
            if index and time_left() < TIME_MARGIN_SECONDS:
                _hand_on(run, hand_on, _rest(task, pending[index:]))
                break
            run.outcomes += [
                outcome
                for rule in group.rules
                if (outcome := evaluator.evaluate_resource(rule, ref, None, scope=scope))
            ]
        # What a whole listing no longer names is gone: its open findings are archived.
        for group in judged:
            if group.listed is not None and group.listed_at is not None:
                run.outcomes += evaluator.archive_unlisted(
                    group.resource_type,
                    task.account_id,
                    task.region,
                    listed=group.listed,
                    listed_at=group.listed_at,
                    scope=scope,
                )
    except Exception:
        # The task fails and is retried (a fix that did not hold, an error), but what it
        # judged so far is recorded first, as it would have been one by one.
        evaluator.flush(scope)
        raise
    evaluator.flush(scope)
    metrics.add_metric(name="SweepReads", unit=MetricUnit.Count, value=scope.reads.made)
    return run


def _listed(
    evaluator: Evaluator,
    task: SweepTask,
    resource_type: str,
    *,
    rules: list[Rule],
    run: TaskRun,
    hand_on: HandOn,
    scope: EvaluationScope,
) -> _Judged:
    """One type's resources for this task; a denied listing is judged NOT_AVAILABLE here."""
    group = _Judged(resource_type, rules)
    account = ResourceRef(
        resource_type=ACCOUNT,
        resource_id=task.account_id,
        account_id=task.account_id,
        region=task.region,
    )
    if resource_type == ACCOUNT:
        group.refs = [account]
        return group
    listed_at = evaluator.clock()
    try:
        listed = _resources(evaluator, task, resource_type, run, hand_on)
    except AccessDenied as error:
        metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
        known = Verdict(
            status=Status.NOT_AVAILABLE,
            reason=f"Cannot list the account's {resource_type} resources: {error}"[:1024],
        )
        run.outcomes += [
            outcome
            for rule in rules
            if (
                outcome := evaluator.evaluate_resource(
                    rule, account, None, known=known, scope=scope
                )
            )
        ]
        return group
    group.refs = _refs(rules[0], listed, task, scope)
    if task.resources is None:
        group.listed = {item.resource_id for item in listed} | {
            r.id
            for part in run.handed_on
            if part.resources and part.resource_types == (resource_type,)
            for r in part.resources
        }
        group.listed_at = listed_at
    return group


def _resources(
    evaluator: Evaluator, task: SweepTask, resource_type: str, run: TaskRun, hand_on: HandOn
) -> list[Listed]:
    """The resources of a type this task judges: a part's named ones (described again in one
    call where the type allows), or the listing's first part, handing the other parts on."""
    collector = COLLECTORS[resource_type]
    where = {
        "account_id": task.account_id,
        "region": task.region,
        "role_name": evaluator.settings.read_role_name,
    }
    if task.resources is not None:
        described = collector.collect_named(
            evaluator.sessions, **where, ids=[r.id for r in task.resources]
        )
        return [described.get(r.id) or Listed(r.id, region=r.region) for r in task.resources]
    mine: list[Listed] = []
    part: list[PartResource] = []
    parts: list[SweepTask] = []
    for listed in collector.collect(evaluator.sessions, **where):
        if len(mine) < collector.part_size:
            mine.append(listed)
            continue
        part.append(PartResource(id=listed.resource_id, region=listed.region or task.region))
        if len(part) == collector.part_size:
            parts.append(_part(task, resource_type, len(parts) + 1, part))
            part = []
    if part:
        parts.append(_part(task, resource_type, len(parts) + 1, part))
    _hand_on(run, hand_on, parts)
    return mine


def _part(
    task: SweepTask, resource_type: str, number: int, resources: list[PartResource]
) -> SweepTask:
    return task.model_copy(
        update={"resource_types": (resource_type,), "resources": tuple(resources), "part": number}
    )


def _rest(task: SweepTask, pending: list[tuple[_Judged, ResourceRef]]) -> list[SweepTask]:
    """What a task out of time has not judged: one task per type, naming its resources."""
    by_type: dict[str, list[PartResource]] = {}
    for group, ref in pending:
        by_type.setdefault(group.resource_type, []).append(
            PartResource(id=ref.resource_id, region=ref.region)
        )
    return [
        task.model_copy(
            update={
                "resource_types": (resource_type,),
                "resources": tuple(resources),
                "resumed": task.resumed + 1,
            }
        )
        for resource_type, resources in by_type.items()
    ]


def _hand_on(run: TaskRun, hand_on: HandOn, tasks: list[SweepTask]) -> None:
    if tasks:
        hand_on(tasks)
        run.handed_on += tasks
        metrics.add_metric(name="SweepTasksHandedOn", unit=MetricUnit.Count, value=len(tasks))


def _refs(
    rule: Rule, listed: Sequence[Listed], task: SweepTask, scope: EvaluationScope
) -> list[ResourceRef]:
    """Validated references to the listed resources; what the listing said becomes known."""
    refs = []
    for item in listed:
        try:
            ref = resource_ref(rule, item.resource_id, task.account_id, item.region or task.region)
        except RejectedEvent as error:
            # A name AWS listed but our identifier check refuses: say so loudly, judge the rest.
            metrics.add_metric(name="SweepResourcesSkipped", unit=MetricUnit.Count, value=1)
            logger.error("listed resource skipped", extra={"reason": str(error)})
            continue
        for fact, value in item.facts.items():
            scope.reads.know(fact, ref.arn, value)
        refs.append(ref)
    return refs
