"""Evaluator function: SQS batches of events and sweep tasks, each record handed to the service
(`EventService.handle`), with partial batch failures. Only Powertools' logger and metrics are
imported with the module, the service by the first invocation (`bench.cold_import`)."""

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
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


def record_handler(record: "SQSRecord") -> Any:
    from orgwarden.engine.runtime import event_service  # noqa: PLC0415 - see the module docstring

    return event_service().handle(record)


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
