"""What exists in a member account and region, listed for the periodic sweep.

One collector per resource type (ASFF), listing with the service's paginator, as the read role.
A listing that describes its resources (DescribeInstances, DescribeVolumes, DescribeDBInstances)
hands over what it says about each, so the rules' reads of the same facts cost no call; a
listing of names only (ListBuckets, ListFunctions, ListTables) leaves the reads to the rules.
A part of a listing (too many resources for one task) is described again by its resources'
identifiers, in one call where the service allows it. Listing errors are translated like
reads: denied means NOT_AVAILABLE, never an empty account.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from orgwarden.aws.ec2_instances import DESCRIBE_INSTANCES
from orgwarden.aws.encryption import DESCRIBE_DB_INSTANCES, DESCRIBE_VOLUMES
from orgwarden.aws.errors import translated
from orgwarden.aws.sessions import Sessions


@dataclass(frozen=True)
class Listed:
    """One resource as a listing reported it."""

    resource_id: str
    # Where it lives, when the listing says and it may differ from the listing's region
    # (ListBuckets names every bucket's region); None: the listing's region.
    region: str | None = None
    # What the listing already says about it, by fact (the readers' names for them).
    facts: dict[str, Any] = field(default_factory=dict)


List = Callable[[Any], Iterator[Listed]]
Describe = Callable[[Any, Sequence[str]], Iterator[Listed]]


@dataclass(frozen=True)
class Collector:
    resource_type: str
    service: str
    permissions: tuple[str, ...]
    list_all: List
    # Describes named resources in one call (a part of a listing); None: listing them gives
    # nothing the rules would not read themselves, so a part only names them.
    describe: Describe | None = None
    # Resources one task judges; more are split into parts, each queued as its own task. Sized
    # so that ten tasks (one SQS batch) fit well inside the evaluator's timeout: a bucket costs
    # a few reads, an instance or a volume none beyond its listing.
    part_size: int = 100
    # Buckets are listed once per account (ListBuckets is global), not once per region.
    home_region_only: bool = False

    def collect(
        self, sessions: Sessions, *, account_id: str, region: str, role_name: str
    ) -> Iterator[Listed]:
        """Every resource of the type in the account and region, page by page."""
        principal = sessions.role_arn(account_id, role_name)
        with translated(self.permissions[0], principal):
            client = sessions.client(
                self.service, account_id=account_id, role_name=role_name, region=region
            )
            yield from self.list_all(client)

    def collect_named(
        self,
        sessions: Sessions,
        *,
        account_id: str,
        region: str,
        role_name: str,
        ids: Sequence[str],
    ) -> dict[str, Listed]:
        """What a listing would say about these resources (nothing, for a names-only type).
        One that no longer exists is left out: the rules' own reads then find it gone."""
        if self.describe is None or not ids:
            return {}
        principal = sessions.role_arn(account_id, role_name)
        with translated(self.permissions[0], principal):
            client = sessions.client(
                self.service, account_id=account_id, role_name=role_name, region=region
            )
            return {listed.resource_id: listed for listed in self.describe(client, ids)}


def _pages(client: Any, operation: str, **request: Any) -> Iterator[dict[str, Any]]:
    yield from client.get_paginator(operation).paginate(**request)


def _buckets(s3: Any) -> Iterator[Listed]:
    # With a page size (MaxBuckets), ListBuckets also names each bucket's region, so that the
    # bucket is read and reported where it lives.
    for page in _pages(s3, "list_buckets", PaginationConfig={"PageSize": 1000}):
        for bucket in page.get("Buckets", []):
            yield Listed(bucket["Name"], region=bucket.get("BucketRegion"))


def _instances_in(pages: Iterator[dict[str, Any]]) -> Iterator[Listed]:
    for page in pages:
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                yield Listed(instance["InstanceId"], facts={DESCRIBE_INSTANCES: instance})


def _instances(ec2: Any) -> Iterator[Listed]:
    # Terminated instances linger in the listing for an hour and cannot be judged.
    states = ["pending", "running", "stopping", "stopped"]
    live = [{"Name": "instance-state-name", "Values": states}]
    return _instances_in(_pages(ec2, "describe_instances", Filters=live))


def _named_instances(ec2: Any, ids: Sequence[str]) -> Iterator[Listed]:
    # A filter, not InstanceIds: an id gone since the listing is left out instead of failing
    # the call. No state filter: an instance terminated since is judged as terminated.
    named = [{"Name": "instance-id", "Values": list(ids)}]
    return _instances_in(_pages(ec2, "describe_instances", Filters=named))


def _volumes_in(pages: Iterator[dict[str, Any]]) -> Iterator[Listed]:
    for page in pages:
        for volume in page["Volumes"]:
            yield Listed(volume["VolumeId"], facts={DESCRIBE_VOLUMES: volume})


def _volumes(ec2: Any) -> Iterator[Listed]:
    return _volumes_in(_pages(ec2, "describe_volumes"))


def _named_volumes(ec2: Any, ids: Sequence[str]) -> Iterator[Listed]:
    named = [{"Name": "volume-id", "Values": list(ids)}]
    return _volumes_in(_pages(ec2, "describe_volumes", Filters=named))


def _db_instances_in(pages: Iterator[dict[str, Any]]) -> Iterator[Listed]:
    for page in pages:
        for db in page["DBInstances"]:
            yield Listed(db["DBInstanceIdentifier"], facts={DESCRIBE_DB_INSTANCES: db})


def _db_instances(rds: Any) -> Iterator[Listed]:
    return _db_instances_in(_pages(rds, "describe_db_instances"))


def _named_db_instances(rds: Any, ids: Sequence[str]) -> Iterator[Listed]:
    named = [{"Name": "db-instance-id", "Values": list(ids)}]
    return _db_instances_in(_pages(rds, "describe_db_instances", Filters=named))


def _functions(lambda_: Any) -> Iterator[Listed]:
    for page in _pages(lambda_, "list_functions"):
        yield from (Listed(function["FunctionName"]) for function in page["Functions"])


def _tables(dynamodb: Any) -> Iterator[Listed]:
    for page in _pages(dynamodb, "list_tables"):
        yield from (Listed(name) for name in page["TableNames"])


COLLECTORS: dict[str, Collector] = {
    collector.resource_type: collector
    for collector in (
        Collector(
            "AwsS3Bucket",
            "s3",
            ("s3:ListAllMyBuckets",),
            _buckets,
            part_size=25,
            home_region_only=True,
        ),
        # 200: the most values one EC2 filter takes (a part is described by its ids).
        Collector(
            "AwsEc2Instance",
            "ec2",
            ("ec2:DescribeInstances",),
            _instances,
            _named_instances,
            part_size=200,
        ),
        Collector(
            "AwsEc2Volume",
            "ec2",
            ("ec2:DescribeVolumes",),
            _volumes,
            _named_volumes,
            part_size=200,
        ),
        Collector(
            "AwsRdsDbInstance",
            "rds",
            ("rds:DescribeDBInstances",),
            _db_instances,
            _named_db_instances,
            part_size=100,
        ),
        Collector("AwsLambdaFunction", "lambda", ("lambda:ListFunctions",), _functions, None, 50),
        Collector("AwsDynamoDbTable", "dynamodb", ("dynamodb:ListTables",), _tables, None, 50),
    )
}
# The account itself (account-wide settings) is one resource per account and region: no call.
ACCOUNT = "AwsAccount"
