"""RDS DB instances must encrypt their storage.

RDS cannot encrypt an existing instance's storage: the fix is a snapshot, an encrypted copy of
it, a new instance restored from the copy and a cut-over of every client. That replaces a
database, so orgwarden only reports, with the steps; it never stops, snapshots or deletes an
instance, in any mode.

Scenarios:
  1. storage encrypted                                      -> PASSED, names the key
  2. storage not encrypted (CreateDBInstance with
     StorageEncrypted=false, e.g. in a production account)  -> FAILED, manual recommendation:
     snapshot, copy encrypted, restore, cut over; no remediation (S7)
  3. instance deleting                                      -> NOT_APPLICABLE
"""

from orgwarden.model.encryption import DbStorageEncryption
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="rds_storage_encrypted",
    title="RDS DB instances encrypt their storage",
    description="The RDS DB instance's storage, automated backups, read replicas and snapshots "
    "are encrypted at rest.",
    resource_type="AwsRdsDbInstance",
    reads="rds_db_instance",
    severity=Severity.MEDIUM,
    triggers=(
        *(
            CloudTrail(service="rds", event_name=name, ids="requestParameters.dBInstanceIdentifier")
            for name in ("CreateDBInstance", "ModifyDBInstance")
        ),
        ConfigItem(config_type="AWS::RDS::DBInstance", id_field="resourceName"),
    ),
    controls={"aws-fsbp": ("RDS.3",), "cis-aws-3.0": ("2.3.1",)},
    remediation=None,
    recommendation=(
        "RDS cannot encrypt an existing instance. Take a snapshot, copy it with a KMS key "
        "(rds copy-db-snapshot --kms-key-id), restore a new instance from the encrypted copy, "
        "move clients to it in a maintenance window, then delete the old instance. Create new "
        "instances with StorageEncrypted=true."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"
    ),
)


def evaluate(instance: DbStorageEncryption) -> Verdict:
    facts = {
        "storage_encrypted": instance.encrypted,
        "kms_key_id": instance.kms_key_id,
        "engine": instance.engine,
        "status": instance.status,
    }
    name = instance.ref.resource_id
    if instance.status == "deleting":
        return Verdict(
            status=Status.NOT_APPLICABLE,
            reason=f"DB instance {name} is being deleted.",
            facts=facts,
        )
    if instance.encrypted:
        key = instance.kms_key_id or "its KMS key"
        return Verdict(
            status=Status.PASSED,
            reason=f"DB instance {name} encrypts its storage with {key}.",
            facts=facts,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"DB instance {name} ({instance.engine}) stores its data, backups and snapshots "
            "unencrypted, and RDS cannot encrypt it in place. Plan a replacement: snapshot it, "
            "copy the snapshot with a KMS key, restore a new instance from the copy, move "
            "clients to it in a maintenance window, then delete the old one. orgwarden will "
            "not do this for you: it replaces the database."
        ),
        facts=facts,
    )
