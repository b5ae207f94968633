"""AWS Config custom rule function: required tags with allowed values, per OU."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from orgwarden.runtime import config_rule

logger = Logger(service="orgwarden")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    evaluations = config_rule().handle(event)
    return {"evaluations": len(evaluations)}
