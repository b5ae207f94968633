"""The archiver on moto's server: the evidence table's real stream records, shaped as Lambda
hands them to the function, become date-partitioned JSON lines in S3."""

import json
import secrets
from datetime import timedelta
from typing import Any

import boto3
import pytest

from handlers import archiver
from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.engine.archive import archive_objects
from orgwarden.engine.archiver import archive
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.evidence_items import read_record
from orgwarden.model.spec import Status
from orgwarden_harness.simulation import LambdaContext
from tests.evidence_records import T0, record


def lambda_stream_event(stream_arn: str) -> dict[str, Any]:
    """Every record on the table's stream, as the event source mapping delivers them."""
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for change in streams.get_records(ShardIterator=iterator)["Records"]:
            # Lambda carries the creation time as epoch seconds, boto3 parses it to a datetime.
            moment = change["dynamodb"]["ApproximateCreationDateTime"]
            change["dynamodb"]["ApproximateCreationDateTime"] = int(moment.timestamp())
            records.append({**change, "eventSourceARN": stream_arn})
    return {"Records": records}


@pytest.fixture
def bucket(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"evidence-archive-{secrets.token_hex(4)}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=name)
    monkeypatch.setenv("ORGWARDEN_ARCHIVE_BUCKET", name)
    archive.cache_clear()
    yield name
    archive.cache_clear()


def archived(bucket: str) -> dict[str, list[EvidenceRecord]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    found = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
        found[item["Key"]] = [
            EvidenceRecord.model_validate_json(line) for line in body.splitlines()
        ]
    return found


def test_stream_records_become_json_lines_partitioned_by_date(
    evidence_table: tuple[Any, str, str], bucket: str
) -> None:
    dynamodb, name, stream_arn = evidence_table
    store = EvidenceStore(dynamodb, name)
    day_one = [record("data-bucket", observed=T0), record("logs-bucket", observed=T0, fixed=True)]
    day_two = [record("data-bucket", observed=T0 + timedelta(days=1), detected=Status.PASSED)]
    for r in day_one + day_two:
        store.put(r)
    event = lambda_stream_event(stream_arn)
    # State items are on the stream too: they are not archived. (moto also emits a keys-only
    # INSERT before an UpdateItem's first image, which the archiver skips as well.)
    kinds = {r["dynamodb"]["NewImage"].get("kind", {}).get("S") for r in event["Records"]}
    assert {"evaluation", "state"} <= kinds

    answer = archiver.handler(event, LambdaContext(function_name="orgwarden-archiver"))

    objects = archived(bucket)
    assert sorted(objects) == answer["objects"]
    by_day = {key.split("/")[1]: lines for key, lines in objects.items()}
    assert by_day == {"dt=2026-03-10": day_one, "dt=2026-03-11": day_two}
    assert all(key.startswith("evidence/dt=") and key.endswith(".jsonl") for key in objects)


def test_a_retried_batch_rewrites_the_same_objects(
    evidence_table: tuple[Any, str, str], bucket: str
) -> None:
    dynamodb, name, stream_arn = evidence_table
    EvidenceStore(dynamodb, name).put(record("data-bucket", observed=T0))
    event = lambda_stream_event(stream_arn)
    archiver.handler(event, LambdaContext())
    archiver.handler(event, LambdaContext())
    ((_key, lines),) = archived(bucket).items()
    assert len(lines) == 1


def test_a_broken_evidence_record_fails_the_batch_instead_of_being_skipped() -> None:
    good = record("data-bucket", observed=T0).model_dump_json()
    broken = json.dumps({**json.loads(good), "status": "MAYBE"})
    records = [
        {
            "eventName": "INSERT",
            "dynamodb": {
                "SequenceNumber": str(n),
                "NewImage": {"kind": {"S": "evaluation"}, "record": {"S": text}},
            },
        }
        for n, text in enumerate((good, broken))
    ]
    with pytest.raises(ValueError, match="status"):
        archive_objects(records)
    assert read_record(good).resource.resource_id == "data-bucket"
