"""The archiver function's work: a batch of the evidence table's stream records, written to the
archive bucket as the JSON-lines objects `orgwarden.engine.archive` lays out.

Its own small module, not `orgwarden.engine.runtime`, so the archiver's cold start does not pay
for the evaluator's imports.
"""

import os
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from orgwarden.aws.evidence_archive import EvidenceArchive
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.archive import archive_objects


@cache
def archive() -> EvidenceArchive:
    return EvidenceArchive(Sessions().home_client("s3"), os.environ["ORGWARDEN_ARCHIVE_BUCKET"])


def archive_batch(stream_records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Write the batch's objects; their keys, sorted. A failure raises, so Lambda retries the
    batch (its keys are deterministic, so a retry writes the same objects again)."""
    objects = archive_objects(stream_records)
    archive().write(objects)
    return sorted(objects)
