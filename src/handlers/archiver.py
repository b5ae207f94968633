"""Archiver function: the evidence table's stream, as JSON lines in the archive bucket.

A failed batch raises: Lambda retries it (halving it on each error) and then sends its
description to the on-failure queue; the object keys are deterministic, so a retry is idempotent.
Only Powertools' logger is imported with the module; the rest by the first invocation (see
`handlers.evaluator`).
"""

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from orgwarden.aws.evidence_archive import EvidenceArchive

logger = Logger()


@cache
def archive() -> "EvidenceArchive":
    from orgwarden.aws.evidence_archive import EvidenceArchive  # noqa: PLC0415
    from orgwarden.aws.sessions import Sessions  # noqa: PLC0415

    return EvidenceArchive(Sessions().home_client("s3"), os.environ["ORGWARDEN_ARCHIVE_BUCKET"])


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from orgwarden.engine.archive import archive_objects  # noqa: PLC0415 - see the module docstring

    objects = archive_objects(event["Records"])
    archive().write(objects)
    logger.info("archived", extra={"records": len(event["Records"]), "objects": sorted(objects)})
    return {"objects": sorted(objects)}
