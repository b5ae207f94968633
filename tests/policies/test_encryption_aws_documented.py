"""The encryption rules' verdicts against AWS's own documents, case by case.

Each case names the document it comes from and quotes the sentence (or the example's caption)
that decides it:

- S3_SSE: Amazon S3 API Reference, "ServerSideEncryptionByDefault", SSEAlgorithm.
- S3_BUCKET_KEY: Amazon S3 API Reference, "ServerSideEncryptionRule", BucketKeyEnabled.
- EBS_DEFAULT: Amazon EBS User Guide, "Enable Amazon EBS encryption by default".
- EBS_VOLUME: Amazon EC2 API Reference, "Volume", Encrypted.
- RDS_CREATE: Amazon RDS API Reference, "CreateDBInstance", StorageEncrypted.
- AURORA: Amazon Aurora User Guide, "Encrypting Amazon Aurora resources".

The state is read by orgwarden's own readers from moto's server (what GetBucketEncryption,
GetEbsEncryptionByDefault, DescribeVolumes and DescribeDBInstances answer), then judged by the
rule's `evaluate`.
"""

import secrets

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies import (
    ebs_encryption_by_default,
    ebs_volume_encrypted,
    rds_storage_encrypted,
    s3_bucket_default_encryption,
)
from tests.conftest import member_context

S3_SSE = "Amazon S3 API Reference, ServerSideEncryptionByDefault"
EBS_DEFAULT = "Amazon EBS User Guide, Enable Amazon EBS encryption by default"
AURORA = "Amazon Aurora User Guide, Encrypting Amazon Aurora resources"

SSE_VALUES = "SSEAlgorithm: Server-side encryption algorithm to use for the default encryption. "
SSE_VALID = "Valid Values: AES256 | aws:fsx | aws:kms | aws:kms:dsse"
BUCKET_KEY = (
    "Specifies whether Amazon S3 should use an S3 Bucket Key with server-side encryption using "
    "KMS (SSE-KMS) for new objects in the bucket."
)
PER_REGION = (
    "Encryption by default is a Region-specific setting. If you enable it for a Region, you "
    "can't disable it for individual volumes or snapshots in that Region."
)
VOLUME_ENCRYPTED = "Encrypted: Indicates whether the volume is encrypted."
AURORA_NOT_INSTANCE = (
    "This setting doesn't apply to Amazon Aurora DB instances. The encryption for DB instances "
    "is managed by the DB cluster."
)
AURORA_ALL = (
    "For an Amazon Aurora encrypted DB cluster, all DB instances, logs, backups, and snapshots "
    "are encrypted."
)

READ = "OrgwardenRead"
REGION = "eu-west-1"
KEY = "arn:aws:kms:eu-west-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def ref(kind: str, resource_id: str, account_id: str, region: str = REGION) -> ResourceRef:
    return ResourceRef(
        resource_type=kind, resource_id=resource_id, account_id=account_id, region=region
    )


def client(sessions: Sessions, service: str, account_id: str, region: str = REGION) -> object:
    return sessions.client(service, account_id=account_id, role_name="setup", region=region)


def verdict(sessions: Sessions, reader: str, module: object, r: ResourceRef) -> Status:
    state = READERS[reader].read(member_context(sessions, r, READ))
    status: Status = module.evaluate(state).status  # type: ignore[attr-defined]
    return status


# S3_SSE: SSE_VALUES + SSE_VALID. S3_BUCKET_KEY: BUCKET_KEY. Each rule as the response example
# of GetBucketEncryption shows it: ApplyServerSideEncryptionByDefault with SSEAlgorithm and, for
# the KMS algorithms, KMSMasterKeyID; BucketKeyEnabled beside it.
S3_CASES = [
    ("SSE-S3", {"SSEAlgorithm": "AES256"}, False, Status.PASSED),
    ("SSE-KMS with a key", {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, True, Status.PASSED),
    # Without KMSMasterKeyID the AWS managed key aws/s3 is used.
    ("SSE-KMS with aws/s3", {"SSEAlgorithm": "aws:kms"}, False, Status.PASSED),
    ("DSSE-KMS", {"SSEAlgorithm": "aws:kms:dsse", "KMSMasterKeyID": KEY}, False, Status.PASSED),
]


@pytest.mark.parametrize(("case", "default", "bucket_key", "status"), S3_CASES)
def test_every_documented_default_encryption_algorithm_is_default_encryption(
    sessions: Sessions,
    account_id: str,
    case: str,
    default: dict[str, str],
    bucket_key: bool,
    status: Status,
) -> None:
    name = f"enc-{secrets.token_hex(4)}-{account_id}"
    s3 = client(sessions, "s3", account_id)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})  # type: ignore[attr-defined]
    applied = {k: v.format(account=account_id) for k, v in default.items()}
    s3.put_bucket_encryption(  # type: ignore[attr-defined]
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": applied, "BucketKeyEnabled": bucket_key}
            ]
        },
    )
    r = ref("AwsS3Bucket", name, account_id)
    state = READERS["s3_bucket_encryption"].read(member_context(sessions, r, READ))
    assert state.algorithm == default["SSEAlgorithm"], case
    assert state.bucket_key_enabled is bucket_key, case
    assert s3_bucket_default_encryption.evaluate(state).status is status, case


