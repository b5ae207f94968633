"""Wiring for the Lambda runtime: settings, clients and the idempotent entry, built once per
container (lazily, so importing a handler stays cheap and tests can set the environment first).
"""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.aws.sessions import Sessions
from orgwarden.evaluator import Evaluator, parse_event
from orgwarden.model.events import Event
from orgwarden.policy_file import default_policy
from orgwarden.settings import Settings
from policies import load_catalogue


class EventService:
    """Parses a queued message and evaluates it at most once per event id."""

    def __init__(
        self, evaluator: Evaluator, persistence: DynamoDBPersistenceLayer, ttl: int
    ) -> None:
        self.evaluator = evaluator
        self.idempotency = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=ttl)
        self._once = idempotent_function(
            data_keyword_argument="event", config=self.idempotency, persistence_store=persistence
        )(self._evaluate)

    @staticmethod
    def parse(body: str) -> tuple[Event, dict[str, Any]]:
        """Parse a message body, or raise RejectedEvent before it costs an idempotency record."""
        return parse_event(body)

    def handle(self, parsed: Event, raw: dict[str, Any]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._once(event=raw, parsed=parsed)
        return result

    def _evaluate(self, event: dict[str, Any], parsed: Event) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in self.evaluator.process(parsed, event)]


@cache
def event_service() -> EventService:
    settings = Settings()  # type: ignore[call-arg]  # required fields come from the environment
    sessions = Sessions()
    evidence = EvidenceStore(sessions.home_client("dynamodb"), settings.evidence_table)
    policy = default_policy(settings.policy_file)
    evaluator = Evaluator(settings, sessions, load_catalogue(), evidence, policy)
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=sessions.home_client("dynamodb")
    )
    return EventService(evaluator, persistence, settings.idempotency_ttl_seconds)
