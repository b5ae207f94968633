"""Evaluator function: SQS batches of EventBridge events and sweep tasks, with partial batch
failures.

Every received message ends evaluated (its verdicts in the evidence table) or parked in the
dead-letter queue with a machine-readable reason (`orgwarden.engine.dead_letters`): a rejected event
at once, a transient failure on the queue's last allowed receive. Other failures are reported
as batch item failures, so SQS delivers exactly those again.

Only Powertools' logger and metrics (and the pure dead-letter reasons) are imported with the
module. The service (boto3, the models, the rule catalogue, Powertools' batch and idempotency
utilities) is imported by the first invocation, so the container's import stays small;
`bench.cold_import` reports both.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from orgwarden.engine import dead_letters

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from orgwarden.engine.runtime import EventService

logger = Logger(service="orgwarden")
metrics = Metrics(namespace="Orgwarden", service="orgwarden")


@cache
def processor() -> "BatchProcessor":
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType  # noqa: PLC0415

    # Every record failing is still a partial response: SQS retries exactly those, nothing is lost.
    return BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: "SQSRecord") -> Any:
    from orgwarden.engine.evaluator import RejectedEvent  # noqa: PLC0415 - see the module docstring
    from orgwarden.engine.runtime import event_service  # noqa: PLC0415
    from orgwarden.engine.sweep import parse_task  # noqa: PLC0415

    service = event_service()
    logger.set_correlation_id(None)  # never let the previous record's id label this one
    try:
        task = parse_task(record.body)
        if task is not None:
            logger.set_correlation_id(f"sweep/{task.sweep_id}")
            return service.sweep(task)
        parsed, raw = service.parse(record.body)
        logger.set_correlation_id(parsed.id)
        return service.handle(parsed, raw)
    except RejectedEvent as error:
        logger.error(
            "event rejected",
            extra={"message_id": record.message_id, "reason": str(error), "code": error.reason},
        )
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        if not _parked(service, record, error, error.reason):
            raise
        return []
    except Exception as error:
        if not _parked(service, record, error, None):
            raise  # a batch item failure: SQS delivers it again
        return []


def _parked(
    service: "EventService",
    record: "SQSRecord",
    error: Exception,
    reason: dead_letters.DeadLetterReason | None,
) -> bool:
    """Park the message in the dead-letter queue if it is rejected or out of retries.

    Without a configured queue nothing is parked here; the queue's redrive policy is then the
    only way to the dead-letter queue (a message without a reason).
    """
    receive_count = int(record.raw_event.get("attributes", {}).get("ApproximateReceiveCount", 1))
    parked = dead_letters.park_now(reason, receive_count, service.max_receive_count)
    if parked is None or service.dead_letters is None:
        return False
    if parked is dead_letters.DeadLetterReason.RETRIES_EXHAUSTED:
        logger.exception(
            "retries exhausted: parked in the dead-letter queue",
            extra={"message_id": record.message_id, "receive_count": receive_count},
        )
    service.dead_letters.park(
        record.body,
        dead_letters.attributes(
            parked,
            str(error) or type(error).__name__,
            original_message_id=record.message_id,
            receive_count=receive_count,
            event_id=dead_letters.event_identity(record.body),
            error=type(error).__name__,
        ),
    )
    metrics.add_metric(name="EventsDeadLettered", unit=MetricUnit.Count, value=1)
    return True


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import process_partial_response  # noqa: PLC0415

    from orgwarden.engine.runtime import event_service  # noqa: PLC0415

    # Lets an in-progress idempotency record expire with this invocation if it times out.
    event_service().idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor(), context=context
    )
