"""Identifiers given as ARNs by tagging calls are reduced to names and checked."""

import pytest
from pydantic import ValidationError

from orgwarden.model.resources import ResourceRef

ACCOUNT, REGION = "111122223333", "eu-west-1"


def ref(resource_type: str, resource_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region=REGION
    )


@pytest.mark.parametrize(
    ("resource_type", "arn", "name"),
    [
        ("AwsRdsDbInstance", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:payments-db", "payments-db"),
        (
            "AwsLambdaFunction",
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:checkout-api",
            "checkout-api",
        ),
        ("AwsDynamoDbTable", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders", "orders"),
    ],
)
def test_an_arn_is_reduced_to_the_name_and_rebuilt_for_findings(
    resource_type: str, arn: str, name: str
) -> None:
    reduced = ref(resource_type, arn)
    assert reduced.resource_id == name
    assert reduced.arn == arn


@pytest.mark.parametrize(
    ("resource_type", "arn", "problem"),
    [
        ("AwsRdsDbInstance", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:payments", "not an ARN of"),
        ("AwsRdsDbInstance", f"arn:aws:rds:{REGION}:999988887777:db:payments-db", "not in account"),
        ("AwsLambdaFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "not in account"),
        ("AwsLambdaFunction", f"arn:aws:s3:{REGION}:{ACCOUNT}:function:f", "not an ARN of"),
        # A qualified function ARN (version or alias) leaves a name that is not a function name.
        ("AwsLambdaFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f:prod", "not a valid"),
        (
            "AwsDynamoDbTable",
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/2026",
            "not a valid",
        ),
        ("AwsDynamoDbTable", "arn:nope", "not an ARN"),
    ],
)
def test_a_foreign_or_mistyped_arn_is_refused(resource_type: str, arn: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        ref(resource_type, arn)


def test_other_types_keep_their_ids_as_given() -> None:
    assert ref("AwsEc2Instance", "i-0a1b2c3d4e5f60718").resource_id == "i-0a1b2c3d4e5f60718"
    with pytest.raises(ValidationError):
        ref("AwsS3Bucket", "arn:aws:s3:::customer-data-prod")
