"""Encryption adapter against moto's server: S3 default encryption, EBS default encryption,
volumes and RDS instances; what is read, what the fixes change, what errors mean."""

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orgwarden.aws.errors import ResourceGone
from orgwarden.aws.member import MemberContext
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.model.encryption import (
    BucketEncryption,
    DbStorageEncryption,
    EbsDefaultEncryption,
    VolumeEncryption,
)
from orgwarden.model.policy_file import PolicyFile, load_policy_file
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies import (
    ebs_encryption_by_default,
    ebs_volume_encrypted,
    rds_storage_encrypted,
    s3_bucket_default_encryption,
)
from tests.conftest import member_context

READ = "OrgwardenRead"
FIX = "OrgwardenRemediation"
REGION = "eu-west-1"


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


@pytest.fixture(scope="module")
def member() -> str:
    """One member account for the module: moto builds a region's EC2 state (images, default
    VPC) on an account's first call, which is slow; names keep the tests apart."""
    return "".join(str(secrets.randbelow(10)) for _ in range(12))


def ref(kind: str, resource_id: str, account_id: str, region: str = REGION) -> ResourceRef:
    return ResourceRef(
        resource_type=kind, resource_id=resource_id, account_id=account_id, region=region
    )


def client(sessions: Sessions, service: str, account_id: str, region: str = REGION) -> object:
    return sessions.client(service, account_id=account_id, role_name="setup", region=region)


# --- S3 default encryption -------------------------------------------------------------------


@pytest.fixture
def kms_policy(tmp_path: Path) -> PolicyFile:
    """The packaged policy file, with an organization KMS key for bucket encryption."""
    packaged = Path(__file__).parents[3] / "src" / "orgwarden" / "engine" / "policy.yaml"
    path = tmp_path / "policy.yaml"
    path.write_text(
        packaged.read_text()
        + "\nremediation:\n  s3_kms_key_id: arn:aws:kms:eu-west-1:111122223333:key/org-key\n"
    )
    return load_policy_file(path)


def bucket_context(
    sessions: Sessions, r: ResourceRef, role: str, policy: PolicyFile | None = None
) -> MemberContext:
    ctx = member_context(sessions, r, role)
    if policy is None:
        return ctx
    return MemberContext(
        sessions=sessions, ref=r, role_name=role, policy=policy, now=datetime.now(UTC)
    )


