"""Wiring for the Lambda runtime: settings, clients and the idempotent entry, built once per
container (lazily, so importing a handler stays cheap and tests can set the environment first).
"""

import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
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
from orgwarden.engine import dead_letters
from orgwarden.engine.config_rule import TagComplianceRule
from orgwarden.engine.evaluator import Evaluator, Outcome
from orgwarden.engine.messages import (
    AccountSweep,
    Received,
    RejectedEvent,
    SweepTask,
    Task,
    parse_message,
)
from orgwarden.engine.policy import default_policy
from orgwarden.engine.settings import ConfigRuleSettings, Settings, SweepSettings
from orgwarden.engine.sweep import Producer, expand_account, run_task
from orgwarden.engine.trust import Trust
from orgwarden.model.events import Event, EventContext
from orgwarden.model.policy_file import PolicyFile
from policies import load_catalogue

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

# The evaluator function's own logger (one logger per service name): the handler's records
# and these share their correlation id.
logger = Logger(service="orgwarden")
metrics = Metrics()


class EventService:
    """Takes one queued message to its end: evaluated at most once, or parked with a reason.

    Every received message ends evaluated (its verdicts in the evidence table) or parked in the
    dead-letter queue with a machine-readable reason (`orgwarden.engine.dead_letters`): a
    rejected message at once, a transient failure on the queue's last allowed receive. Other
    failures propagate, and the batch reports them, so SQS delivers exactly those again.

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

    def handle(self, record: "SQSRecord") -> Any:
        """One record of an SQS batch: its body parsed once, then the event evaluated or the
        sweep task run; a rejection is logged, counted and parked, as is a last failure."""
        logger.set_correlation_id(None)  # never let the previous record's id label this one
        received: Received | None = None
        try:
            try:
                received = parse_message(record.body)
            except RecursionError as error:  # whatever the shape, a rejection with a reason
                raise RejectedEvent("body is nested too deeply to be read") from error
            logger.set_correlation_id(received.correlation_id)
            if isinstance(received.message, Task):
                return self._task(received.message)
            return self._event(received.message, received.raw)
        except RejectedEvent as error:
            logger.error(
                "event rejected",
                extra={"message_id": record.message_id, "reason": str(error), "code": error.reason},
            )
            metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
            identity = received.identity if received else error.identity
            if not self._parked(record, error, error.reason, identity):
                raise
            return []
        except Exception as error:
            if not self._parked(record, error, None, received.identity if received else None):
                raise  # a batch item failure: SQS delivers it again
            return []

    def _parked(
        self,
        record: "SQSRecord",
        error: Exception,
        reason: dead_letters.DeadLetterReason | None,
        identity: str | None,
    ) -> bool:
        """Park the message in the dead-letter queue if it is rejected or out of retries.

        Without a configured queue nothing is parked here; the queue's redrive policy is then
        the only way to the dead-letter queue (a message without a reason).
        """
        attributes = record.raw_event.get("attributes", {})
        receive_count = int(attributes.get("ApproximateReceiveCount", 1))
        parked = dead_letters.park_now(reason, receive_count, self.max_receive_count)
        if parked is None or self.dead_letters is None:
            return False
        if parked is dead_letters.DeadLetterReason.RETRIES_EXHAUSTED:
            logger.exception(
                "retries exhausted: parked in the dead-letter queue",
                extra={"message_id": record.message_id, "receive_count": receive_count},
            )
        self.dead_letters.park(
            record.body,
            dead_letters.attributes(
                parked,
                str(error) or type(error).__name__,
                original_message_id=record.message_id,
                receive_count=receive_count,
                event_id=identity,
                error=type(error).__name__,
            ),
        )
        metrics.add_metric(name="EventsDeadLettered", unit=MetricUnit.Count, value=1)
        return True

    def _event(self, parsed: Event, raw: dict[str, Any]) -> list[dict[str, Any]]:
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

    def _task(self, task: Task) -> dict[str, Any]:
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


def build_evaluator(
    settings: Settings,
    sessions: Sessions,
    *,
    policy: PolicyFile | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> Evaluator:
    """The evaluator with its stores, control table and the organization directory (also the
    CLI's scan). `policy` stands in for the settings' policy file, and `clock` and `sleep` for
    time, where a test needs them to."""
    dynamodb = sessions.home_client("dynamodb")
    return Evaluator(
        settings,
        sessions,
        load_catalogue(),
        EvidenceStore(dynamodb, settings.evidence_table),
        policy or default_policy(settings.policy_file),
        control=ControlTable(dynamodb, settings.control_table),
        directory=organization_directory(sessions, settings.organization_role_arn),
        clock=clock,
        sleep=sleep,
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
    trust = Trust(directory)

    def member_config(account_id: str, region: str) -> Any:
        trust.check_config_invocation(account_id)
        return sessions.client(
            "config", account_id=account_id, role_name=settings.config_rule_role_name, region=region
        )

    return TagComplianceRule(
        load_catalogue(), default_policy(settings.policy_file), member_config, directory.ous
    )
