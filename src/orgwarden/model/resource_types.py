"""Every resource type orgwarden knows, one entry each, keyed by its Security Hub (ASFF) type.

An entry says how the type's identifiers look, how its ARN is built and read back, which AWS
Config type and CloudTrail create calls stand for it, how its tags are read and written, and how
the sweep lists it. Every other table about resource types (identifier checks, ARNs, taggable
types, create events, tag reads and writes, collectors) is derived from this one; the adapters
in `orgwarden.aws` interpret the calls described here. Adding a resource type is one entry here
(plus its rules and, where its state is more than its tags, their reader).
"""

import re
from dataclasses import dataclass
from typing import Literal

from orgwarden.model.identifiers import ACCOUNT_ID_PATTERN, BUCKET_NAME_PATTERN, PARTITION_PATTERN

# How an API holds tags: {"k": "v"} (Lambda) or [{"Key": "k", "Value": "v"}] (most others).
TagShape = Literal["map", "pairs"]


@dataclass(frozen=True, kw_only=True)
class Arn:
    """arn:<partition>:<service>:<region>:<account>:<prefix><id>; a global type (S3 buckets)
    names neither region nor account."""

    service: str
    prefix: str
    regional: bool = True
    # Events may name the resource by this ARN (tagging calls): what follows the prefix is the
    # identifier the APIs and findings use.
    in_events: bool = False

    def build(self, resource_id: str, *, partition: str, region: str, account_id: str) -> str:
        where = f"{region}:{account_id}" if self.regional else ":"
        return f"arn:{partition}:{self.service}:{where}:{self.prefix}{resource_id}"


@dataclass(frozen=True, kw_only=True)
class ConfigType:
    """The AWS Config resource type, and the configuration item field naming the resource."""

    name: str
    id_field: Literal["resourceId", "resourceName"] = "resourceId"


@dataclass(frozen=True, kw_only=True)
class CloudTrailCall:
    source: str  # the event source, e.g. ec2.amazonaws.com
    name: str  # the event name, e.g. RunInstances (Lambda's carry their API version)


@dataclass(frozen=True, kw_only=True)
class TagCall:
    """One call that reads or writes a resource's tags, as the adapters make it:
    `<service client>.<operation>(<identifier>=<id or ARN>, ...)`, the tags at `tags`."""

    service: str  # the boto3 client
    operation: str  # its method, e.g. list_tags
    permission: str  # the IAM action; for a read also the name of the fact it reads
    identifier: str  # the request parameter naming the resource
    by_arn: bool = False  # the parameter takes the ARN, not the identifier
    as_list: bool = False  # ... inside a list (ec2:CreateTags tags many resources at once)
    owner: str | None = None  # the parameter naming the expected owner account
    # Where the tags are: in the answer of a read, in the request of a write ("." nests).
    tags: str = "Tags"
    shape: TagShape = "pairs"
    gone: tuple[str, ...] = ()  # error codes meaning the resource does not exist
    absent: tuple[str, ...] = ()  # error codes of a read meaning the resource has no tags
    # A write that replaces the whole set: the set is read (afresh) first and written back.
    replaces: bool = False
    # The resource type the call acts on, as the Service Authorization Reference names it: a
    # write is granted on that type only.
    iam_resource_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class DescribedTags:
    """Tags that are part of the resource's description (`ResourceType.described_by`): read
    with it, at no cost of their own."""

    field: str
    shape: TagShape = "pairs"


@dataclass(frozen=True, kw_only=True)
class Tags:
    read: TagCall | DescribedTags
    write: TagCall
    # The reader the type's required-tags rule names (`RuleSpec.reads`).
    reader: str


@dataclass(frozen=True, kw_only=True)
class Filter:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Listing:
    """How the sweep lists the type in an account and region: `<service>.<operation>` through
    its paginator, each resource an item at `items` (a path of lists) in a page."""

    service: str
    operation: str
    permission: str
    items: tuple[str, ...]
    # The item's field holding the identifier; None: the item is the identifier.
    id_field: str | None = None
    # The item's field naming the region it lives in, when that may differ from the listing's.
    region_field: str | None = None
    filters: tuple[Filter, ...] = ()
    page_size: int | None = None
    # The pages describe each resource as `described_by` does: what they say is kept as that
    # fact, so the rules' reads of it cost no call.
    describes: bool = False
    # The filter naming resources by identifier: a part of a listing is described again by its
    # identifiers, in one call (None: a part only names its resources).
    named_filter: str | None = None
    # Resources one task judges; more are split into parts, each queued as its own task. Sized
    # so that ten tasks (one SQS batch) fit well inside the evaluator's timeout: a bucket costs
    # a few reads, an instance or a volume none beyond its listing.
    part_size: int = 100
    # A global listing (ListBuckets): made once per account, in the home region.
    home_region_only: bool = False


