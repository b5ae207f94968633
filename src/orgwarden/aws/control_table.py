"""Coordination between evaluator workers, in one small DynamoDB table (`ControlTable`).

- Fix leases: one worker at a time may fix a given (rule, resource); ten events for the same
  bucket in one second yield one fix, whichever worker gets there first.
- Rate limits: at most `limit` fixes per (account, rule) in each fixed window. When a window is
  full the service falls back to detect for that scope until the next window.

A fix takes both in one transaction (`reserve_fix`): one call, and nothing is held when either
refuses. (A transaction's Put and Update need only dynamodb:PutItem and dynamodb:UpdateItem.)

Items expire through the table's TTL (`expires_at`), so nothing needs cleaning up.
"""

from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from orgwarden.aws.errors import error_code

CONDITION_FAILED = "ConditionalCheckFailedException"
CONDITION_FAILED_REASON = "ConditionalCheckFailed"  # a cancelled transaction's reason code
TRANSACTION_CANCELED = "TransactionCanceledException"
# Which guard refused a fix: another worker's lease, or the rate limit's full window.
Refusal = Literal["lease", "rate"]


class ControlTable:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def acquire_fix_lease(self, subject: str, owner: str, now: datetime, seconds: int) -> bool:
        """Take the lease on `subject` for `seconds`; False when another owner holds it."""
        try:
            self._dynamodb.put_item(**self._lease(subject, owner, int(now.timestamp()), seconds))
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return False
            raise
        return True

    def reserve_fix(
        self,
        subject: str,
        owner: str,
        now: datetime,
        seconds: int,
        *,
        scope: str,
        limit: int,
        window_minutes: int,
    ) -> Refusal | None:
        """Take the fix lease on `subject` and count one fix in `scope`'s current window, in
        one transaction (one call): both are taken, or neither and the answer says which guard
        refused (the lease first: another worker's fix under way)."""
        epoch = int(now.timestamp())
        window = window_minutes * 60
        start = epoch // window * window
        try:
            self._dynamodb.transact_write_items(
                TransactItems=[
                    {"Put": self._lease(subject, owner, epoch, seconds)},
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"pk": {"S": f"RATE#{scope}#{start}"}},
                            "UpdateExpression": "ADD fixes :one SET expires_at = :expires",
                            "ConditionExpression": "attribute_not_exists(fixes) OR fixes < :limit",
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":limit": {"N": str(limit)},
                                ":expires": {"N": str(start + 2 * window)},
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) != TRANSACTION_CANCELED:
                raise
            lease, rate = (
                [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                + [None, None]
            )[:2]
            if lease == CONDITION_FAILED_REASON:
                return "lease"
            if rate == CONDITION_FAILED_REASON and lease in (None, "None"):
                return "rate"
            raise  # cancelled for another reason (a conflict): the event is retried
        return None

    def _lease(self, subject: str, owner: str, epoch: int, seconds: int) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Item": {
                "pk": {"S": f"LEASE#{subject}"},
                "owner": {"S": owner},
                "expires_at": {"N": str(epoch + seconds)},
            },
            # Free, expired (TTL deletes lazily), or already ours (a retry of the same work).
            "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now OR #o = :me",
            "ExpressionAttributeNames": {"#o": "owner"},
            "ExpressionAttributeValues": {":now": {"N": str(epoch)}, ":me": {"S": owner}},
        }
