"""The IMDSv2 rules' verdicts against AWS's own documents, case by case.

- OPTIONS: Amazon EC2 API Reference, "InstanceMetadataOptionsResponse" (HttpTokens,
  HttpEndpoint).
- DEFAULTS: Amazon EC2 API Reference, "ModifyInstanceMetadataDefaults" and
  "InstanceMetadataDefaultsResponse" (HttpTokens, HttpEndpoint, ManagedBy).

An instance's options are set at launch on moto's server, read by orgwarden's reader and judged
by the rule's `evaluate`; a region's defaults are judged as GetInstanceMetadataDefaults
answers them.
"""

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.model.imdsv2 import InstanceMetadataDefaults
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies import ec2_instance_imdsv2_required, ec2_metadata_defaults_imdsv2
from tests.conftest import member_context
from tests.policies.guard_cases import REF

OPTIONAL = "optional - IMDSv2 is optional, which means that you can use either IMDSv2 or IMDSv1."
REQUIRED = (
    "required - IMDSv2 is required, which means that IMDSv1 is disabled, and you must use IMDSv2."
)
DISABLED = "If the value is disabled, you cannot access your instance metadata."
# DEFAULTS: ModifyInstanceMetadataDefaults, HttpTokens "Valid Values: optional | required |
# no-preference" (no-preference removes the account-level default).
NO_PREFERENCE = "no-preference"
REGION = "eu-west-1"


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


@pytest.mark.parametrize(
    ("options", "status"),
    [
        # OPTIONS: OPTIONAL. IMDSv1 answers, so the role's credentials are one GET away.
        ({"HttpTokens": "optional", "HttpEndpoint": "enabled"}, Status.FAILED),
        # OPTIONS: REQUIRED.
        ({"HttpTokens": "required", "HttpEndpoint": "enabled"}, Status.PASSED),
        # OPTIONS: DISABLED. No metadata service at all, whatever HttpTokens says.
        ({"HttpTokens": "optional", "HttpEndpoint": "disabled"}, Status.PASSED),
    ],
)
def test_an_instance_s_metadata_options(
    sessions: Sessions, account_id: str, options: dict[str, str], status: Status
) -> None:
    ec2 = sessions.client("ec2", account_id=account_id, role_name="setup", region=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, MetadataOptions=options)[
        "Instances"
    ][0]["InstanceId"]
    r = ResourceRef(
        resource_type="AwsEc2Instance", resource_id=instance, account_id=account_id, region=REGION
    )
    state = READERS["ec2_instance_metadata_options"].read(
        member_context(sessions, r, "OrgwardenRead")
    )
    assert (state.http_tokens, state.http_endpoint) == (
        options["HttpTokens"],
        options["HttpEndpoint"],
    )
    assert ec2_instance_imdsv2_required.evaluate(state).status is status


@pytest.mark.parametrize(
    ("account_level", "status"),
    [
        # GetInstanceMetadataDefaults answers an empty AccountLevel when nothing is set: the AMI
        # and the launch request decide, and IMDSv1 is the launch default (OPTIONS: OPTIONAL).
        ({}, Status.FAILED),
        # DEFAULTS: NO_PREFERENCE clears the account's default.
        ({"HttpTokens": NO_PREFERENCE}, Status.FAILED),
        ({"HttpTokens": "optional"}, Status.FAILED),
        ({"HttpTokens": "required"}, Status.PASSED),
        ({"HttpEndpoint": "disabled"}, Status.PASSED),
        # ManagedBy declarative-policy: the value holds whoever set it.
        ({"HttpTokens": "required", "ManagedBy": "declarative-policy"}, Status.PASSED),
        ({"HttpTokens": "optional", "ManagedBy": "declarative-policy"}, Status.FAILED),
    ],
)
def test_a_region_s_metadata_defaults(account_level: dict[str, str], status: Status) -> None:
    state = InstanceMetadataDefaults(
        ref=REF,
        http_tokens=account_level.get("HttpTokens"),
        http_endpoint=account_level.get("HttpEndpoint"),
        managed_by=account_level.get("ManagedBy"),
    )
    verdict = ec2_metadata_defaults_imdsv2.evaluate(state)
    assert verdict.status is status
    if account_level.get("ManagedBy") == "declarative-policy" and status is Status.FAILED:
        assert "declarative policy" in verdict.reason
