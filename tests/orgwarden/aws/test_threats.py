"""GuardDuty threat adapters against moto's server: the finding comes with the event (moto has
no GuardDuty findings API); the containment state of the instance, key or bucket is read and
changed for real (scenarios 16, 17)."""

import json
from typing import Any

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.aws.threats import QUARANTINE_GROUP_TAG, QUARANTINE_TAG, SNAPSHOT_FINDING_TAG
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.events import GuardDutyDetail
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from orgwarden_harness.incidents import (
    access_key_resource,
    bucket_resource,
    guardduty_finding_event,
    instance_resource,
)
from policies import guardduty_ec2_compromise, guardduty_iam_credential_misuse, guardduty_s3_threat
from tests.conftest import ApiCalls, member_context

READ, FIX = "OrgwardenRead", "OrgwardenRemediation"


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def client(sessions: Sessions, account_id: str, service: str) -> Any:
    return sessions.client(service, account_id=account_id, role_name="setup", region="us-east-1")


def detail(account_id: str, finding_type: str, resource: dict[str, Any], **kw: Any) -> Any:
    event, _ = parse_event(
        json.dumps(guardduty_finding_event(account_id, finding_type, resource, **kw))
    )
    assert isinstance(event.detail, GuardDutyDetail)
    return event.detail


def ref(resource_type: str, resource_id: str, account_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type=resource_type,
        resource_id=resource_id,
        account_id=account_id,
        region="us-east-1",
    )


@pytest.fixture(scope="module")
def ec2_account(moto_server: str) -> str:
    """One account for the EC2 tests: moto builds an account's EC2 state (its AMI catalogue)
    on first use, which costs seconds; each test still gets its own VPC or instance."""
    return "310000000016"


def launch(sessions: Sessions, account_id: str, subnet_id: str | None = None) -> str:
    ec2 = client(sessions, account_id, "ec2")
    where = {"SubnetId": subnet_id} if subnet_id else {}
    answer = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, **where)
    instance_id: str = answer["Instances"][0]["InstanceId"]
    return instance_id


def test_scenario_16_an_instance_is_isolated_snapshotted_and_tagged_once(
    sessions: Sessions, ec2_account: str
) -> None:
    account_id = ec2_account
    instance_id = launch(sessions, account_id)
    target = ref("AwsEc2Instance", instance_id, account_id)
    payload = detail(
        account_id, "CryptoCurrency:EC2/BitcoinTool.B!DNS", instance_resource(instance_id)
    )
    reader = READERS["guardduty_instance"]
    state = reader.read(member_context(sessions, target, READ, payload))
    assert state.state == "running"
    assert state.quarantine_group_id is None  # not created yet
    assert len(state.volume_ids) == 1
    assert guardduty_ec2_compromise.evaluate(state).status is Status.FAILED

    quarantine = REMEDIATIONS["ec2_quarantine_instance"]
    assert quarantine.disruptive
    change = quarantine.apply(member_context(sessions, target, FIX, payload), state)

    ec2 = client(sessions, account_id, "ec2")
    (group,) = ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": ["orgwarden-quarantine"]},
            {"Name": "vpc-id", "Values": [state.vpc_id]},
        ]
    )["SecurityGroups"]
    assert group["IpPermissions"] == []
    assert group["IpPermissionsEgress"] == []  # the default allow-all egress is gone
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert [g["GroupId"] for eni in instance["NetworkInterfaces"] for g in eni["Groups"]] == [
        group["GroupId"]
    ]
    assert {t["Key"]: t["Value"] for t in instance["Tags"]}[QUARANTINE_TAG] == payload.id
    snapshots = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": f"tag:{SNAPSHOT_FINDING_TAG}", "Values": [payload.id]}]
    )["Snapshots"]
    assert [s["VolumeId"] for s in snapshots] == list(state.volume_ids)
    assert change.after["snapshots"] == {snapshots[0]["VolumeId"]: snapshots[0]["SnapshotId"]}

    # Verify: read again, judge again.
    after = reader.read(member_context(sessions, target, READ, payload))
    assert after.isolated
    assert guardduty_ec2_compromise.evaluate(after).status is Status.PASSED

    # A retried fix (e.g. the tag call failed) makes no second snapshot and no second group.
    quarantine.apply(member_context(sessions, target, FIX, payload), after)
    assert (
        len(
            ec2.describe_snapshots(
                OwnerIds=["self"],
                Filters=[{"Name": f"tag:{SNAPSHOT_FINDING_TAG}", "Values": [payload.id]}],
            )["Snapshots"]
        )
        == 1
    )
    assert (
        len(
            ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": ["orgwarden-quarantine"]}]
            )["SecurityGroups"]
        )
        == 1
    )


