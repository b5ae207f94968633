"""Parking a message in the evaluation dead-letter queue, with the reason as attributes."""

from collections.abc import Callable
from typing import Any


class DeadLetterQueue:
    def __init__(self, sqs: Callable[[], Any], queue_url: str) -> None:
        self._make_client = sqs  # made on first use: most containers never park a message
        self._sqs: Any = None
        self._url = queue_url

    def park(self, body: str, attributes: dict[str, str]) -> str:
        """Send the original body with `attributes` (see `orgwarden.engine.dead_letters`); returns
        the new message's id. A failure raises, so the message stays on the evaluation queue."""
        if self._sqs is None:
            self._sqs = self._make_client()
        answer = self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            },
        )
        return str(answer["MessageId"])
