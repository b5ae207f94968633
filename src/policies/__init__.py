"""The rule catalogue: modules of rules, each a `SPEC` plus a pure `evaluate`.

A module holds one rule, named after it, or one family of rules that differ only by resource
type (`required_tags`: a `SPECS` entry per type, one docstring, one `evaluate`). Modules are
listed explicitly (no package scanning) so that loading the catalogue costs only the imports of
the rules themselves, and so that a rule is added in exactly one visible place. Rule ids are the
catalogue's keys (`load_catalogue().rules`).
"""

from policies.catalogue import Catalogue, Rule, load_catalogue

RULE_MODULES = (
    "s3_bucket_public_access",
    "s3_account_public_access_block",
    "s3_bucket_block_public_access",
    "s3_bucket_default_encryption",
    "ebs_encryption_by_default",
    "ebs_volume_encrypted",
    "rds_storage_encrypted",
    "ec2_instance_imdsv2_required",
    "ec2_metadata_defaults_imdsv2",
    "required_tags",  # <type>_required_tags: one rule per taggable resource type
    "root_user_activity",
    "root_access_keys_absent",
    "root_mfa_enabled",
    "cloudtrail_logging_enabled",
    "guardduty_detector_enabled",
    "config_recorder_enabled",
    "securityhub_enabled",
    "guardduty_ec2_compromise",
    "guardduty_iam_credential_misuse",
    "guardduty_s3_threat",
    "guardduty_finding_recorded",
)

__all__ = ["RULE_MODULES", "Catalogue", "Rule", "load_catalogue"]
