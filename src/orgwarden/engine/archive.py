"""The evidence archive in S3: append-only JSON lines, partitioned by date. Pure: no I/O.

The archiver function is fed by the evidence table's stream. Each new history item becomes one
line, the `EvidenceRecord` JSON exactly as the evaluator stored it, under
`evidence/dt=<observed date, UTC>/` (Hive style, so Athena's partition projection and DuckDB's
`hive_partitioning` read it as a `dt` column). An object is named after the stream sequence
numbers it holds: a retried batch writes the same keys again instead of duplicating lines.
State items and updates are not archived; they are derived from the history.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from orgwarden.model.evidence_items import KIND_HISTORY, read_record, stamp

ARCHIVE_PREFIX = "evidence"


def archive_objects(stream_records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """S3 object keys and JSON-lines bodies for a batch of DynamoDB stream records.

    A record that is not evidence raises: the batch is retried and, failing again, lands in the
    stream's on-failure destination rather than being skipped silently.
    """
    lines: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for stream_record in stream_records:
        change = stream_record["dynamodb"]
        image = change.get("NewImage") or {}
        if stream_record["eventName"] != "INSERT" or image.get("kind") != {"S": KIND_HISTORY}:
            continue  # state items, and anything the event source filter let through
        text = image["record"]["S"]
        day = stamp(read_record(text).observed_at)[:10]
        lines[day].append((change["SequenceNumber"], text))
    objects = {}
    for day, entries in sorted(lines.items()):
        first, last = entries[0][0], entries[-1][0]
        key = f"{ARCHIVE_PREFIX}/dt={day}/{first}-{last}.jsonl"
        objects[key] = "".join(f"{text}\n" for _, text in entries)
    return objects
