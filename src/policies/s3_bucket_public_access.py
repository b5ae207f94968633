"""S3 buckets must not be publicly readable or writable, through their policy or their ACL.

"Public" is S3's own definition (S3 User Guide, "Blocking public access to your Amazon S3
storage", "The meaning of 'public'"), implemented in `orgwarden.model.bucket_policy`: a policy
statement is public when it allows a principal that is not fixed (`*`, a wildcard, `Federated`,
`NotPrincipal`) and no condition confines it to fixed values of the guide's keys; an ACL is
public when it grants anything to the AllUsers or AuthenticatedUsers groups. Block Public Access
(bucket and account settings combined) neutralises them (RestrictPublicBuckets for policies,
IgnorePublicAcls for ACLs).

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
 11. policy public and not neutralised: the ACL is not read (it cannot
     change the verdict, and the fix blocks both)                      -> FAILED, says so
 12. Principal {"Federated": ...} (the guide's first public example)    -> FAILED
 13. aws:SourceIp broader than /8 (IPv4) or /32 (IPv6), e.g. 0.0.0.0/1  -> FAILED
 14. delegation to access points: s3:DataAccessPointAccount, or
     s3:DataAccessPointArn with only the access point name open         -> PASSED
 15. a condition that a request without the key satisfies (ForAllValues:,
     ...IfExists), a negated operator, or Null                           -> FAILED
 16. a policy orgwarden finds not public but S3's GetBucketPolicyStatus
     calls public (a second opinion that can only make it stricter)      -> FAILED, says so
 17. the bucket is deleted (DeleteBucket, or a read finds it gone)     -> NOT_APPLICABLE: this
     and every other open finding about it is archived
"""

from collections.abc import Iterable
from typing import Any

from orgwarden.model.bucket_policy import kind, public_statements
from orgwarden.model.resources import AclGrant, BucketAccess
from orgwarden.model.spec import CloudTrail, RuleSpec, Severity, Status, Verdict, clip

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
            # The bucket is gone: every open finding about it is archived.
            "DeleteBucket",
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


def evaluate(bucket: BucketAccess) -> Verdict:
    effective = bucket.effective_block
    if effective.fully_on:
        where = "bucket" if bucket.bucket_block and bucket.bucket_block.fully_on else "account"
        return Verdict(
            status=Status.PASSED,
            reason=f"All four Block Public Access settings are on ({where} level).",
            facts={"block_public_access": effective.as_api()},
        )

    statements = public_statements(bucket.policy)
    grants = _public_grants(bucket.acl or ())
    live_statements = [] if effective.restrict_public_buckets else statements
    live_grants = [] if effective.ignore_public_acls else grants
    facts: dict[str, Any] = {
        "block_public_access": effective.as_api(),
        "public_statements": live_statements,
    }
    if bucket.acl is not None:
        facts["public_grants"] = live_grants

    if (
        bucket.policy_status_public
        and not live_statements
        and not effective.restrict_public_buckets
    ):
        facts["policy_status_public"] = True
        return Verdict(
            status=Status.FAILED,
            reason=(
                "Bucket is public by S3's own judgement: GetBucketPolicyStatus says its policy "
                "is public, though no statement matched orgwarden's reading of S3's definition."
            ),
            facts=facts,
        )

    if live_statements or live_grants:
        access = sorted({s["access"] for s in live_statements} | {g["access"] for g in live_grants})
        parts = [
            f"statement {s['sid']} allows {s['principal']} {', '.join(s['actions'])}"
            for s in live_statements
        ]
        parts += [f"ACL grants {g['permission']} to {g['group']}" for g in live_grants]
        facts["public_access"] = access
        unread = ""
        if bucket.acl is None:
            unread = " The ACL was not read: the policy alone makes the bucket public."
        return Verdict(
            status=Status.FAILED,
            reason=clip(
                f"Bucket is public ({' and '.join(access)}): " + "; ".join(parts) + "." + unread
            ),
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


def _public_grants(acl: Iterable[AclGrant]) -> list[dict[str, str]]:
    found = []
    for grant in acl:
        group = PUBLIC_GROUPS.get(grant.grantee)
        if grant.grantee_type == "Group" and group:
            write = grant.permission in ("WRITE", "WRITE_ACP", "FULL_CONTROL")
            access = kind(read=not write or grant.permission == "FULL_CONTROL", write=write)
            found.append({"group": group, "permission": grant.permission, "access": access})
    return found
