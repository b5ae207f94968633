"""AWS identifier formats: every identifier taken from an event is checked before an API call."""

import re
from typing import Annotated

from pydantic import StringConstraints

ACCOUNT_ID_PATTERN = r"^\d{12}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$"
PARTITION_PATTERN = r"^aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?$"
# General purpose bucket naming rules: 3-63 characters, lowercase letters, digits, dots and
# hyphens, beginning and ending with a letter or digit.
BUCKET_NAME_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
Partition = Annotated[str, StringConstraints(pattern=PARTITION_PATTERN)]

_BUCKET_NAME = re.compile(BUCKET_NAME_PATTERN)
_IP_LIKE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def is_bucket_name(value: str) -> bool:
    """True when `value` is a valid general purpose bucket name."""
    return (
        bool(_BUCKET_NAME.match(value))
        and ".." not in value
        and not _IP_LIKE.match(value)
        and not value.startswith("xn--")
    )


# Identifier formats per ASFF resource type, as the services document them. An identifier taken
# from an event that does not match is rejected before any API call sees it.
RESOURCE_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "AwsAccount": re.compile(ACCOUNT_ID_PATTERN),
    "AwsEc2Instance": re.compile(r"^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$"),
    "AwsEc2Volume": re.compile(r"^vol-(?:[0-9a-f]{8}|[0-9a-f]{17})$"),
    "AwsRdsDbInstance": re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0,62}$"),
    "AwsLambdaFunction": re.compile(r"^[a-zA-Z0-9_-]{1,64}$"),
    "AwsDynamoDbTable": re.compile(r"^[a-zA-Z0-9_.-]{3,255}$"),
    "AwsIamAccessKey": re.compile(r"^(?:AKIA|ASIA)[A-Z0-9]{16}$"),
}


# Types whose events may name them by ARN (tagging calls): the ARN's service and the prefix of
# its resource part; what follows the prefix is the name the APIs and findings use.
_ARN_NAMED = {
    "AwsRdsDbInstance": ("rds", "db:"),
    "AwsLambdaFunction": ("lambda", "function:"),
    "AwsDynamoDbTable": ("dynamodb", "table/"),
}


def name_from_arn(resource_type: str, value: str, *, account_id: str, region: str) -> str:
    """The resource name in `value` when it is an ARN of `resource_type` in this account and
    region; `value` itself when it is not an ARN. A foreign or mistyped ARN is refused."""
    if not value.startswith("arn:") or resource_type not in _ARN_NAMED:
        return value
    service, prefix = _ARN_NAMED[resource_type]
    parts = value.split(":", 5)
    if len(parts) != 6 or not re.match(PARTITION_PATTERN, parts[1]):
        raise ValueError(f"{value[:120]!r} is not an ARN")
    _, _, arn_service, arn_region, arn_account, resource = parts
    if arn_service != service or not resource.startswith(prefix):
        raise ValueError(f"{value[:120]!r} is not an ARN of a {resource_type}")
    if (arn_account, arn_region) != (account_id, region):
        raise ValueError(f"{value[:120]!r} is not in account {account_id} and region {region}")
    return resource.removeprefix(prefix)


def resource_id_problem(resource_type: str, resource_id: str) -> str | None:
    """Why `resource_id` is not a valid identifier for `resource_type`, or None when it is."""
    if resource_type == "AwsS3Bucket":
        return None if is_bucket_name(resource_id) else "is not a valid S3 bucket name"
    pattern = RESOURCE_ID_PATTERNS.get(resource_type)
    if pattern is None:
        return f"has no known identifier format for resource type {resource_type}"
    if not pattern.match(resource_id):
        return f"is not a valid {resource_type} identifier"
    return None


# How Security Hub expects each type in `Resources[].Id` (ARNs, except accounts and keys).
_ARN_FORMATS = {
    "AwsS3Bucket": "arn:{partition}:s3:::{id}",
    "AwsAccount": "AWS::::Account:{id}",
    "AwsEc2Instance": "arn:{partition}:ec2:{region}:{account}:instance/{id}",
    "AwsEc2Volume": "arn:{partition}:ec2:{region}:{account}:volume/{id}",
    "AwsRdsDbInstance": "arn:{partition}:rds:{region}:{account}:db:{id}",
    "AwsLambdaFunction": "arn:{partition}:lambda:{region}:{account}:function:{id}",
    "AwsDynamoDbTable": "arn:{partition}:dynamodb:{region}:{account}:table/{id}",
    "AwsIamAccessKey": "{id}",
}


def resource_arn(
    resource_type: str, resource_id: str, *, partition: str, region: str, account_id: str
) -> str:
    """The identifier Security Hub expects in `Resources[].Id` for the resource."""
    template = _ARN_FORMATS.get(resource_type)
    if template is None:
        raise ValueError(f"no ARN format for resource type {resource_type}")
    return template.format(partition=partition, region=region, account=account_id, id=resource_id)