def make_bucket(sessions: Sessions, account_id: str, name: str) -> ResourceRef:
    s3 = sessions.client("s3", account_id=account_id, role_name="setup", region=REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return ref("AwsS3Bucket", name, account_id)


def read_bucket(ctx: MemberContext) -> BucketEncryption:
    state: BucketEncryption = READERS["s3_bucket_encryption"].read(ctx)
    return state


def test_a_bucket_without_default_encryption_reads_as_none(
    sessions: Sessions, account_id: str
) -> None:
    r = make_bucket(sessions, account_id, f"plain-{account_id}")
    state = read_bucket(member_context(sessions, r, READ))
    assert state.algorithm is None
    assert state.required_kms_key_id is None  # the packaged policy names no key
    assert s3_bucket_default_encryption.evaluate(state).status is Status.FAILED


def test_scenario_9_the_fix_sets_sse_s3_by_default(sessions: Sessions, account_id: str) -> None:
    r = make_bucket(sessions, account_id, f"sse-s3-{account_id}")
    state = read_bucket(member_context(sessions, r, READ))
    fix = REMEDIATIONS["s3_enable_bucket_default_encryption"]
    assert fix.plan(state)["ServerSideEncryptionConfiguration"] == {
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    }
    change = fix.apply(member_context(sessions, r, FIX), state)
    assert change.before is None
    after = read_bucket(member_context(sessions, r, READ))
    assert after.algorithm == "AES256"
    assert s3_bucket_default_encryption.evaluate(after).status is Status.PASSED


def test_scenario_9_with_a_configured_key_the_fix_sets_sse_kms(
    sessions: Sessions, account_id: str, kms_policy: PolicyFile
) -> None:
    r = make_bucket(sessions, account_id, f"sse-kms-{account_id}")
    s3 = sessions.client("s3", account_id=account_id, role_name="setup", region=REGION)
    s3.put_bucket_encryption(
        Bucket=r.resource_id,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    key = kms_policy.remediation.s3_kms_key_id
    state = read_bucket(bucket_context(sessions, r, READ, kms_policy))
    assert state.required_kms_key_id == key
    assert s3_bucket_default_encryption.evaluate(state).status is Status.FAILED

    change = REMEDIATIONS["s3_enable_bucket_default_encryption"].apply(
        bucket_context(sessions, r, FIX, kms_policy), state
    )
    assert change.before == {"SSEAlgorithm": "AES256", "KMSMasterKeyID": None}
    after = read_bucket(bucket_context(sessions, r, READ, kms_policy))
    assert (after.algorithm, after.kms_key_id, after.bucket_key_enabled) == ("aws:kms", key, True)
    assert s3_bucket_default_encryption.evaluate(after).status is Status.PASSED


def test_a_missing_bucket_is_gone(sessions: Sessions, account_id: str) -> None:
    r = ref("AwsS3Bucket", f"never-created-{account_id}", account_id)
    with pytest.raises(ResourceGone):
        read_bucket(member_context(sessions, r, READ))


# --- EBS encryption by default ---------------------------------------------------------------


def test_ebs_default_is_read_in_the_region_and_the_fix_turns_it_on(
    sessions: Sessions, member: str
) -> None:
    r = ref("AwsAccount", member, member)
    state: EbsDefaultEncryption = READERS["ebs_default_encryption"].read(
        member_context(sessions, r, READ)
    )
    assert state.enabled is False
    assert ebs_encryption_by_default.evaluate(state).status is Status.FAILED

    fix = REMEDIATIONS["ec2_enable_ebs_encryption_by_default"]
    assert fix.plan(state) == {
        "api": "ec2:EnableEbsEncryptionByDefault",
        "account": member,
        "region": REGION,
    }
    change = fix.apply(member_context(sessions, r, FIX), state)
    assert (change.before, change.after) == (
        {"EbsEncryptionByDefault": False},
        {"EbsEncryptionByDefault": True},
    )
    after: EbsDefaultEncryption = READERS["ebs_default_encryption"].read(
        member_context(sessions, r, READ)
    )
    assert after.enabled is True


# --- Volumes ---------------------------------------------------------------------------------


def read_volume(sessions: Sessions, r: ResourceRef) -> VolumeEncryption:
    state: VolumeEncryption = READERS["ebs_volume"].read(member_context(sessions, r, READ))
    return state


def test_an_unencrypted_volume_is_read_with_its_attachments(
    sessions: Sessions, member: str
) -> None:
    ec2 = sessions.client("ec2", account_id=member, role_name="setup", region=REGION)
    volume = ec2.create_volume(Size=20, AvailabilityZone=f"{REGION}a", Encrypted=False)
    # One of moto's built-in images: listing them all costs seconds.
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    ec2.attach_volume(
        VolumeId=volume["VolumeId"], InstanceId=instance["InstanceId"], Device="/dev/sdf"
    )
    state = read_volume(sessions, ref("AwsEc2Volume", volume["VolumeId"], member))
    assert (state.encrypted, state.size_gib) == (False, 20)
    assert state.attached_to == (instance["InstanceId"],)
    verdict = ebs_volume_encrypted.evaluate(state)
    assert verdict.status is Status.FAILED
    assert instance["InstanceId"] in verdict.reason


def test_an_encrypted_volume_passes(sessions: Sessions, member: str) -> None:
    ec2 = sessions.client("ec2", account_id=member, role_name="setup", region=REGION)
    volume = ec2.create_volume(Size=8, AvailabilityZone=f"{REGION}a", Encrypted=True)
    state = read_volume(sessions, ref("AwsEc2Volume", volume["VolumeId"], member))
    assert state.encrypted is True
    assert ebs_volume_encrypted.evaluate(state).status is Status.PASSED


def test_a_deleted_volume_is_gone(sessions: Sessions, member: str) -> None:
    with pytest.raises(ResourceGone):
        read_volume(sessions, ref("AwsEc2Volume", "vol-0123456789abcdef0", member))


# --- RDS -------------------------------------------------------------------------------------


def read_instance(sessions: Sessions, r: ResourceRef) -> DbStorageEncryption:
    state: DbStorageEncryption = READERS["rds_db_instance"].read(member_context(sessions, r, READ))
    return state


@pytest.mark.parametrize("encrypted", [False, True])
def test_rds_storage_encryption_is_read(sessions: Sessions, member: str, encrypted: bool) -> None:
    rds = sessions.client("rds", account_id=member, role_name="setup", region=REGION)
    name = f"orders-{'enc' if encrypted else 'plain'}"
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin_user",
        MasterUserPassword="test-only-password",
        AllocatedStorage=20,
        StorageEncrypted=encrypted,
    )
    state = read_instance(sessions, ref("AwsRdsDbInstance", name, member))
    assert (state.encrypted, state.engine) == (encrypted, "postgres")
    expected = Status.PASSED if encrypted else Status.FAILED
    assert rds_storage_encrypted.evaluate(state).status is expected


def test_a_missing_db_instance_is_gone(sessions: Sessions, member: str) -> None:
    with pytest.raises(ResourceGone):
        read_instance(sessions, ref("AwsRdsDbInstance", "never-created", member))
