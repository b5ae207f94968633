"""Archiver function: the evidence table's stream, as JSON lines in the archive bucket.

A failed batch raises: Lambda retries it (halving it on each error) and then sends its
description to the on-failure queue; the object keys are deterministic, so a retry is idempotent.
Only Powertools' logger is imported with the module; the rest by the first invocation (see
`handlers.evaluator`).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from orgwarden.engine.archiver import archive_batch  # noqa: PLC0415 - see the docstring

    objects = archive_batch(event["Records"])
    logger.info("archived", extra={"records": len(event["Records"]), "objects": objects})
    return {"objects": objects}
