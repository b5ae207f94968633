"""End to end on moto's server: GuardDuty findings (built as GuardDuty delivers them; moto has
no findings API) go through the template's GuardDutyFindings rule, the queue and the real
handler. Leaked keys are deactivated and mining instances quarantined (scenario 16); the same
finding delivered again and again gets one response (scenario 17); an unknown type is recorded."""

import contextlib
import json
from datetime import datetime
from typing import Any

import pytest

from orgwarden.aws.threats import QUARANTINE_TAG, SNAPSHOT_FINDING_TAG, revoked_before
from orgwarden_harness.incidents import (
    access_key_resource,
    guardduty_finding_event,
    instance_resource,
    launch_instance,
)
from orgwarden_harness.simulated_drift import add_member_account
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure

FIELD = "orgwarden/governance/"
ENFORCE = {"guardduty_ec2_compromise": "enforce", "guardduty_iam_credential_misuse": "enforce"}


@pytest.fixture(scope="module")
def member(organization: SimulatedOrganization) -> str:
    """One fresh member for the module: moto builds an account's EC2 state on first use."""
    return add_member_account(organization, "threat-response-prod").account_id


def run(sim: SimulatedOrganization, *events: dict[str, Any]) -> dict[str, Any]:
    for event in events:
        sim.deliver(event)
    messages: list[dict[str, Any]] = []
    for _ in range(5):
        messages += sim.take()
        if len(messages) >= len(events):
            break
    assert len(messages) == len(events), "the template's rule did not route every finding"
    return sim.invoke_evaluator(messages)


def instance_groups(sim: SimulatedOrganization, member: str, instance_id: str) -> list[str]:
    ec2 = sim.session(member).client("ec2")
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return [g["GroupId"] for eni in instance["NetworkInterfaces"] for g in eni["Groups"]]


def test_scenario_16_a_leaked_key_is_deactivated_and_the_miner_quarantined(
    lambda_env: Configure, member: str
) -> None:
    sim = lambda_env(ENFORCE)
    iam = sim.session(member).client("iam")
    iam.create_user(UserName="ci-deploy")
    key_id = iam.create_access_key(UserName="ci-deploy")["AccessKey"]["AccessKeyId"]
    instance_id = launch_instance(sim, member)
    leaked = guardduty_finding_event(
        member,
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
        access_key_resource(key_id, "ci-deploy"),
        severity=5.0,
    )
    mining = guardduty_finding_event(
        member, "CryptoCurrency:EC2/BitcoinTool.B!DNS", instance_resource(instance_id), severity=8.0
    )
    assert run(sim, leaked, mining) == {"batchItemFailures": []}

    (key,) = iam.list_access_keys(UserName="ci-deploy")["AccessKeyMetadata"]
    assert key["Status"] == "Inactive"
    ec2 = sim.session(member).client("ec2")
    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["orgwarden-quarantine"]}]
    )["SecurityGroups"]
    assert instance_groups(sim, member, instance_id) == [group["GroupId"]]
    assert group["IpPermissions"] == group["IpPermissionsEgress"] == []
    mining_id = mining["detail"]["id"]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance_id]}])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags}[QUARANTINE_TAG] == mining_id
    snapshots = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": f"tag:{SNAPSHOT_FINDING_TAG}", "Values": [mining_id]}]
    )["Snapshots"]
    assert len(snapshots) == 1

    findings = sim.findings(member)
    key_finding = findings[
        f"orgwarden/guardduty_iam_credential_misuse/{member}/us-east-1/"
        f"guardduty/{leaked['detail']['id']}/{key_id}"
    ]
    ec2_finding = findings[
        f"orgwarden/guardduty_ec2_compromise/{member}/us-east-1/guardduty/{mining_id}/{instance_id}"
    ]
    for finding, gd_id, original in (
        (key_finding, leaked["detail"]["id"], "MEDIUM"),
        (ec2_finding, mining_id, "HIGH"),
    ):
        # Each action is linked to the GuardDuty finding: in the finding and its evidence.
        assert gd_id in finding["Description"]
        assert finding["Severity"]["Original"] == original  # GuardDuty's own severity
        assert finding["Compliance"]["Status"] == "PASSED"
        assert finding["ProductFields"][FIELD + "DetectedStatus"] == "FAILED"
        assert finding["ProductFields"][FIELD + "RemediationOutcome"] == "verified"
        (record,) = sim.evidence().history(finding["Id"])
        assert record.facts["guardduty_finding_id"] == gd_id
        assert record.action is not None
    (record,) = sim.evidence().history(ec2_finding["Id"])
    assert record.action is not None
    assert record.action.after is not None
    assert record.action.after["snapshots"] == {
        snapshots[0]["VolumeId"]: snapshots[0]["SnapshotId"]
    }


