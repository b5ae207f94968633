"""Wiring for the Lambda runtime: settings, clients and the idempotent entry, built once per
container (lazily, so importing a handler stays cheap and tests can set the environment first).
"""

import math
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from orgwarden.aws.control_table import ControlTable
from orgwarden.aws.dead_letter_queue import DeadLetterQueue
from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.aws.organization import Directory
from orgwarden.aws.sessions import Sessions
from orgwarden.aws.task_queue import send_bodies
from orgwarden.engine.config_rule import TagComplianceRule
from orgwarden.engine.evaluator import Evaluator, Outcome, parse_event
from orgwarden.engine.policy import default_policy
from orgwarden.engine.settings import ConfigRuleSettings, Settings, SweepSettings
from orgwarden.engine.sweep import AccountSweep, Producer, SweepTask, Task, expand_account, run_task
from orgwarden.model.events import Event, EventContext
from policies import load_catalogue


class EventService:
    """Parses a queued message and evaluates the event it carries at most once.

    The idempotency key is the event's id (a CloudTrail record's eventID): a redelivered event
    is not evaluated again. When one of its rules failed (a fix that did not verify, an error),
    the retry evaluates all of its rules again, and a rule whose fix held reads compliant and
    is not fixed twice. A replayed event's key also names its replay, so a replay evaluates
    again (with the rules as they are now) while its own duplicates are evaluated once.
    """

    def __init__(
        self,
        evaluator: Evaluator,
        persistence: DynamoDBPersistenceLayer,
        ttl: int,
        queue: tuple[Any, str] | None = None,
        *,
        dead_letters: DeadLetterQueue | None = None,
        max_receive_count: int = 5,
    ) -> None:
        self.evaluator = evaluator
        self.dead_letters = dead_letters
        self.max_receive_count = max_receive_count
        self.idempotency = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=ttl)
        once = idempotent_function(
            data_keyword_argument="subject", config=self.idempotency, persistence_store=persistence
        )
        self._once = once(self._evaluate)
        self._sweep_once = once(self._sweep)
        # The evaluation queue (SQS client, URL), where sweep tasks queue further tasks.
        self.queue = queue

    @staticmethod
    def parse(body: str) -> tuple[Event, dict[str, Any]]:
        """Parse a message body, or raise RejectedEvent before it costs an idempotency record."""
        return parse_event(body)

    def handle(self, parsed: Event, raw: dict[str, Any]) -> list[dict[str, Any]]:
        # EventBridge marks a replayed event with the replay's name (PutEvents cannot set it):
        # a replay after a rule fix evaluates again, and its duplicates do not.
        replay = raw.get("replay-name")
        # A CloudTrail record is known by its eventID (EventBridge may deliver it twice, each
        # time in a new envelope); other events by their envelope id.
        key = EventContext.of(parsed).event_id
        if isinstance(replay, str):
            key = f"replay/{replay}#{key}"
        outcomes = self.evaluator.process(parsed, raw, once=partial(self._run, key=key))
        return [o.model_dump(mode="json") for o in outcomes]

    def sweep(self, task: Task) -> dict[str, Any]:
        """Run one sweep task at most once to the end: a redelivered task that has finished
        (its batch timed out after it, or the producer ran twice) is not run again, and one
        that failed is (the idempotency record of a failed run is removed)."""
        result: dict[str, Any] = self._sweep_once(subject={"key": task.key}, task=task)
        return result

    def _sweep(self, subject: dict[str, str], task: Task) -> dict[str, Any]:
        if isinstance(task, AccountSweep):
            tasks = expand_account(self.evaluator, task)
            self._queue(tasks)
            return {"task": f"{task.account_id} plan", "queued": len(tasks)}
        run = run_task(self.evaluator, task, hand_on=self._queue, time_left=self._time_left)
        return run.summary(task)

    def _queue(self, tasks: Sequence[SweepTask]) -> None:
        if self.queue is None:
            raise RuntimeError("sweep tasks need ORGWARDEN_EVALUATION_QUEUE_URL to queue tasks")
        sqs, url = self.queue
        send_bodies(sqs, url, [task.model_dump_json() for task in tasks])

    def _time_left(self) -> float:
        """Seconds left in this invocation (unbounded outside Lambda)."""
        context = self.idempotency.lambda_context
        if context is None:
            return math.inf
        return float(context.get_remaining_time_in_millis()) / 1000

    def _run(self, evaluate: Callable[[], list[Outcome]], *, key: str) -> list[Outcome]:
        result: list[dict[str, Any]] = self._once(subject={"key": key}, evaluate=evaluate)
        return [Outcome.model_validate(o) for o in result]

    @staticmethod
    def _evaluate(
        subject: dict[str, str], evaluate: Callable[[], list[Outcome]]
    ) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in evaluate()]


def build_evaluator(settings: Settings, sessions: Sessions) -> Evaluator:
    """The evaluator with its stores and the organization directory (also the CLI's scan)."""
    dynamodb = sessions.home_client("dynamodb")
    return Evaluator(
        settings,
        sessions,
        load_catalogue(),
        EvidenceStore(dynamodb, settings.evidence_table),
        default_policy(settings.policy_file),
        control=ControlTable(dynamodb, settings.control_table),
        directory=organization_directory(sessions, settings.organization_role_arn),
    )


def organization_directory(sessions: Sessions, role_arn: str | None) -> Directory:
    return Directory(
        lambda: (
            sessions.assumed_client("organizations", role_arn)
            if role_arn
            else sessions.home_client("organizations")
        )
    )


@cache
def event_service() -> EventService:
    settings = Settings()  # type: ignore[call-arg]  # required fields come from the environment
    sessions = Sessions()
    evaluator = build_evaluator(settings, sessions)
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=sessions.home_client("dynamodb")
    )
    dead_letters = (
        DeadLetterQueue(lambda: sessions.home_client("sqs"), settings.dead_letter_queue_url)
        if settings.dead_letter_queue_url
        else None
    )
    queue = None
    if settings.evaluation_queue_url:
        queue = (sessions.home_client("sqs"), settings.evaluation_queue_url)
    return EventService(
        evaluator,
        persistence,
        settings.idempotency_ttl_seconds,
        queue,
        dead_letters=dead_letters,
        max_receive_count=settings.max_receive_count,
    )


@cache
def sweep_producer() -> Producer:
    settings = SweepSettings()  # type: ignore[call-arg]  # required fields come from the environment
    sessions = Sessions()
    return Producer(
        directory=organization_directory(sessions, settings.organization_role_arn),
        sqs=sessions.home_client("sqs"),
        queue_url=settings.evaluation_queue_url,
        regions=tuple(settings.sweep_regions),
        home_region=settings.home_region or sessions.home_region,
        catalogue=load_catalogue(),
    )


@cache
def config_rule() -> TagComplianceRule:
    """The Config custom rule, reaching members' Config through the configured role."""
    settings = ConfigRuleSettings()
    sessions = Sessions()
    directory = organization_directory(sessions, settings.organization_role_arn)

    def member_config(account_id: str, region: str) -> Any:
        # Config invokes this function for any account that names it; only members are served.
        if not directory.is_member(account_id):
            raise PermissionError(f"{account_id} is not an active member of the organization")
        return sessions.client(
            "config", account_id=account_id, role_name=settings.config_rule_role_name, region=region
        )

    return TagComplianceRule(
        load_catalogue(), default_policy(settings.policy_file), member_config, directory.ous
    )
