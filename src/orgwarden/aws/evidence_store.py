"""The evidence store: one DynamoDB item per evaluation, kept beyond Security Hub's 90 days.

Keys: `pk` = the finding id (a resource's whole history under one rule), `sk` = observation
time and event id (chronological, unique per event). The `by-account-time` index answers "what
happened in this account, and when".
"""

from typing import Any

from boto3.dynamodb.types import TypeSerializer

from orgwarden.model.evidence import EvidenceRecord

_serializer = TypeSerializer()


class EvidenceStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def put(self, record: EvidenceRecord) -> None:
        self._dynamodb.put_item(TableName=self._table, Item=self.item(record))

    @staticmethod
    def item(record: EvidenceRecord) -> dict[str, Any]:
        observed = record.observed_at.isoformat()
        event_id = record.cause.event_id if record.cause else "sweep"
        body = {
            "pk": f"FINDING#{record.finding_id}",
            "sk": f"{observed}#{event_id}",
            "gsi1pk": f"ACCOUNT#{record.resource.account_id}",
            "gsi1sk": f"{observed}#{record.rule_id}",
            "rule_id": record.rule_id,
            "account_id": record.resource.account_id,
            "region": record.resource.region,
            "resource_id": record.resource.resource_id,
            "status": record.status.value,
            "severity": record.severity.value,
            # The full record as JSON: readable by any tool, immune to DynamoDB's float rules.
            "record": record.model_dump_json(),
        }
        return {key: _serializer.serialize(value) for key, value in body.items()}

    def history(self, finding_id: str) -> list[EvidenceRecord]:
        """Every record of one finding, oldest first."""
        records = []
        paginator = self._dynamodb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"FINDING#{finding_id}"}},
        )
        for page in pages:
            records += [EvidenceRecord.model_validate_json(i["record"]["S"]) for i in page["Items"]]
        return records