def test_ebs_encryption_by_default_is_judged_per_region(
    sessions: Sessions, account_id: str
) -> None:
    # EBS_DEFAULT: PER_REGION. On in one region says nothing of another.
    client(sessions, "ec2", account_id, "eu-west-1").enable_ebs_encryption_by_default()  # type: ignore[attr-defined]
    on = ref("AwsAccount", account_id, account_id, "eu-west-1")
    off = ref("AwsAccount", account_id, account_id, "eu-central-1")
    assert verdict(sessions, "ebs_default_encryption", ebs_encryption_by_default, on) is (
        Status.PASSED
    )
    assert verdict(sessions, "ebs_default_encryption", ebs_encryption_by_default, off) is (
        Status.FAILED
    )


@pytest.mark.parametrize(
    ("encrypted", "attached", "status"),
    [(True, False, Status.PASSED), (False, False, Status.FAILED), (False, True, Status.FAILED)],
)
def test_a_volume_is_judged_by_describe_volumes_encrypted(
    sessions: Sessions, account_id: str, encrypted: bool, attached: bool, status: Status
) -> None:
    # EBS_VOLUME: VOLUME_ENCRYPTED. Attached or not, an unencrypted volume fails (the rule is
    # stricter than FSBP EC2.3, which judges attached volumes only).
    ec2 = client(sessions, "ec2", account_id, "eu-west-2")
    volume = ec2.create_volume(AvailabilityZone="eu-west-2a", Size=8, Encrypted=encrypted)  # type: ignore[attr-defined]
    if attached:
        image = ec2.describe_images()["Images"][0]["ImageId"]  # type: ignore[attr-defined]
        instance = ec2.run_instances(  # type: ignore[attr-defined]
            ImageId=image, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "eu-west-2a"}
        )["Instances"][0]["InstanceId"]
        ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=instance, Device="/dev/sdf")  # type: ignore[attr-defined]
    r = ref("AwsEc2Volume", volume["VolumeId"], account_id, "eu-west-2")
    state = READERS["ebs_volume"].read(member_context(sessions, r, READ))
    assert bool(state.attached_to) is attached
    assert ebs_volume_encrypted.evaluate(state).status is status


@pytest.mark.parametrize("encrypted", [True, False])
def test_an_aurora_instance_is_judged_by_its_cluster_s_encryption(
    sessions: Sessions, account_id: str, encrypted: bool
) -> None:
    # RDS_CREATE: AURORA_NOT_INSTANCE. AURORA: AURORA_ALL. An Aurora instance is created without
    # StorageEncrypted; DescribeDBInstances reports the cluster's encryption for it.
    rds = client(sessions, "rds", account_id)
    cluster = f"aurora-{secrets.token_hex(3)}"
    rds.create_db_cluster(  # type: ignore[attr-defined]
        DBClusterIdentifier=cluster,
        Engine="aurora-postgresql",
        MasterUsername="admin_user",
        MasterUserPassword="example-Passw0rd",
        StorageEncrypted=encrypted,
    )
    instance = f"{cluster}-1"
    rds.create_db_instance(  # type: ignore[attr-defined]
        DBInstanceIdentifier=instance,
        DBClusterIdentifier=cluster,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    r = ref("AwsRdsDbInstance", instance, account_id)
    expected = Status.PASSED if encrypted else Status.FAILED
    assert verdict(sessions, "rds_db_instance", rds_storage_encrypted, r) is expected