def test_scenario_17_one_finding_updated_three_times_gets_one_response(
    lambda_env: Configure, member: str
) -> None:
    sim = lambda_env(ENFORCE)
    instance_id = launch_instance(sim, member)
    before = instance_groups(sim, member, instance_id)
    first = guardduty_finding_event(
        member, "Backdoor:EC2/C&CActivity.B!DNS", instance_resource(instance_id), count=1
    )
    finding_id = first["detail"]["id"]
    repeats = [
        guardduty_finding_event(
            member,
            "Backdoor:EC2/C&CActivity.B!DNS",
            instance_resource(instance_id),
            finding_id=finding_id,
            count=count,
        )
        for count in (4, 9)
    ]
    assert run(sim, first, *repeats) == {"batchItemFailures": []}

    ec2 = sim.session(member).client("ec2")
    snapshots = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": f"tag:{SNAPSHOT_FINDING_TAG}", "Values": [finding_id]}]
    )["Snapshots"]
    assert len(snapshots) == 1  # not three
    assert instance_groups(sim, member, instance_id) != before
    ours = (
        f"orgwarden/guardduty_ec2_compromise/{member}/us-east-1/"
        f"guardduty/{finding_id}/{instance_id}"
    )
    history = sim.evidence().history(ours)
    assert len(history) == 3
    assert sorted(r.facts["guardduty_count"] for r in history) == [1, 4, 9]
    # Whichever delivery came first acted; the others found the instance contained.
    acted = [r for r in history if r.action is not None]
    assert len(acted) == 1
    assert acted[0].action is not None
    assert acted[0].action.outcome == "verified"
    repeated = [r for r in history if r.action is None]
    assert all(r.detected_status.value == "PASSED" for r in repeated)
    assert all("Contained" in r.reason for r in repeated)
    assert [f for f in sim.findings(member) if finding_id in f] == [ours]


def test_an_unclaimed_finding_type_is_recorded_at_its_own_severity(
    lambda_env: Configure, member: str
) -> None:
    sim = lambda_env(ENFORCE)
    probe = guardduty_finding_event(
        member,
        "Recon:EC2/PortProbeUnprotectedPort",
        instance_resource("i-0a1b2c3d4e5f60718"),
        severity=2.0,
        resource_role="TARGET",
    )
    assert run(sim, probe) == {"batchItemFailures": []}
    finding = sim.findings(member)[
        f"orgwarden/guardduty_finding_recorded/{member}/us-east-1/"
        f"guardduty/{probe['detail']['id']}/{member}"
    ]
    assert finding["Severity"]["Label"] == "LOW"
    assert finding["Compliance"]["Status"] == "FAILED"
    assert "Recon:EC2/PortProbeUnprotectedPort" in finding["Description"]
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is None


# IAM API reference, AccessKey: AccessKeyId "Length Constraints: Minimum length of 16. Maximum
# length of 128. Pattern: [\w]+". STS session keys need not be 20 characters long.
LONG_SESSION_KEY = "ASIA4EXAMPLESESSIONKEYID0123456789"
REVOKE = "AWSRevokeOlderSessions"


def instance_role(sim: SimulatedOrganization, member: str, name: str, path: str = "/") -> str:
    iam = sim.session(member).client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))
    return name


def stolen_session_finding(member: str, role_name: str) -> dict[str, Any]:
    """GuardDuty's InstanceCredentialExfiltration.OutsideAWS: an instance's role credentials used
    from outside AWS (GuardDuty IAM finding types); the key's userType is AssumedRole."""
    return guardduty_finding_event(
        member,
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        access_key_resource(LONG_SESSION_KEY, role_name, user_type="AssumedRole"),
        severity=8.0,
    )


def revocation_time(sim: SimulatedOrganization, member: str, role_name: str) -> datetime | None:
    iam = sim.session(member).client("iam")
    if REVOKE not in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        return None
    document = iam.get_role_policy(RoleName=role_name, PolicyName=REVOKE)["PolicyDocument"]
    return revoked_before(document)