def _open_group(ec2: Any, vpc: str, *, ours: bool) -> str:
    """A group named like the quarantine group, allowing SSH from anywhere; `ours`: with the
    tag orgwarden creates its quarantine groups with."""
    tags = [{"Key": QUARANTINE_GROUP_TAG, "Value": "true"}] if ours else []
    opened = ec2.create_security_group(
        GroupName="orgwarden-quarantine",
        Description="x",
        VpcId=vpc,
        **(
            {"TagSpecifications": [{"ResourceType": "security-group", "Tags": tags}]}
            if ours
            else {}
        ),
    )
    ec2.authorize_security_group_ingress(
        GroupId=opened["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    group_id: str = opened["GroupId"]
    return group_id


def test_a_quarantine_group_someone_opened_does_not_count_and_is_closed(
    sessions: Sessions, account_id: str
) -> None:
    instance_id = launch(sessions, account_id)
    ec2 = client(sessions, account_id, "ec2")
    vpc = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "VpcId"
    ]
    opened = _open_group(ec2, vpc, ours=True)
    target = ref("AwsEc2Instance", instance_id, account_id)
    payload = detail(account_id, "Backdoor:EC2/C&CActivity.B!DNS", instance_resource(instance_id))
    state = READERS["guardduty_instance"].read(member_context(sessions, target, READ, payload))
    assert state.quarantine_group_id is None  # it has rules: not a quarantine
    REMEDIATIONS["ec2_quarantine_instance"].apply(
        member_context(sessions, target, FIX, payload), state
    )
    (group,) = ec2.describe_security_groups(GroupIds=[opened])["SecurityGroups"]
    assert group["IpPermissions"] == []
    assert group["IpPermissionsEgress"] == []
    after = READERS["guardduty_instance"].read(member_context(sessions, target, READ, payload))
    assert guardduty_ec2_compromise.evaluate(after).status is Status.PASSED


def test_a_same_named_group_without_orgwarden_s_tag_is_refused_untouched(
    sessions: Sessions, account_id: str
) -> None:
    # The remediation role may revoke rules on, and attach, only groups tagged
    # orgwarden:quarantine-group=true: a group someone else named orgwarden-quarantine stops
    # the fix with an error naming the tag, before anything changes.
    instance_id = launch(sessions, account_id)
    ec2 = client(sessions, account_id, "ec2")
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    before = sorted(g["GroupId"] for g in instance["SecurityGroups"])
    squatted = _open_group(ec2, instance["VpcId"], ours=False)
    target = ref("AwsEc2Instance", instance_id, account_id)
    payload = detail(account_id, "Backdoor:EC2/C&CActivity.B!DNS", instance_resource(instance_id))
    state = READERS["guardduty_instance"].read(member_context(sessions, target, READ, payload))
    assert state.quarantine_group_id is None
    with pytest.raises(PermissionError, match=QUARANTINE_GROUP_TAG):
        REMEDIATIONS["ec2_quarantine_instance"].apply(
            member_context(sessions, target, FIX, payload), state
        )
    (group,) = ec2.describe_security_groups(GroupIds=[squatted])["SecurityGroups"]
    assert group["IpPermissions"], "the rules of a group orgwarden did not make stay"
    again = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert sorted(g["GroupId"] for g in again["SecurityGroups"]) == before


def test_a_vanished_instance_is_gone(sessions: Sessions, ec2_account: str) -> None:
    account_id = ec2_account
    from orgwarden.aws.errors import ResourceGone

    target = ref("AwsEc2Instance", "i-0123456789abcdef0", account_id)
    payload = detail(account_id, "Trojan:EC2/DropPoint", instance_resource("i-0123456789abcdef0"))
    with pytest.raises(ResourceGone):
        READERS["guardduty_instance"].read(member_context(sessions, target, READ, payload))


def test_scenario_16_an_iam_users_key_is_deactivated(sessions: Sessions, account_id: str) -> None:
    iam = client(sessions, account_id, "iam")
    iam.create_user(UserName="ci-deploy")
    key_id = iam.create_access_key(UserName="ci-deploy")["AccessKey"]["AccessKeyId"]
    target = ref("AwsIamAccessKey", key_id, account_id)
    payload = detail(
        account_id,
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
        access_key_resource(key_id, "ci-deploy"),
        severity=5.0,
    )
    reader = READERS["guardduty_access_key"]
    state = reader.read(member_context(sessions, target, READ, payload))
    assert state.status == "Active"
    assert guardduty_iam_credential_misuse.evaluate(state).status is Status.FAILED
    change = REMEDIATIONS["iam_deactivate_access_key"].apply(
        member_context(sessions, target, FIX, payload), state
    )
    assert change.after == {"Status": "Inactive"}
    (listed,) = iam.list_access_keys(UserName="ci-deploy")["AccessKeyMetadata"]
    assert listed["Status"] == "Inactive"
    after = reader.read(member_context(sessions, target, READ, payload))
    assert guardduty_iam_credential_misuse.evaluate(after).status is Status.PASSED

    iam.delete_access_key(UserName="ci-deploy", AccessKeyId=key_id)
    assert reader.read(member_context(sessions, target, READ, payload)).status == "Absent"


def test_a_role_sessions_key_is_not_read_as_a_users_key(
    sessions: Sessions, account_id: str
) -> None:
    calls = ApiCalls()
    sessions._base.events.register("before-call.*.*", calls)
    key_id = "ASIA4EXAMPLEKEY12345"
    payload = detail(
        account_id,
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        access_key_resource(key_id, "batch-worker", user_type="AssumedRole"),
    )
    state = READERS["guardduty_access_key"].read(
        member_context(sessions, ref("AwsIamAccessKey", key_id, account_id), READ, payload)
    )
    assert state.status is None
    assert calls.named("ListAccessKeys") == []
    assert guardduty_iam_credential_misuse.evaluate(state).remediable is False


def test_an_odd_user_name_from_a_finding_is_refused_before_any_call(
    sessions: Sessions, account_id: str
) -> None:
    payload = detail(
        account_id,
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
        access_key_resource("AKIA4EXAMPLEKEY12345", "ci deploy/../x"),
    )
    with pytest.raises(ValueError, match="IAM user name"):
        READERS["guardduty_access_key"].read(
            member_context(
                sessions, ref("AwsIamAccessKey", "AKIA4EXAMPLEKEY12345", account_id), READ, payload
            )
        )


def test_a_bucket_named_by_an_s3_finding_is_blocked(sessions: Sessions, account_id: str) -> None:
    bucket = f"gd-threat-{account_id}"
    client(sessions, account_id, "s3").create_bucket(Bucket=bucket)
    target = ref("AwsS3Bucket", bucket, account_id)
    payload = detail(
        account_id,
        "Policy:S3/BucketBlockPublicAccessDisabled",
        bucket_resource(bucket),
        severity=2.0,
    )
    state = READERS["guardduty_bucket"].read(member_context(sessions, target, READ, payload))
    assert state.bucket_block is None
    assert guardduty_s3_threat.evaluate(state).status is Status.FAILED
    REMEDIATIONS["s3_block_bucket_public_access"].apply(
        member_context(sessions, target, FIX, payload), state
    )
    after = READERS["guardduty_bucket"].read(member_context(sessions, target, READ, payload))
    assert guardduty_s3_threat.evaluate(after).status is Status.PASSED
