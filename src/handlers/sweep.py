"""Sweep producer function: on its schedule, queue one sweep task per (account, region,
resource type) for the evaluator.

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
    from orgwarden.runtime import sweep_producer  # noqa: PLC0415 - see the module docstring
    from orgwarden.sweep import sweep_id_now  # noqa: PLC0415

    tasks = sweep_producer().run(sweep_id_now())
    return {"tasks": len(tasks)}