@dataclass(frozen=True, kw_only=True)
class ResourceType:
    name: str  # the Security Hub (ASFF) type, e.g. AwsEc2Instance
    id_pattern: str  # the identifier's format, as the service documents it
    id_noun: str = ""  # how a refusal names the identifier; default "<name> identifier"
    arn: Arn | None = None
    # Security Hub's Resources[].Id when it is not an ARN, with {id} for the identifier.
    hub_id: str | None = None
    config: ConfigType | None = None
    # The calls that create the type: only their principal is recorded as its creator.
    create_calls: tuple[CloudTrailCall, ...] = ()
    # The IAM action of the call describing one resource, which is also the name of the fact
    # it reads; None: no rule reads a description of the type.
    described_by: str | None = None
    tags: Tags | None = None
    listing: Listing | None = None

    def __post_init__(self) -> None:
        if self.arn is None and self.hub_id is None:
            raise ValueError(f"{self.name}: neither an ARN nor a Security Hub id format")
        described = isinstance(self.tags.read, DescribedTags) if self.tags else False
        describes = self.listing.describes if self.listing else False
        if (described or describes) and self.described_by is None:
            raise ValueError(f"{self.name}: read from its description, but no described_by")

    @property
    def identifier(self) -> str:
        return self.id_noun or f"{self.name} identifier"

    @property
    def tag_read_permission(self) -> str:
        """The IAM action that reads the type's tags, which is also the fact they are read as."""
        if self.tags is None:
            raise ValueError(f"{self.name} has no tags")
        if isinstance(self.tags.read, TagCall):
            return self.tags.read.permission
        return str(self.described_by)


_EC2_ID = r"(?:[0-9a-f]{8}|[0-9a-f]{17})"
_NOT_FOUND = ("ResourceNotFoundException",)


def _ec2_create_tags(iam_resource_type: str) -> TagCall:
    return TagCall(
        service="ec2",
        operation="create_tags",
        permission="ec2:CreateTags",
        identifier="Resources",
        as_list=True,
        iam_resource_type=iam_resource_type,
    )


