"""End to end on moto's server for the encryption rules (scenarios 7, 8, 9): each change goes
through the template's rule, the queue and the real handler; fixes are re-read, findings are in
the member account's Security Hub, and what cannot be fixed in place is only reported."""

from pathlib import Path
from typing import Any

import pytest

from orgwarden.engine.runtime import event_service
from orgwarden_harness.simulated_drift import (
    create_unencrypted_db_instance,
    create_unencrypted_volume,
    delete_bucket_default_encryption,
    disable_ebs_encryption_by_default,
)
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure

ENCRYPTION_RULES = (
    "s3_bucket_default_encryption",
    "ebs_encryption_by_default",
    "ebs_volume_encrypted",
    "rds_storage_encrypted",
)


@pytest.fixture
def enforce(lambda_env: Configure) -> SimulatedOrganization:
    # Enforce every encryption rule: the ones without a safe fix must still change nothing.
    return lambda_env(dict.fromkeys(ENCRYPTION_RULES, "enforce"))


def run(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    sim.deliver(event)
    messages = sim.take()
    assert len(messages) == 1, "the template's rule did not route the event to the queue"
    return sim.invoke_evaluator(messages)


def finding(sim: SimulatedOrganization, rule: str, member: str, resource: str) -> dict[str, Any]:
    found: dict[str, Any] = sim.findings(member)[f"orgwarden/{rule}/{member}/us-east-1/{resource}"]
    return found


def test_scenario_8_ebs_encryption_by_default_switched_off_is_turned_back_on(
    enforce: SimulatedOrganization,
) -> None:
    # EBS settings leave other scenarios alone (moto does not apply the default to volumes).
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    assert run(sim, disable_ebs_encryption_by_default(sim, member)) == {"batchItemFailures": []}

    ec2 = sim.session(member).client("ec2")
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    found = finding(sim, "ebs_encryption_by_default", member, member)
    assert found["Compliance"]["Status"] == "PASSED"
    assert found["Compliance"]["RelatedRequirements"] == ["aws-fsbp EC2.7", "cis-aws-3.0 2.2.1"]
    assert found["ProductFields"]["orgwarden/governance/RemediationOutcome"] == "verified"
    (record,) = sim.evidence().history(found["Id"])
    assert record.action is not None
    assert record.action.before == {"EbsEncryptionByDefault": False}


def test_scenario_8_an_unencrypted_volume_is_reported_and_left_alone(
    enforce: SimulatedOrganization,
) -> None:
    # EBS settings leave other scenarios alone (moto does not apply the default to volumes).
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    volume_id, event = create_unencrypted_volume(sim, member)
    assert run(sim, event) == {"batchItemFailures": []}

    found = finding(sim, "ebs_volume_encrypted", member, volume_id)
    assert found["Compliance"]["Status"] == "FAILED"
    assert found["Resources"][0]["Id"] == f"arn:aws:ec2:us-east-1:{member}:volume/{volume_id}"
    assert "cannot encrypt it in place" in found["Description"]
    assert "copy the snapshot with encryption on" in found["Remediation"]["Recommendation"]["Text"]
    (record,) = sim.evidence().history(found["Id"])
    assert record.action is None  # no fix exists, even in enforce mode
    ec2 = sim.session(member).client("ec2")
    (volume,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert volume["Encrypted"] is False
    of_volume = [{"Name": "volume-id", "Values": [volume_id]}]
    assert ec2.describe_snapshots(Filters=of_volume)["Snapshots"] == []


def test_scenario_7_unencrypted_rds_instance_gets_a_manual_recommendation(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["payments-prod"].account_id  # a production account
    run(sim, create_unencrypted_db_instance(sim, member, "orders-prod"))

    found = finding(sim, "rds_storage_encrypted", member, "orders-prod")
    assert found["Compliance"]["Status"] == "FAILED"
    assert found["Compliance"]["RelatedRequirements"] == ["aws-fsbp RDS.3", "cis-aws-3.0 2.3.1"]
    assert "RDS cannot encrypt it in place" in found["Description"]
    assert "restore a new instance" in found["Remediation"]["Recommendation"]["Text"]
    (record,) = sim.evidence().history(found["Id"])
    assert record.action is None
    # Never destructive: the instance is still there, unencrypted and running; no snapshot
    # was taken by us (the automated backup moto records at creation is not ours).
    rds = sim.session(member).client("rds")
    (instance,) = rds.describe_db_instances(DBInstanceIdentifier="orders-prod")["DBInstances"]
    assert (instance["DBInstanceStatus"], instance["StorageEncrypted"]) == ("available", False)
    manual = rds.describe_db_snapshots(DBInstanceIdentifier="orders-prod", SnapshotType="manual")
    assert manual["DBSnapshots"] == []


def test_scenario_9_a_bucket_without_default_encryption_gets_sse_s3(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"e2e-unencrypted-{member}"
    run(sim, delete_bucket_default_encryption(sim, member, bucket))

    s3 = sim.session(member).client("s3")
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    found = finding(sim, "s3_bucket_default_encryption", member, bucket)
    assert found["Compliance"]["Status"] == "PASSED"
    assert found["ProductFields"]["orgwarden/governance/DetectedStatus"] == "FAILED"


def test_scenario_9_with_a_configured_key_the_bucket_gets_sse_kms(
    enforce: SimulatedOrganization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = enforce
    member = sim.accounts["sandbox-dev"].account_id
    key = sim.session(member).client("kms").create_key()["KeyMetadata"]["Arn"]
    packaged = Path(__file__).parents[2] / "src" / "orgwarden" / "engine" / "policy.yaml"
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"{packaged.read_text()}\nremediation:\n  s3_kms_key_id: {key}\n")
    monkeypatch.setenv("ORGWARDEN_POLICY_FILE", str(policy))
    event_service.cache_clear()
    bucket = f"e2e-kms-{member}"
    run(sim, delete_bucket_default_encryption(sim, member, bucket))

    s3 = sim.session(member).client("s3")
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    assert rule["BucketKeyEnabled"] is True
    found = finding(sim, "s3_bucket_default_encryption", member, bucket)
    assert found["Compliance"]["Status"] == "PASSED"
    assert key in found["Description"]
