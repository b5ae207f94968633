"""The required-tags rules' verdicts against AWS's own documents, case by case.

- TAGGING: AWS Whitepaper, "Tagging Best Practices: Implement an effective AWS resource tagging
  strategy", and the Tag Editor user guide's "Tag naming limits and requirements".

Every case runs through `check_tags` and the instance rule's `evaluate` (the family shares one
`evaluate`), with the packaged tag policy: app, env (prod | staging | dev), team, cost-center.
"""

import pytest
from pydantic import ValidationError

from orgwarden.model.policy_file import RequiredTag
from orgwarden.model.spec import Status
from policies.required_tags import check_tags
from tests.policies.tag_cases import COMPLETE, DEFAULT, TaggedType, without

TAGGING = "AWS Tagging Best Practices; Tag naming limits and requirements"
CASE_SENSITIVE = "Tag keys and values are case sensitive."
RESERVED = (
    "The aws: prefix is prohibited for tags; it's reserved for AWS use. You can't edit or delete "
    "a tag's key or value when the tag has this prefix."
)
EMPTY_VALUE = (
    "You can set the value of a tag to an empty string, but you can't set the value of a tag "
    "to null."
)
KEY_LENGTH = "Maximum key length - 128 Unicode characters in UTF-8"
VALUE_LENGTH = "Maximum value length - 256 Unicode characters in UTF-8"

INSTANCE = TaggedType("ec2_instance_required_tags", "AwsEc2Instance", "i-0abcd1234ef567890")


def problems(tags: dict[str, str]) -> dict[str, str]:
    return {p["key"]: p["problem"] for p in check_tags(tags, DEFAULT)}


@pytest.mark.parametrize(
    ("case", "tags", "expected"),
    [
        # TAGGING: CASE_SENSITIVE. "Env" is another key than "env".
        ("key case", without("env") | {"Env": "prod"}, {"env": "missing"}),
        # TAGGING: CASE_SENSITIVE. "Prod" is another value than "prod".
        ("value case", COMPLETE | {"env": "Prod"}, {"env": "invalid"}),
        # TAGGING: EMPTY_VALUE. The key is there, with a value that says nothing: not missing,
        # but not a value the organization can use either.
        ("empty value", COMPLETE | {"team": ""}, {"team": "invalid"}),
        # TAGGING: RESERVED. AWS's own tags (aws:...) never stand in for the organization's.
        (
            "aws: tag in place of app",
            without("app") | {"aws:cloudformation:stack-name": "checkout"},
            {"app": "missing"},
        ),
        # TAGGING: VALUE_LENGTH. The longest value AWS allows is a value like any other.
        ("256-character value", COMPLETE | {"app": "a" * 256}, {}),
        ("complete", COMPLETE, {}),
    ],
)
def test_tags_as_aws_defines_them(
    case: str, tags: dict[str, str], expected: dict[str, str]
) -> None:
    assert problems(tags) == expected, case
    status = INSTANCE.evaluate(tags).status
    assert status is (Status.FAILED if expected else Status.PASSED), case


def test_a_required_key_longer_than_aws_allows_is_refused_by_the_policy_file() -> None:
    # TAGGING: KEY_LENGTH. A requirement no resource could ever meet is a policy-file error.
    RequiredTag(key="k" * 128)
    with pytest.raises(ValidationError):
        RequiredTag(key="k" * 129)