RESOURCE_TYPES: dict[str, ResourceType] = {
    entry.name: entry
    for entry in (
        ResourceType(
            name="AwsAccount",
            id_pattern=ACCOUNT_ID_PATTERN,
            hub_id="AWS::::Account:{id}",
        ),
        ResourceType(
            name="AwsEc2Instance",
            id_pattern=rf"^i-{_EC2_ID}$",
            arn=Arn(service="ec2", prefix="instance/"),
            config=ConfigType(name="AWS::EC2::Instance"),
            create_calls=(CloudTrailCall(source="ec2.amazonaws.com", name="RunInstances"),),
            described_by="ec2:DescribeInstances",
            tags=Tags(
                read=DescribedTags(field="Tags"),
                write=_ec2_create_tags("instance"),
                reader="ec2_instance_tags",
            ),
            listing=Listing(
                service="ec2",
                operation="describe_instances",
                permission="ec2:DescribeInstances",
                items=("Reservations", "Instances"),
                id_field="InstanceId",
                # Terminated instances linger in the listing for an hour and cannot be judged.
                filters=(
                    Filter(
                        name="instance-state-name",
                        values=("pending", "running", "stopping", "stopped"),
                    ),
                ),
                describes=True,
                named_filter="instance-id",
                # The most values one EC2 filter takes (a part is described by its ids).
                part_size=200,
            ),
        ),
        ResourceType(
            name="AwsEc2Volume",
            id_pattern=rf"^vol-{_EC2_ID}$",
            arn=Arn(service="ec2", prefix="volume/"),
            config=ConfigType(name="AWS::EC2::Volume"),
            create_calls=(CloudTrailCall(source="ec2.amazonaws.com", name="CreateVolume"),),
            described_by="ec2:DescribeVolumes",
            tags=Tags(
                read=DescribedTags(field="Tags"),
                write=_ec2_create_tags("volume"),
                reader="ebs_volume_tags",
            ),
            listing=Listing(
                service="ec2",
                operation="describe_volumes",
                permission="ec2:DescribeVolumes",
                items=("Volumes",),
                id_field="VolumeId",
                describes=True,
                named_filter="volume-id",
                part_size=200,
            ),
        ),
        ResourceType(
            name="AwsS3Bucket",
            id_pattern=BUCKET_NAME_PATTERN,
            id_noun="S3 bucket name",
            arn=Arn(service="s3", prefix="", regional=False),
            config=ConfigType(name="AWS::S3::Bucket"),
            create_calls=(CloudTrailCall(source="s3.amazonaws.com", name="CreateBucket"),),
            tags=Tags(
                read=TagCall(
                    service="s3",
                    operation="get_bucket_tagging",
                    permission="s3:GetBucketTagging",
                    identifier="Bucket",
                    owner="ExpectedBucketOwner",
                    tags="TagSet",
                    gone=("NoSuchBucket",),
                    absent=("NoSuchTagSet",),
                ),
                write=TagCall(
                    service="s3",
                    operation="put_bucket_tagging",
                    permission="s3:PutBucketTagging",
                    identifier="Bucket",
                    owner="ExpectedBucketOwner",
                    tags="Tagging.TagSet",
                    gone=("NoSuchBucket",),
                    replaces=True,
                    iam_resource_type="bucket",
                ),
                reader="s3_bucket_tags",
            ),
            listing=Listing(
                service="s3",
                operation="list_buckets",
                permission="s3:ListAllMyBuckets",
                items=("Buckets",),
                id_field="Name",
                # With a page size (MaxBuckets), ListBuckets also names each bucket's region, so
                # that the bucket is read and reported where it lives.
                region_field="BucketRegion",
                page_size=1000,
                part_size=25,
                home_region_only=True,
            ),
        ),
        ResourceType(
            name="AwsRdsDbInstance",
            id_pattern=r"^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0,62}$",
            arn=Arn(service="rds", prefix="db:", in_events=True),
            config=ConfigType(name="AWS::RDS::DBInstance", id_field="resourceName"),
            create_calls=(CloudTrailCall(source="rds.amazonaws.com", name="CreateDBInstance"),),
            described_by="rds:DescribeDBInstances",
            tags=Tags(
                read=DescribedTags(field="TagList"),
                write=TagCall(
                    service="rds",
                    operation="add_tags_to_resource",
                    permission="rds:AddTagsToResource",
                    identifier="ResourceName",
                    by_arn=True,
                    gone=("DBInstanceNotFound",),
                    iam_resource_type="db",
                ),
                reader="rds_instance_tags",
            ),
            listing=Listing(
                service="rds",
                operation="describe_db_instances",
                permission="rds:DescribeDBInstances",
                items=("DBInstances",),
                id_field="DBInstanceIdentifier",
                describes=True,
                named_filter="db-instance-id",
                part_size=100,
            ),
        ),
        ResourceType(
            name="AwsLambdaFunction",
            id_pattern=r"^[a-zA-Z0-9_-]{1,64}$",
            arn=Arn(service="lambda", prefix="function:", in_events=True),
            config=ConfigType(name="AWS::Lambda::Function", id_field="resourceName"),
            create_calls=(
                CloudTrailCall(source="lambda.amazonaws.com", name="CreateFunction20150331"),
            ),
            tags=Tags(
                read=TagCall(
                    service="lambda",
                    operation="list_tags",
                    permission="lambda:ListTags",
                    identifier="Resource",
                    by_arn=True,
                    shape="map",
                    gone=_NOT_FOUND,
                ),
                write=TagCall(
                    service="lambda",
                    operation="tag_resource",
                    permission="lambda:TagResource",
                    identifier="Resource",
                    by_arn=True,
                    shape="map",
                    gone=_NOT_FOUND,
                    iam_resource_type="function",
                ),
                reader="lambda_function_tags",
            ),
            listing=Listing(
                service="lambda",
                operation="list_functions",
                permission="lambda:ListFunctions",
                items=("Functions",),
                id_field="FunctionName",
                part_size=50,
            ),
        ),
        ResourceType(
            name="AwsDynamoDbTable",
            id_pattern=r"^[a-zA-Z0-9_.-]{3,255}$",
            arn=Arn(service="dynamodb", prefix="table/", in_events=True),
            config=ConfigType(name="AWS::DynamoDB::Table", id_field="resourceName"),
            create_calls=(CloudTrailCall(source="dynamodb.amazonaws.com", name="CreateTable"),),
            tags=Tags(
                read=TagCall(
                    service="dynamodb",
                    operation="list_tags_of_resource",
                    permission="dynamodb:ListTagsOfResource",
                    identifier="ResourceArn",
                    by_arn=True,
                    gone=_NOT_FOUND,
                ),
                write=TagCall(
                    service="dynamodb",
                    operation="tag_resource",
                    permission="dynamodb:TagResource",
                    identifier="ResourceArn",
                    by_arn=True,
                    gone=_NOT_FOUND,
                    iam_resource_type="table",
                ),
                reader="dynamodb_table_tags",
            ),
            listing=Listing(
                service="dynamodb",
                operation="list_tables",
                permission="dynamodb:ListTables",
                items=("TableNames",),
                part_size=50,
            ),
        ),
        ResourceType(
            name="AwsIamAccessKey",
            # IAM API reference, AccessKey: AccessKeyId is 16 to 128 characters of [\w]+.
            id_pattern=r"^[A-Za-z0-9_]{16,128}$",
            hub_id="{id}",
        ),
    )
}

