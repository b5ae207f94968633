"""Sweep producer function: on its schedule, queue one sweep task per active account; the
evaluator expands each into tasks per (region, resource type).

Only Powertools' logger and metrics are imported with the module; the service is imported by
the first invocation (see `handlers.evaluator`).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="orgwarden")
metrics = Metrics(namespace="Orgwarden", service="orgwarden")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from orgwarden.engine.runtime import sweep_producer  # noqa: PLC0415 - see the module docstring
    from orgwarden.engine.sweep import sweep_id_now  # noqa: PLC0415

    # The schedule sends its scheduled time: a retried run queues the same sweep again, whose
    # finished tasks the evaluator does not run twice.
    scheduled = event.get("scheduled_time") if isinstance(event, dict) else None
    tasks = sweep_producer().run(sweep_id_now(scheduled if isinstance(scheduled, str) else None))
    return {"accounts": len(tasks)}
