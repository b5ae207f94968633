"""S3 buckets must not be publicly readable or writable, through their policy or their ACL.

A bucket is public when a bucket policy statement allows a public principal without a condition
that fixes who or where the request comes from, or an ACL grants to the AllUsers or
AuthenticatedUsers groups, and Block Public Access (bucket and account settings combined) does
not neutralise it (RestrictPublicBuckets for policies, IgnorePublicAcls for ACLs).

Scenarios:
  1. policy Allow Principal "*" s3:GetObject, no Block Public Access   -> FAILED, names it
  2. policy Allow Principal "*" s3:PutObject                             -> FAILED, public write
  3. ACL grant READ to AllUsers or AuthenticatedUsers                    -> FAILED (names the grant)
  4. policy whose Principal "*" statements are all Deny                  -> PASSED
  5. CloudFront origin access control (service principal + SourceArn)  -> PASSED
  6. Principal "*" restricted by aws:PrincipalOrgID, aws:SourceVpce or a
     narrow aws:SourceIp                                                 -> PASSED
  7. aws:SourceIp 0.0.0.0/0, or a wildcard condition value               -> FAILED (no restriction)
  8. public policy neutralised by RestrictPublicBuckets (bucket or account),
     public ACL neutralised by IgnorePublicAcls                          -> PASSED, says so
  9. all four Block Public Access settings on                            -> PASSED (policy not read)
 10. no policy, private ACL                                              -> PASSED
"""

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from orgwarden.model.resources import AclGrant, BucketAccess
from orgwarden.model.spec import CloudTrail, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="s3_bucket_public_access",
    title="S3 buckets do not allow public read or write access",
    description=(
        "A bucket policy statement or ACL grant gives the public access to the bucket, and Block "
        "Public Access does not neutralise it."
    ),
    resource_type="AwsS3Bucket",
    reads="s3_bucket_access",
    severity=Severity.CRITICAL,
    finding_types=(
        "Software and Configuration Checks/AWS Security Best Practices",
        "Effects/Data Exposure",
    ),
    triggers=tuple(
        CloudTrail(service="s3", event_name=name, ids="requestParameters.bucketName")
        for name in (
            "CreateBucket",
            "DeleteBucketPolicy",
            "DeleteBucketPublicAccessBlock",
            "DeletePublicAccessBlock",
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketPublicAccessBlock",
            "PutPublicAccessBlock",
        )
    ),
    controls={"aws-fsbp": ("S3.2", "S3.3")},
    remediation="s3_block_bucket_public_access",
    recommendation=(
        "Turn on all four Block Public Access settings for the bucket. If the bucket must serve "
        "public content, serve it through CloudFront with origin access control instead, or "
        "record an exemption with an owner and an expiry."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    ),
)

PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}
# Condition keys that, with fixed values, confine a statement to known callers or networks.
RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:userid",
        "aws:sourceip",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    }
)
# Operators whose match confines the request; negated and Null operators confine nothing.
CONFINING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
READ_PREFIXES = ("s3:get", "s3:list")
WRITE_PREFIXES = ("s3:put", "s3:delete", "s3:abortmultipartupload", "s3:restoreobject")


