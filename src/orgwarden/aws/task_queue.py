"""Sending work to the evaluation queue in SendMessageBatch calls of ten."""

from collections.abc import Sequence
from typing import Any

BATCH = 10  # SendMessageBatch's limit


class TasksNotQueued(Exception):
    """Some messages were refused twice; the producer run fails and is retried by its schedule."""


def send_bodies(sqs: Any, queue_url: str, bodies: Sequence[str]) -> int:
    """Queue every body; entries refused once (throttling) are sent again once."""
    for start in range(0, len(bodies), BATCH):
        entries = [
            {"Id": str(index), "MessageBody": body}
            for index, body in enumerate(bodies[start : start + BATCH])
        ]
        for attempt in (1, 2):
            failed = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
            if not failed:
                break
            refused = {f["Id"] for f in failed}
            entries = [entry for entry in entries if entry["Id"] in refused]
            if attempt == 2:
                raise TasksNotQueued(f"{len(entries)} message(s) not queued: {failed[:3]}")
    return len(bodies)
