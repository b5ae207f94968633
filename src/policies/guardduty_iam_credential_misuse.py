"""An IAM user's access key that GuardDuty reports as misused is deactivated.

Keys pushed to a public repository are used within minutes (scenario 16). The response makes
the key in the finding inactive (not deleted: the owner can inspect and the key can be turned
back on if the finding was wrong). The verdict is about the key's status now, so the same
finding delivered again sees an inactive key and changes nothing (scenario 17).

Severity is the GuardDuty finding's own.

Controls: none (a threat response, not a configuration check).

Scenarios:
  1. an IAM user's key, Active                                   -> FAILED, fix deactivates it
  2. the key is already Inactive                                 -> PASSED, contained
  3. the key no longer exists                                    -> PASSED, contained
  4. the same finding again with a higher count                  -> PASSED, nothing changed
  5. root's access key                                           -> FAILED, no automatic fix (only
                                                                     root can manage its keys)
  6. temporary credentials of a role session (ASIA..., userType
     AssumedRole, e.g. InstanceCredentialExfiltration)           -> FAILED, fix revokes the
                                                                     role's sessions issued
                                                                     before now (inline policy
                                                                     AWSRevokeOlderSessions)
  7. the role's sessions are revoked up to a time after the
     activity GuardDuty saw                                      -> PASSED, contained
  8. the role is service-linked (IAM cannot revoke its sessions),
     or no longer exists, or another kind of temporary key      -> FAILED, no automatic fix
  9. the role is orgwarden's own or a break-glass role           -> FAILED, reported only (the
                                                                     guards refuse the fix)
  10. a key id of any length IAM allows (16 to 128 word
      characters)                                                -> judged like any other
"""

from orgwarden.model.spec import GuardDutyFinding, RuleSpec, Severity, Status, Verdict, clip
from orgwarden.model.threats import AccessKeyContainment

SPEC = RuleSpec(
    id="guardduty_iam_credential_misuse",
    title="Access keys reported misused by GuardDuty are deactivated",
    description="GuardDuty reports an access key as used by someone other than its owner.",
    resource_type="AwsIamAccessKey",
    reads="guardduty_access_key",
    severity=Severity.HIGH,
    finding_types=("TTPs/Credential Access", "Unusual Behaviors/User"),
    triggers=(
        GuardDutyFinding(
            type_prefixes=(
                "UnauthorizedAccess:IAMUser/",
                "CredentialAccess:IAMUser/",
                "Exfiltration:IAMUser/",
                "Impact:IAMUser/",
                "Persistence:IAMUser/",
                "PrivilegeEscalation:IAMUser/",
                "DefenseEvasion:IAMUser/",
                "InitialAccess:IAMUser/",
            ),
            ids="resource.accessKeyDetails.accessKeyId",
        ),
    ),
    controls={},
    remediation="iam_deactivate_access_key",
    escalations=("iam_revoke_role_sessions",),
    recommendation=(
        "Deactivate the key, find where it leaked (repositories, build logs), review what it "
        "did in CloudTrail, then delete it and issue the owner a new one (or a role)."
    ),
    recommendation_url=("https://docs.aws.amazon.com/guardduty/latest/ug/compromised-creds.html"),
)


def evaluate(state: AccessKeyContainment) -> Verdict:
    finding = state.finding
    key = state.ref.resource_id
    facts = finding.as_facts() | {
        "access_key_id": key,
        "user_type": state.user_type,
        "user_name": state.user_name,
        "key_status": state.status,
    }
    if state.status == "Inactive":
        reason = f"Contained: access key {key} of {state.user_name} is inactive."
        return Verdict(
            status=Status.PASSED,
            reason=f"{reason} {finding.summary()}.",
            facts=facts,
            severity=finding.label,
        )
    if state.status == "Absent":
        reason = f"Contained: access key {key} no longer exists."
        return Verdict(
            status=Status.PASSED,
            reason=f"{reason} {finding.summary()}.",
            facts=facts,
            severity=finding.label,
        )
    if state.user_type == "Root":
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Root's access key {key} is misused ({finding.summary()}): only the root user "
                "can deactivate or delete it."
            )[:1024],
            facts=facts,
            severity=finding.label,
            remediable=False,
        )
    if state.user_type == "AssumedRole" and state.role is not None:
        return _role_session(state, facts)
    if state.user_type != "IAMUser" or state.status is None:
        return Verdict(
            status=Status.FAILED,
            reason=clip(
                f"Credentials {key} of {state.user_type} {state.user_name} are misused "
                f"({finding.summary()}): {REVOKE_AT_SOURCE.get(state.user_type, DEFAULT_REVOKE)}"
            ),
            facts=facts,
            severity=finding.label,
            remediable=False,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"Access key {key} of IAM user {state.user_name} is active and misused: "
            f"{finding.summary()}: {finding.title}"
        )[:1024],
        facts=facts,
        severity=finding.label,
    )


# Where credentials orgwarden cannot contain itself are revoked (GuardDuty's accessKeyDetails
# userType values other than IAMUser and a readable AssumedRole).
REVOKE_AT_SOURCE = {
    "Root": "rotate the root user's credentials and review its activity (root cannot be "
    "contained by an IAM policy).",
    "Federated": "end the federated user's sessions at the identity provider and revoke the "
    "sessions of the role it assumed.",
    "AssumedRole": "revoke the role's active sessions (the role could not be read).",
}
DEFAULT_REVOKE = "revoke these credentials where they were issued."


def _role_session(state: AccessKeyContainment, facts: dict[str, object]) -> Verdict:
    """A role session's key: contained once the role's sessions are revoked up to a time after
    the activity GuardDuty saw (the stolen session was issued before that activity)."""
    finding, role, key = state.finding, state.role, state.ref.resource_id
    assert role is not None
    seen = finding.activity_until
    facts = facts | {
        "role_arn": role.arn,
        "sessions_revoked_before": role.revoked_before.isoformat() if role.revoked_before else None,
        "activity_seen_until": seen.isoformat(),
    }
    if role.revoked_before is not None and role.revoked_before >= seen:
        return Verdict(
            status=Status.PASSED,
            reason=(
                f"Contained: sessions of role {role.arn} issued before "
                f"{role.revoked_before.isoformat()} are revoked. {finding.summary()}."
            )[:1024],
            facts=facts,
            severity=finding.label,
        )
    if role.service_linked:
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Temporary credentials {key} of service-linked role {role.arn} are misused "
                f"({finding.summary()}): IAM cannot revoke a service-linked role's sessions."
            )[:1024],
            facts=facts,
            severity=finding.label,
            remediable=False,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"Temporary credentials {key} of role {role.arn} are misused "
            f"({finding.summary()}): the role's sessions issued before now must be revoked."
        )[:1024],
        facts=facts,
        severity=finding.label,
        remediation="iam_revoke_role_sessions",
        acts_on=role.arn,
    )
