"""What exists in a member account and region, listed for the periodic sweep.

One collector per resource type (ASFF), listing identifiers with the service's paginator, as the
read role. Listing errors are translated like reads: denied means NOT_AVAILABLE, never an empty
account.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from orgwarden.aws.errors import translated
from orgwarden.aws.sessions import Sessions


@dataclass(frozen=True)
class Collector:
    resource_type: str
    service: str
    permissions: tuple[str, ...]
    list_ids: Callable[[Any], Iterator[str]]
    # Buckets are listed once per account (ListBuckets is global), not once per region.
    home_region_only: bool = False

    def collect(
        self, sessions: Sessions, *, account_id: str, region: str, role_name: str
    ) -> list[str]:
        principal = sessions.role_arn(account_id, role_name)
        with translated(self.permissions[0], principal):
            client = sessions.client(
                self.service, account_id=account_id, role_name=role_name, region=region
            )
            return list(self.list_ids(client))


def _pages(client: Any, operation: str, **request: Any) -> Iterator[dict[str, Any]]:
    yield from client.get_paginator(operation).paginate(**request)


def _buckets(s3: Any) -> Iterator[str]:
    for page in _pages(s3, "list_buckets"):
        yield from (bucket["Name"] for bucket in page.get("Buckets", []))


def _instances(ec2: Any) -> Iterator[str]:
    # Terminated instances linger in the listing for an hour and cannot be judged.
    states = ["pending", "running", "stopping", "stopped"]
    live = [{"Name": "instance-state-name", "Values": states}]
    for page in _pages(ec2, "describe_instances", Filters=live):
        for reservation in page["Reservations"]:
            yield from (instance["InstanceId"] for instance in reservation["Instances"])


def _volumes(ec2: Any) -> Iterator[str]:
    for page in _pages(ec2, "describe_volumes"):
        yield from (volume["VolumeId"] for volume in page["Volumes"])


def _db_instances(rds: Any) -> Iterator[str]:
    for page in _pages(rds, "describe_db_instances"):
        yield from (db["DBInstanceIdentifier"] for db in page["DBInstances"])


def _functions(lambda_: Any) -> Iterator[str]:
    for page in _pages(lambda_, "list_functions"):
        yield from (function["FunctionName"] for function in page["Functions"])


def _tables(dynamodb: Any) -> Iterator[str]:
    for page in _pages(dynamodb, "list_tables"):
        yield from page["TableNames"]


COLLECTORS: dict[str, Collector] = {
    collector.resource_type: collector
    for collector in (
        Collector("AwsS3Bucket", "s3", ("s3:ListAllMyBuckets",), _buckets, home_region_only=True),
        Collector("AwsEc2Instance", "ec2", ("ec2:DescribeInstances",), _instances),
        Collector("AwsEc2Volume", "ec2", ("ec2:DescribeVolumes",), _volumes),
        Collector("AwsRdsDbInstance", "rds", ("rds:DescribeDBInstances",), _db_instances),
        Collector("AwsLambdaFunction", "lambda", ("lambda:ListFunctions",), _functions),
        Collector("AwsDynamoDbTable", "dynamodb", ("dynamodb:ListTables",), _tables),
    )
}
# The account itself (account-wide settings) is one resource per account and region: no call.
ACCOUNT = "AwsAccount"