def test_a_stolen_instance_role_session_is_revoked_and_verified(
    lambda_env: Configure, member: str
) -> None:
    """IAM user guide, "Revoking IAM role temporary security credentials": AWS "attaches a new
    inline policy to the role that denies all permissions to all actions", applying "only if the
    user assumed the role before the point in time when you revoke the permissions"."""
    sim = lambda_env(ENFORCE)
    role = instance_role(sim, member, "web-tier-instance")
    stolen = stolen_session_finding(member, role)
    assert run(sim, stolen) == {"batchItemFailures": []}

    revoked = revocation_time(sim, member, role)
    assert revoked is not None, "no AWSRevokeOlderSessions policy on the role"
    seen = datetime.fromisoformat(stolen["detail"]["service"]["eventLastSeen"])
    assert revoked >= seen  # every session issued up to the stolen one's use is denied
    finding = sim.findings(member)[
        f"orgwarden/guardduty_iam_credential_misuse/{member}/us-east-1/"
        f"guardduty/{stolen['detail']['id']}/{LONG_SESSION_KEY}"
    ]
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["ProductFields"][FIELD + "DetectedStatus"] == "FAILED"
    assert finding["ProductFields"][FIELD + "Remediation"] == "iam_revoke_role_sessions"
    assert finding["ProductFields"][FIELD + "RemediationOutcome"] == "verified"
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is not None
    assert record.action.after is not None
    assert record.action.after["policy"] == REVOKE

    # The same finding again: contained already, nothing changes.
    again = guardduty_finding_event(
        member,
        stolen["detail"]["type"],
        stolen["detail"]["resource"],
        finding_id=stolen["detail"]["id"],
        count=2,
        updated_at=seen,
    )
    assert run(sim, again) == {"batchItemFailures": []}
    assert revocation_time(sim, member, role) == revoked
    latest = sim.evidence().latest(finding["Id"])
    assert latest is not None
    assert latest.action is None
    assert latest.detected_status.value == "PASSED"


@pytest.mark.parametrize(
    ("role_name", "path", "reason"),
    [
        ("OrgwardenRemediation", "/", "orgwarden's own role"),
        ("OrgwardenBreakGlass", "/", "break-glass"),
    ],
)
def test_the_sessions_of_orgwarden_s_own_and_break_glass_roles_are_never_revoked(
    lambda_env: Configure, member: str, role_name: str, path: str, reason: str
) -> None:
    sim = lambda_env(ENFORCE)
    instance_role(sim, member, role_name, path)
    stolen = stolen_session_finding(member, role_name)
    assert run(sim, stolen) == {"batchItemFailures": []}

    assert revocation_time(sim, member, role_name) is None
    finding = sim.findings(member)[
        f"orgwarden/guardduty_iam_credential_misuse/{member}/us-east-1/"
        f"guardduty/{stolen['detail']['id']}/{LONG_SESSION_KEY}"
    ]
    assert finding["Compliance"]["Status"] == "FAILED"
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is not None
    assert record.action.outcome == "not-attempted"
    assert record.decision_reason is not None
    assert reason in record.decision_reason


@pytest.mark.parametrize(
    ("finding_type", "resource"),
    [
        # GuardDuty IAM finding types: ConsoleLoginSuccess.B, "Multiple worldwide successful
        # console logins were observed": a console session, no access key id.
        (
            "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
            {
                "resourceType": "AccessKey",
                "accessKeyDetails": {
                    "principalId": "AIDA4EXAMPLEUSERID12",
                    "userType": "IAMUser",
                    "userName": "jane.doe",
                },
            },
        ),
        # GuardDuty S3 finding types: Policy:S3/AccountBlockPublicAccessDisabled is about the
        # account's Block Public Access, so it names no bucket.
        ("Policy:S3/AccountBlockPublicAccessDisabled", {"resourceType": "S3Bucket"}),
        # An EC2 finding whose instance details carry no instance id.
        ("Backdoor:EC2/DenialOfService.Tcp", {"resourceType": "Instance", "instanceDetails": {}}),
    ],
)
def test_a_claimed_finding_that_names_no_resource_is_recorded_on_the_account(
    lambda_env: Configure, member: str, finding_type: str, resource: dict[str, Any]
) -> None:
    sim = lambda_env(ENFORCE)
    event = guardduty_finding_event(member, finding_type, resource, severity=5.0)
    assert run(sim, event) == {"batchItemFailures": []}

    finding = sim.findings(member)[
        f"orgwarden/guardduty_finding_recorded/{member}/us-east-1/"
        f"guardduty/{event['detail']['id']}/{member}"
    ]
    assert finding["Resources"][0]["Type"] == "AwsAccount"
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["RecordState"] == "ACTIVE"
    assert finding_type in finding["Description"]
    (record,) = sim.evidence().history(finding["Id"])
    assert record.facts["guardduty_type"] == finding_type
    assert record.action is None