# Derived tables.
RESOURCE_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(entry.id_pattern) for name, entry in RESOURCE_TYPES.items()
}
TAGGABLE_TYPES: tuple[str, ...] = tuple(n for n, e in RESOURCE_TYPES.items() if e.tags)
# The create calls' event names by type (the events' sources are their services').
CREATE_EVENTS: dict[str, frozenset[str]] = {
    name: frozenset(call.name for call in entry.create_calls)
    for name, entry in RESOURCE_TYPES.items()
    if entry.create_calls
}


def resource_id_problem(resource_type: str, resource_id: str) -> str | None:
    """Why `resource_id` is not a valid identifier for `resource_type`, or None when it is."""
    entry = RESOURCE_TYPES.get(resource_type)
    if entry is None:
        return f"has no known identifier format for resource type {resource_type}"
    if not RESOURCE_ID_PATTERNS[resource_type].match(resource_id):
        return f"is not a valid {entry.identifier}"
    return None


def name_from_arn(resource_type: str, value: str, *, account_id: str, region: str) -> str:
    """The resource name in `value` when it is an ARN of `resource_type` in this account and
    region; `value` itself when it is not an ARN. A foreign or mistyped ARN is refused."""
    entry = RESOURCE_TYPES.get(resource_type)
    arn = entry.arn if entry else None
    if not value.startswith("arn:") or arn is None or not arn.in_events:
        return value
    parts = value.split(":", 5)
    if len(parts) != 6 or not re.match(PARTITION_PATTERN, parts[1]):
        raise ValueError(f"{value[:120]!r} is not an ARN")
    _, _, arn_service, arn_region, arn_account, resource = parts
    if arn_service != arn.service or not resource.startswith(arn.prefix):
        raise ValueError(f"{value[:120]!r} is not an ARN of a {resource_type}")
    if (arn_account, arn_region) != (account_id, region):
        raise ValueError(f"{value[:120]!r} is not in account {account_id} and region {region}")
    return resource.removeprefix(arn.prefix)


def resource_arn(
    resource_type: str, resource_id: str, *, partition: str, region: str, account_id: str
) -> str:
    """The identifier Security Hub expects in `Resources[].Id` for the resource (its ARN,
    except for accounts and access keys)."""
    entry = RESOURCE_TYPES.get(resource_type)
    if entry is not None and entry.arn is not None:
        return entry.arn.build(
            resource_id, partition=partition, region=region, account_id=account_id
        )
    if entry is not None and entry.hub_id is not None:
        return entry.hub_id.format(id=resource_id)
    raise ValueError(f"no ARN format for resource type {resource_type}")
