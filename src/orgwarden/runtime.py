"""Wiring for the Lambda runtime: settings, clients and the idempotent entry, built once per
container (lazily, so importing a handler stays cheap and tests can set the environment first).
"""

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
from orgwarden.config_rule import TagComplianceRule
from orgwarden.evaluator import Evaluator, Outcome, parse_event
from orgwarden.model.events import Event, EventContext
from orgwarden.policy_file import default_policy
from orgwarden.settings import ConfigRuleSettings, Settings, SweepSettings
from orgwarden.sweep import Producer, SweepTask, run_task
from policies import load_catalogue
from policies.catalogue import Match


class EventService:
    """Parses a queued message and evaluates each (rule, resource) it names at most once.

    The idempotency key is the event id plus the rule and resource: a redelivered event is not
    evaluated again, and when one resource of an event failed, a retry redoes only that one. A
    replayed event's key also names its replay, so a replay evaluates again (with the rules as
    they are now) while its own duplicates are evaluated once.
    """

    def __init__(
        self,
        evaluator: Evaluator,
        persistence: DynamoDBPersistenceLayer,
        ttl: int,
        *,
        dead_letters: DeadLetterQueue | None = None,
        max_receive_count: int = 5,
    ) -> None:
        self.evaluator = evaluator
        self.dead_letters = dead_letters
        self.max_receive_count = max_receive_count
        self.idempotency = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=ttl)
        self._once = idempotent_function(
            data_keyword_argument="subject", config=self.idempotency, persistence_store=persistence
        )(self._evaluate)

    @staticmethod
    def parse(body: str) -> tuple[Event, dict[str, Any]]:
        """Parse a message body, or raise RejectedEvent before it costs an idempotency record."""
        return parse_event(body)

    def handle(self, parsed: Event, raw: dict[str, Any]) -> list[dict[str, Any]]:
        # EventBridge marks a replayed event with the replay's name (PutEvents cannot set it):
        # a replay after a rule fix evaluates again, and its duplicates do not.
        replay = raw.get("replay-name")
        each = partial(self._each, replay=replay if isinstance(replay, str) else None)
        outcomes = self.evaluator.process(parsed, raw, each=each)
        return [o.model_dump(mode="json") for o in outcomes]

    def sweep(self, task: SweepTask) -> list[dict[str, Any]]:
        """Run one sweep task. Not made idempotent: evaluating current state again is harmless,
        and a retried task must evaluate again."""
        return [o.model_dump(mode="json") for o in run_task(self.evaluator, task)]

    def _each(self, match: Match, cause: EventContext, *, replay: str | None) -> Outcome | None:
        subject = match.key or str(match.resource_id)
        key = f"{cause.event_id}#{match.rule.spec.id}#{match.account_id}#{match.region}#{subject}"
        if replay:
            key = f"replay/{replay}#{key}"
        result = self._once(subject={"key": key}, match=match, cause=cause)
        return Outcome.model_validate(result) if result else None

    def _evaluate(
        self, subject: dict[str, str], match: Match, cause: EventContext
    ) -> dict[str, Any] | None:
        outcome = self.evaluator.evaluate_match(match, cause)
        return outcome.model_dump(mode="json") if outcome else None


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
    return EventService(
        evaluator,
        persistence,
        settings.idempotency_ttl_seconds,
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
