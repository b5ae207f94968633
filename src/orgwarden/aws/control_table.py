"""Coordination between evaluator workers, in one small DynamoDB table (`ControlTable`).

- Fix leases: one worker at a time may fix a given (rule, resource); ten events for the same
  bucket in one second yield one fix, whichever worker gets there first.
- Rate limits: at most `limit` fixes per (account, rule) in each fixed window. When a window is
  full the service falls back to detect for that scope until the next window.

Items expire through the table's TTL (`expires_at`), so nothing needs cleaning up.
"""

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from orgwarden.aws.errors import error_code

CONDITION_FAILED = "ConditionalCheckFailedException"


class ControlTable:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def acquire_fix_lease(self, subject: str, owner: str, now: datetime, seconds: int) -> bool:
        """Take the lease on `subject` for `seconds`; False when another owner holds it."""
        epoch = int(now.timestamp())
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"LEASE#{subject}"},
                    "owner": {"S": owner},
                    "expires_at": {"N": str(epoch + seconds)},
                },
                # Free, expired (TTL deletes lazily), or already ours (a retry of the same work).
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR #o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":now": {"N": str(epoch)}, ":me": {"S": owner}},
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return False
            raise
        return True

    def take_rate_slot(
        self, scope: str, now: datetime, *, limit: int, window_minutes: int
    ) -> tuple[bool, int]:
        """Count one fix in `scope`'s current window; (allowed, count so far in the window)."""
        window = window_minutes * 60
        start = int(now.timestamp()) // window * window
        try:
            answer = self._dynamodb.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"RATE#{scope}#{start}"}},
                UpdateExpression="ADD fixes :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(fixes) OR fixes < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(start + 2 * window)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return False, limit
            raise
        return True, int(answer["Attributes"]["fixes"]["N"])
