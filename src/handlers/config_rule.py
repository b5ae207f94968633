"""AWS Config custom rule function: required tags with allowed values, per OU.

Only Powertools' logger is imported with the module; the service is imported by the first
invocation (see `handlers.evaluator`).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="orgwarden")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from orgwarden.engine.runtime import config_rule  # noqa: PLC0415 - see the module docstring

    evaluations = config_rule().handle(event)
    return {"evaluations": len(evaluations)}
