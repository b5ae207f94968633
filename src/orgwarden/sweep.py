"""The periodic sweep: state no event announces (root keys, account defaults), and drift whose
event was lost.

A scheduled producer lists the organization's active accounts and sends one task per (account,
region, resource type) to the evaluation queue. The evaluator runs a task by listing that type's
resources in the account and region and evaluating every rule about them through the same path
as an event (read, evaluate, decide, fix, verify, evidence, finding), with no cause. A task that
fails is a failed queue message: retried, then dead-lettered, so a sweep resumes from the queue
instead of starting over.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.inventory import ACCOUNT, COLLECTORS
from orgwarden.aws.organization import Directory
from orgwarden.aws.task_queue import send_bodies
from orgwarden.evaluator import Evaluator, Outcome, RejectedEvent, resource_ref
from orgwarden.model.identifiers import AccountId, Region
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import CloudTrail, ConfigItem, Periodic, Status, Verdict
from policies import Catalogue, Rule

logger = Logger(child=True)
metrics = Metrics()

# Triggers that announce a change of state: a rule with one of them judges state the sweep can
# read. Rules triggered only by an occurrence (a root login, a GuardDuty finding) need the event.
STATE_TRIGGERS = (CloudTrail, ConfigItem, Periodic)


class SweepTask(BaseModel):
    """One queued unit of a sweep: every resource of one type in one account and region."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["sweep"] = "sweep"
    sweep_id: str = Field(pattern=r"^[A-Za-z0-9:._-]{1,64}$")
    account_id: AccountId
    region: Region
    resource_type: str = Field(pattern=r"^Aws[A-Za-z0-9]+$")


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
    """One task per (account, region, resource type); global listings only in the home region."""
    tasks = []
    for account_id in accounts:
        for region in regions:
            for resource_type in sorted(resource_types):
                collector = COLLECTORS.get(resource_type)
                if collector and collector.home_region_only and region != home_region:
                    continue
                tasks.append(
                    SweepTask(
                        sweep_id=sweep_id,
                        account_id=account_id,
                        region=region,
                        resource_type=resource_type,
                    )
                )
    return tasks


def sweep_id_now() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Producer:
    """Lists the organization's accounts and queues a sweep of them."""

    directory: Directory
    sqs: Any
    queue_url: str
    regions: tuple[str, ...]
    home_region: str
    catalogue: Catalogue

    def run(self, sweep_id: str) -> list[SweepTask]:
        tasks = plan(
            sweep_id,
            self.directory.active_accounts(),
            self.regions or (self.home_region,),
            self.home_region,
            sweep_rules(self.catalogue),
        )
        send_bodies(self.sqs, self.queue_url, [task.model_dump_json() for task in tasks])
        metrics.add_metric(name="SweepTasksQueued", unit=MetricUnit.Count, value=len(tasks))
        logger.info("sweep queued", extra={"sweep_id": sweep_id, "tasks": len(tasks)})
        return tasks


def parse_task(body: str) -> SweepTask | None:
    """The sweep task a message body holds, or None when it holds something else (an event)."""
    try:
        raw = json.loads(body)
    except json.JSONDecodeError:
        return None
    if not isinstance(raw, dict) or raw.get("kind") != "sweep":
        return None
    try:
        return SweepTask.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False)[:5]
        )
        raise RejectedEvent(f"sweep task rejected: {problems}") from error


def run_task(evaluator: Evaluator, task: SweepTask) -> list[Outcome]:
    """Evaluate every swept rule on every resource of the task's type in its account and region.

    A listing that is denied gives each rule a NOT_AVAILABLE finding on the account, so an
    account we cannot see is reported, never taken for an empty one.
    """
    rules = sweep_rules(evaluator.catalogue).get(task.resource_type)
    if not rules:
        raise RejectedEvent(f"sweep task {task.sweep_id}: no rule judges {task.resource_type}")
    if evaluator.directory is not None and not evaluator.directory.is_member(task.account_id):
        raise RejectedEvent(
            f"sweep task {task.sweep_id}: account {task.account_id} is not an active member"
        )
    account = ResourceRef(
        resource_type=ACCOUNT,
        resource_id=task.account_id,
        account_id=task.account_id,
        region=task.region,
    )
    refs: list[ResourceRef | None]
    if task.resource_type == ACCOUNT:
        refs = [account]
    else:
        try:
            ids = COLLECTORS[task.resource_type].collect(
                evaluator.sessions,
                account_id=task.account_id,
                region=task.region,
                role_name=evaluator.settings.read_role_name,
            )
        except AccessDenied as error:
            metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
            known = Verdict(
                status=Status.NOT_AVAILABLE,
                reason=f"Cannot list the account's {task.resource_type} resources: {error}"[:1024],
            )
            return [
                outcome
                for rule in rules
                if (outcome := evaluator.evaluate_resource(rule, account, None, known=known))
            ]
        refs = [_ref(rules[0], resource_id, task) for resource_id in ids]
    return [
        outcome
        for ref in refs
        if ref is not None
        for rule in rules
        if (outcome := evaluator.evaluate_resource(rule, ref, None))
    ]


def _ref(rule: Rule, resource_id: str, task: SweepTask) -> ResourceRef | None:
    try:
        return resource_ref(rule, resource_id, task.account_id, task.region)
    except RejectedEvent as error:
        # A name AWS listed but our identifier check refuses: say so loudly, judge the rest.
        metrics.add_metric(name="SweepResourcesSkipped", unit=MetricUnit.Count, value=1)
        logger.error("listed resource skipped", extra={"reason": str(error)})
        return None
