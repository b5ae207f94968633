"""Sweep producer function: on its schedule, queue one sweep task per (account, region,
resource type) for the evaluator."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from orgwarden.runtime import sweep_producer
from orgwarden.sweep import sweep_id_now

logger = Logger(service="orgwarden")
metrics = Metrics(namespace="Orgwarden", service="orgwarden")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tasks = sweep_producer().run(sweep_id_now())
    return {"tasks": len(tasks)}
