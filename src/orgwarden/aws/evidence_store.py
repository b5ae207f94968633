"""The evidence store: every evaluation and every finding's current state, in DynamoDB, kept
beyond Security Hub's 90 days. The key design is explained in `orgwarden.model.evidence_items`.

`put` costs two writes, both in the table: the state item's conditional update (which returns
the prior state, so the history item knows whether compliance changed) and the history item.
A sweep task writes many records at once: `states` reads their prior states in BatchGetItem
calls and `put_all` writes state and history items in TransactWriteItems calls, each state item
conditional on being unchanged since it was read. The S3 archive is written from the table's
stream, not here.
"""

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from orgwarden.model import evidence_items as items
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.evidence_items import months_between

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
# BatchGetItem's limit; TransactWriteItems takes 100 actions, two per record (state, history).
BATCH_GET_KEYS = 100
RECORDS_PER_TRANSACTION = 50
# Well under TransactWriteItems' 4 MB, counting each item's JSON twice for DynamoDB's encoding.
TRANSACTION_BYTES = 3_000_000
# The attributes of a state item that a batched write needs: its record, time and open episode.
STATE_ATTRIBUTES = ("record", "observed_at", "last_sk", "opening")
QUERY_THREADS = 8

Progress = Callable[[int, int], None]  # (partitions done, partitions in all)


@dataclass(frozen=True)
class Partition:
    """One query: an index, a partition key, an optional sort-key floor and ceiling."""

    index: str
    pk: str
    sk_from: str | None = None
    sk_to: str | None = None
    only_with: str | None = None  # an attribute the items must have (a filter expression)


def serialize(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in values.items()}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


class EvidenceStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def put(self, record: EvidenceRecord) -> None:
        update = items.state_update(record)
        late = False
        try:
            answer = self._dynamodb.update_item(
                TableName=self._table,
                Key=serialize(update["Key"]),
                UpdateExpression=update["UpdateExpression"],
                ConditionExpression=update["ConditionExpression"],
                ExpressionAttributeNames=update["ExpressionAttributeNames"],
                ExpressionAttributeValues=serialize(update["ExpressionAttributeValues"]),
                ReturnValues=update["ReturnValues"],
            )
            old = deserialize(answer["Attributes"]) if answer.get("Attributes") else None
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # A later evaluation is already recorded: keep this one in the history only.
            late, old = True, None
        change, episode = items.transition(record, items.prior_episode(old), late=late)
        item = items.history_item(record, change, episode, late=late)
        try:
            # Written once: a repeated put of the same record keeps the first item's transition.
            self._dynamodb.put_item(
                TableName=self._table,
                Item=serialize(item),
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def states(self, finding_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The state items of many findings (None: never evaluated), in BatchGetItem calls."""
        wanted = list(dict.fromkeys(finding_ids))
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
        by_pk = {items.finding_pk(fid): fid for fid in wanted}
        names = {f"#{name}": name for name in ("pk", *STATE_ATTRIBUTES)}
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            keys = [
                serialize({"pk": items.finding_pk(fid), "sk": items.STATE_SK})
                for fid in wanted[start : start + BATCH_GET_KEYS]
            ]
            request: dict[str, Any] = {
                self._table: {
                    "Keys": keys,
                    "ProjectionExpression": ", ".join(names),
                    "ExpressionAttributeNames": names,
                }
            }
            for attempt in range(8):
                answer = self._dynamodb.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self._table, []):
                    state = deserialize(item)
                    found[by_pk[state.pop("pk")]] = state
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(0.05 * 2**attempt, 2.0))  # DynamoDB asks us to slow down
            else:
                raise RuntimeError(f"BatchGetItem left keys unprocessed: {str(request)[:200]}")
        return found

    def put_all(
        self, records: Sequence[EvidenceRecord], states: Mapping[str, dict[str, Any] | None]
    ) -> None:
        """Write many evaluations, each exactly as `put` would.

        A record whose prior state was read (`states`, from `states()`) is written in a
        transaction with up to 49 others: its state item on condition that it is still the one
        read, and its history item. If another evaluation got in between (a condition fails),
        the transaction writes nothing and its records go through `put` one by one, which
        learns the real prior state from the conditional update. Records with no prior state
        read, or older than the state read, also go through `put`.
        """
        single: list[EvidenceRecord] = []
        chunk: list[dict[str, Any]] = []
        chunk_records: list[EvidenceRecord] = []
        size = 0
        for record in records:
            fid = record.finding_id
            if fid not in states or any(r.finding_id == fid for r in chunk_records):
                single.append(record)
                continue
            old = states[fid]
            if old and str(old.get("observed_at", "")) > items.stamp(record.observed_at):
                single.append(record)  # late: `put` keeps it in the history only
                continue
            actions = _transaction_actions(self._table, record, old)
            weight = sum(len(json.dumps(a, default=str)) for a in actions) * 2
            if chunk and (
                len(chunk_records) == RECORDS_PER_TRANSACTION or size + weight > TRANSACTION_BYTES
            ):
                single += self._transact(chunk, chunk_records)
                chunk, chunk_records, size = [], [], 0
            chunk += actions
            chunk_records.append(record)
            size += weight
        if chunk:
            single += self._transact(chunk, chunk_records)
        for record in single:
            self.put(record)

    def _transact(
        self, actions: list[dict[str, Any]], records: list[EvidenceRecord]
    ) -> list[EvidenceRecord]:
        """Write one transaction; the records to write one by one when it was refused."""
        try:
            self._dynamodb.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response["Error"]["Code"] not in (
                "TransactionCanceledException",
                "TransactionConflictException",
            ):
                raise
            return records
        return []

    def history(self, finding_id: str) -> list[EvidenceRecord]:
        """Every evaluation of one finding, oldest first."""
        return [items.read_record(i["record"]) for i in self.history_items(finding_id)]

    def history_items(self, finding_id: str) -> list[dict[str, Any]]:
        pages = self._dynamodb.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=serialize(
                {":pk": items.finding_pk(finding_id), ":prefix": items.HISTORY_PREFIX}
            ),
        )
        return [deserialize(i) for page in pages for i in page["Items"]]

    def state(self, finding_id: str) -> dict[str, Any] | None:
        """The finding's state item (latest status and record, open episode if any)."""
        answer = self._dynamodb.get_item(
            TableName=self._table,
            Key=serialize({"pk": items.finding_pk(finding_id), "sk": items.STATE_SK}),
        )
        return deserialize(answer["Item"]) if "Item" in answer else None

    def latest(self, finding_id: str) -> EvidenceRecord | None:
        """The finding's latest record, or None when it has never been evaluated."""
        state = self.state(finding_id)
        return items.read_record(state["record"]) if state and "record" in state else None

    def current_by_account(self, account_id: str) -> list[EvidenceRecord]:
        """The latest record of every finding in an account."""
        part = Partition(items.BY_ACCOUNT_INDEX, items.state_partition(account_id))
        return [items.read_record(i["record"]) for i in self._query(part)]

    def by_account(self, account_id: str, start: datetime, end: datetime) -> list[EvidenceRecord]:
        """Every evaluation in an account between two times, oldest first."""
        parts = [
            Partition(
                items.BY_ACCOUNT_INDEX,
                items.account_partition(account_id, month),
                items.stamp(start),
                items.stamp(end) + "~",
            )
            for month in months_between(start, end)
        ]
        found = [i for batch in self.query_all(parts) for i in batch]
        return [items.read_record(i["record"]) for i in found]

    def query_all(
        self, parts: list[Partition], progress: Progress | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        done = 0
        if progress:
            progress(0, len(parts))
        # boto3 clients are thread-safe; DynamoDB answers each partition independently.
        with ThreadPoolExecutor(max_workers=QUERY_THREADS) as pool:
            for batch in pool.map(self._query, parts):
                done += 1
                if progress:
                    progress(done, len(parts))
                yield batch

    def _query(self, part: Partition) -> list[dict[str, Any]]:
        pk_name = "gsi1pk" if part.index == items.BY_ACCOUNT_INDEX else "gsi2pk"
        sk_name = pk_name.replace("pk", "sk")
        condition = f"{pk_name} = :pk"
        values: dict[str, Any] = {":pk": part.pk}
        if part.sk_from and part.sk_to:
            condition += f" AND {sk_name} BETWEEN :from AND :to"
            values |= {":from": part.sk_from, ":to": part.sk_to}
        elif part.sk_from:
            condition += f" AND {sk_name} >= :from"
            values[":from"] = part.sk_from
        elif part.sk_to:
            condition += f" AND {sk_name} <= :to"
            values[":to"] = part.sk_to
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": part.index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": serialize(values),
        }
        if part.only_with:
            arguments["FilterExpression"] = f"attribute_exists({part.only_with})"
        pages = self._dynamodb.get_paginator("query").paginate(**arguments)
        return [deserialize(i) for page in pages for i in page["Items"]]


def _transaction_actions(
    table: str, record: EvidenceRecord, old: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The state and history items of a record whose prior state `old` was read, as puts; the
    state put holds only if the state item is still `old`."""
    before = items.prior_episode(old)
    change, episode = items.transition(record, before, late=False)
    state = items.state_item(record, items.open_after(record, before))
    history = items.history_item(record, change, episode)
    if old is None:
        state_condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    else:
        state_condition = {
            "ConditionExpression": "#last_sk = :last_sk",
            "ExpressionAttributeNames": {"#last_sk": "last_sk"},
            "ExpressionAttributeValues": serialize({":last_sk": old.get("last_sk", "")}),
        }
    return [
        {"Put": {"TableName": table, "Item": serialize(state), **state_condition}},
        {
            "Put": {
                "TableName": table,
                "Item": serialize(history),
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        },
    ]
