"""The rule catalogue: one module per rule, each a `SPEC` plus a pure `evaluate`.

Rules are listed explicitly (no package scanning) so that loading the catalogue costs only the
imports of the rules themselves, and so that a rule is added in exactly one visible place.
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
)

__all__ = ["RULE_MODULES", "Catalogue", "Rule", "load_catalogue"]