def evaluate(bucket: BucketAccess) -> Verdict:
    effective = bucket.effective_block
    if effective.fully_on:
        where = "bucket" if bucket.bucket_block and bucket.bucket_block.fully_on else "account"
        return Verdict(
            status=Status.PASSED,
            reason=f"All four Block Public Access settings are on ({where} level).",
            facts={"block_public_access": effective.as_api()},
        )

    statements = _public_statements(bucket.policy)
    grants = _public_grants(bucket.acl or ())
    live_statements = [] if effective.restrict_public_buckets else statements
    live_grants = [] if effective.ignore_public_acls else grants
    facts: dict[str, Any] = {
        "block_public_access": effective.as_api(),
        "public_statements": live_statements,
        "public_grants": live_grants,
    }

    if live_statements or live_grants:
        access = sorted({s["access"] for s in live_statements} | {g["access"] for g in live_grants})
        parts = [
            f"statement {s['sid']} allows {s['principal']} {', '.join(s['actions'])}"
            for s in live_statements
        ]
        parts += [f"ACL grants {g['permission']} to {g['group']}" for g in live_grants]
        facts["public_access"] = access
        return Verdict(
            status=Status.FAILED,
            reason=_clip(f"Bucket is public ({' and '.join(access)}): " + "; ".join(parts) + "."),
            facts=facts,
        )

    neutralised = []
    if statements:
        neutralised.append(
            f"{len(statements)} public policy statement(s) neutralised by RestrictPublicBuckets"
        )
    if grants:
        neutralised.append(f"{len(grants)} public ACL grant(s) neutralised by IgnorePublicAcls")
    reason = "No policy statement or ACL grant gives public access."
    if neutralised:
        reason = "Not public: " + "; ".join(neutralised) + "."
        facts["neutralised_statements"] = statements
        facts["neutralised_grants"] = grants
    return Verdict(status=Status.PASSED, reason=reason, facts=facts)


def _public_statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not policy:
        return []
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    found = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = _public_principal(statement)
        if principal is None or _confined(statement.get("Condition")):
            continue
        actions = [a for a in _as_list(statement.get("Action")) if isinstance(a, str)]
        found.append(
            {
                "sid": str(statement.get("Sid") or f"#{index}"),
                "principal": principal,
                "actions": actions,
                "access": _access_kind(actions),
            }
        )
    return found


def _public_principal(statement: Mapping[str, Any]) -> str | None:
    """The public principal a statement allows, or None when the principal is fixed."""
    if "NotPrincipal" in statement:
        return "everyone but NotPrincipal"
    principal = statement.get("Principal")
    if principal == "*":
        return "*"
    if isinstance(principal, Mapping):
        for value in _as_list(principal.get("AWS")):
            if isinstance(value, str) and ("*" in value or "?" in value):
                return f"AWS:{value}"
    return None


def _confined(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        op = str(operator).lower()
        op = op.split(":", 1)[1] if ":" in op else op  # ForAnyValue:StringEquals -> stringequals
        if (
            op.endswith("ifexists")
            or op not in CONFINING_OPERATORS
            or not isinstance(clauses, Mapping)
        ):
            continue
        for key, values in clauses.items():
            if str(key).lower() in RESTRICTING_KEYS and _fixed(str(key).lower(), _as_list(values)):
                return True
    return False


def _fixed(key: str, values: list[Any]) -> bool:
    if not values or not all(isinstance(v, str) for v in values):
        return False
    if key == "aws:sourceip":
        try:
            return all(ipaddress.ip_network(v, strict=False).prefixlen > 0 for v in values)
        except ValueError:
            return False
    return not any("*" in v or "?" in v or "${" in v for v in values)


def _access_kind(actions: Iterable[str]) -> str:
    lowered = [a.lower() for a in actions]
    everything = any(a in ("*", "s3:*") for a in lowered)
    read = everything or any(a.startswith(READ_PREFIXES) for a in lowered)
    write = everything or any(a.startswith(WRITE_PREFIXES) for a in lowered)
    return _kind(read=read or not write, write=write)


def _kind(*, read: bool, write: bool) -> str:
    return "read-write" if read and write else "write" if write else "read"


def _public_grants(acl: Iterable[AclGrant]) -> list[dict[str, str]]:
    found = []
    for grant in acl:
        group = PUBLIC_GROUPS.get(grant.grantee)
        if grant.grantee_type == "Group" and group:
            write = grant.permission in ("WRITE", "WRITE_ACP", "FULL_CONTROL")
            access = _kind(read=not write or grant.permission == "FULL_CONTROL", write=write)
            found.append({"group": group, "permission": grant.permission, "access": access})
    return found


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _clip(text: str, limit: int = 1024) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
