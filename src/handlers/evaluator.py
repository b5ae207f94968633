"""Evaluator function: SQS batches of EventBridge events and sweep tasks, with partial batch
failures.

Only Powertools' logger and metrics are imported with the module. The service (boto3, the
models, the rule catalogue, Powertools' batch and idempotency utilities) is imported by the
first invocation, so the container's import stays small; `bench.cold_import` reports both.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

logger = Logger(service="orgwarden")
metrics = Metrics(namespace="Orgwarden", service="orgwarden")


@cache
def processor() -> "BatchProcessor":
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType  # noqa: PLC0415

    # Every record failing is still a partial response: SQS retries exactly those, nothing is lost.
    return BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: "SQSRecord") -> list[dict[str, Any]]:
    from orgwarden.evaluator import RejectedEvent  # noqa: PLC0415 - see the module docstring
    from orgwarden.runtime import event_service  # noqa: PLC0415
    from orgwarden.sweep import parse_task  # noqa: PLC0415

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
        # Reported as this item's failure (its siblings go on); redrive takes it to the DLQ.
        logger.error(
            "event rejected", extra={"message_id": record.message_id, "reason": str(error)}
        )
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        raise


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import process_partial_response  # noqa: PLC0415

    from orgwarden.runtime import event_service  # noqa: PLC0415

    # Lets an in-progress idempotency record expire with this invocation if it times out.
    event_service().idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor(), context=context
    )
