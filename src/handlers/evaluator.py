"""Evaluator function: SQS batches of EventBridge events and sweep tasks, with partial batch
failures.

Every received message ends evaluated (its verdicts in the evidence table) or parked in the
dead-letter queue with a machine-readable reason (`orgwarden.dead_letters`): a rejected event
at once, a transient failure on the queue's last allowed receive. Other failures are reported
as batch item failures, so SQS delivers exactly those again.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from orgwarden import dead_letters
from orgwarden.evaluator import RejectedEvent
from orgwarden.runtime import EventService, event_service
from orgwarden.sweep import parse_task

logger = Logger(service="orgwarden")
metrics = Metrics(namespace="Orgwarden", service="orgwarden")
# Every record failing is still a partial response: SQS retries exactly those, nothing is lost.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> list[dict[str, Any]]:
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
    service: EventService,
    record: SQSRecord,
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
    # Lets an in-progress idempotency record expire with this invocation if it times out.
    event_service().idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
