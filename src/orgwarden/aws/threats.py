"""Reads and fixes for the GuardDuty threat rules. The finding itself comes with the event
(`ctx.payload`); what is read is the containment state of the resource it names, so a repeated
finding sees what was already done."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from orgwarden.aws import s3
from orgwarden.aws.ec2_instances import DESCRIBE_INSTANCES, instance_of, tag_pairs
from orgwarden.aws.errors import call
from orgwarden.aws.member import Change, Grant, MemberContext, Reader, Remediation
from orgwarden.model.events import GuardDutyDetail
from orgwarden.model.threats import (
    REVOKE_SESSIONS_POLICY,
    AccessKeyContainment,
    BucketContainment,
    GuardDutyFindingFacts,
    InstanceContainment,
    NetworkInterface,
    RecordedFinding,
    RoleSessions,
)

QUARANTINE_TAG = "orgwarden:quarantine"  # value: the GuardDuty finding id
# The tag orgwarden creates its quarantine groups with: the remediation role may change (and
# attach) only security groups that carry it.
QUARANTINE_GROUP_TAG = "orgwarden:quarantine-group"
QUARANTINE_GROUP_TAG_VALUE = "true"
SNAPSHOT_FINDING_TAG = "orgwarden:guardduty-finding"
DESCRIBE_SECURITY_GROUPS = "ec2:DescribeSecurityGroups"
LIST_ACCESS_KEYS = "iam:ListAccessKeys"
GET_ROLE = "iam:GetRole"
GET_ROLE_POLICY = "iam:GetRolePolicy"
# GuardDuty finding ids are hex strings; they become tag values, so their form is checked.
FINDING_ID = re.compile(r"^[A-Za-z0-9._:-]{1,256}$")
# IAM user and role names: letters, digits and + = , . @ _ - (IAM's documented character set);
# users up to 64 characters, roles up to 64 as well.
IAM_USER_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
IAM_ROLE_NAME = IAM_USER_NAME


def finding_facts(ctx: MemberContext) -> GuardDutyFindingFacts:
    detail = ctx.payload
    if not isinstance(detail, GuardDutyDetail):
        raise TypeError(f"GuardDuty readers read a GuardDuty finding, not {type(detail).__name__}")
    if not FINDING_ID.match(detail.id):
        raise ValueError(f"GuardDuty finding id {detail.id[:80]!r} is not of a known form")
    return GuardDutyFindingFacts.of(detail)


# ---------------------------------------------------------------- EC2 quarantine


def read_instance(ctx: MemberContext) -> InstanceContainment:
    finding = finding_facts(ctx)
    ec2 = ctx.client("ec2")
    # The same fact the instance rules read: one DescribeInstances for all of them.
    instance = instance_of(ctx)
    vpc_id = instance.get("VpcId")
    group_name = ctx.policy.remediation.quarantine_security_group_name
    group = _quarantine_group(ctx, ec2, vpc_id, group_name) if vpc_id else None
    tags = tag_pairs(instance.get("Tags"))
    return InstanceContainment(
        ref=ctx.ref,
        finding=finding,
        state=instance.get("State", {}).get("Name", "unknown"),
        vpc_id=vpc_id,
        interfaces=tuple(
            NetworkInterface(
                interface_id=eni["NetworkInterfaceId"],
                group_ids=tuple(sorted(g["GroupId"] for g in eni.get("Groups", []))),
            )
            for eni in instance.get("NetworkInterfaces", [])
        ),
        volume_ids=tuple(
            m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings", []) if "Ebs" in m
        ),
        quarantine_group_name=group_name,
        quarantine_group_id=(
            group["GroupId"] if group and _is_ours(group) and not _has_rules(group) else None
        ),
        quarantine_tag=tags.get(QUARANTINE_TAG),
    )


def _quarantine_group(
    ctx: MemberContext, ec2: Any, vpc_id: str, name: str
) -> dict[str, Any] | None:
    """The quarantine group of the instance's VPC, kept as a fact of the instance (a fix's
    context keeps nothing, so the fix reads it afresh)."""

    def read() -> dict[str, Any] | None:
        answer = call(
            DESCRIBE_SECURITY_GROUPS,
            ctx.principal,
            lambda: ec2.describe_security_groups(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "group-name", "Values": [name]},
                ]
            ),
        )
        groups: list[dict[str, Any]] = (answer or {}).get("SecurityGroups", [])
        return groups[0] if groups else None

    return ctx.once(DESCRIBE_SECURITY_GROUPS, read)


def _is_ours(group: dict[str, Any]) -> bool:
    """Whether orgwarden created the group (it carries the quarantine-group tag)."""
    tags = {t["Key"]: t.get("Value") for t in group.get("Tags", [])}
    return tags.get(QUARANTINE_GROUP_TAG) == QUARANTINE_GROUP_TAG_VALUE


def _has_rules(group: dict[str, Any]) -> bool:
    """A quarantine group that allows any traffic does not quarantine."""
    return bool(group.get("IpPermissions") or group.get("IpPermissionsEgress"))


def _plan_quarantine(state: InstanceContainment) -> dict[str, Any]:
    return {
        "api": "ec2:ModifyNetworkInterfaceAttribute, ec2:CreateSnapshot, ec2:CreateTags",
        "instance": state.ref.resource_id,
        "quarantine_group": state.quarantine_group_id
        or f"{state.quarantine_group_name} (in {state.vpc_id}, without rules)",
        "network_interfaces": [i.interface_id for i in state.interfaces],
        "snapshot_volumes": list(state.volume_ids),
        "tag": {QUARANTINE_TAG: state.finding.finding_id},
    }


def _apply_quarantine(ctx: MemberContext, state: InstanceContainment) -> Change:
    """Isolate first (the intruder is still acting), then keep the evidence, then tag."""
    ec2 = ctx.client("ec2")
    if state.vpc_id is None:  # pragma: no cover - the rule never asks for this fix then
        raise ValueError("an instance outside a VPC cannot be quarantined by security group")
    group_id = _ensure_quarantine_group(ctx, ec2, state.vpc_id, state.quarantine_group_name)
    for interface in state.interfaces:
        if interface.group_ids != (group_id,):
            call(
                "ec2:ModifyNetworkInterfaceAttribute",
                ctx.principal,
                lambda i=interface.interface_id: ec2.modify_network_interface_attribute(
                    NetworkInterfaceId=i, Groups=[group_id]
                ),
            )
    snapshots = _snapshot_volumes(ctx, ec2, state)
    finding_id = state.finding.finding_id
    call(
        "ec2:CreateTags",
        ctx.principal,
        lambda: ec2.create_tags(
            Resources=[state.ref.resource_id], Tags=[{"Key": QUARANTINE_TAG, "Value": finding_id}]
        ),
    )
    return Change(
        before={
            "security_groups": {i.interface_id: list(i.group_ids) for i in state.interfaces},
            "tag": state.quarantine_tag,
        },
        after={
            "security_groups": {i.interface_id: [group_id] for i in state.interfaces},
            "snapshots": snapshots,
            "tag": {QUARANTINE_TAG: finding_id},
        },
    )


def _ensure_quarantine_group(ctx: MemberContext, ec2: Any, vpc_id: str, name: str) -> str:
    group = _quarantine_group(ctx, ec2, vpc_id, name)
    if group is None:
        created = call(
            "ec2:CreateSecurityGroup",
            ctx.principal,
            lambda: ec2.create_security_group(
                GroupName=name,
                Description="orgwarden quarantine: no inbound or outbound traffic",
                VpcId=vpc_id,
                TagSpecifications=[
                    {
                        "ResourceType": "security-group",
                        "Tags": [
                            {"Key": QUARANTINE_GROUP_TAG, "Value": QUARANTINE_GROUP_TAG_VALUE}
                        ],
                    }
                ],
            ),
            # Another evaluation created it a moment ago: use that one.
            absent=("InvalidGroup.Duplicate",),
        )
        group = _quarantine_group(ctx, ec2, vpc_id, name) if created is None else None
        if group is None:
            # A new group allows all egress by default; a quarantine allows nothing.
            group = {
                "GroupId": (created or {})["GroupId"],
                "Tags": [{"Key": QUARANTINE_GROUP_TAG, "Value": QUARANTINE_GROUP_TAG_VALUE}],
                "IpPermissions": [],
                "IpPermissionsEgress": [
                    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            }
    if not _is_ours(group):
        # The role may not change or attach a group without the tag: say so rather than fail
        # half-way through.
        raise PermissionError(
            f"security group {group['GroupId']} ({name}) in {vpc_id} lacks the tag "
            f"{QUARANTINE_GROUP_TAG}={QUARANTINE_GROUP_TAG_VALUE}: orgwarden quarantines only in "
            "groups it created; tag it (after checking its rules) or delete it"
        )
    group_id: str = group["GroupId"]
    if group.get("IpPermissions"):
        call(
            "ec2:RevokeSecurityGroupIngress",
            ctx.principal,
            lambda: ec2.revoke_security_group_ingress(
                GroupId=group_id, IpPermissions=group["IpPermissions"]
            ),
        )
    if group.get("IpPermissionsEgress"):
        call(
            "ec2:RevokeSecurityGroupEgress",
            ctx.principal,
            lambda: ec2.revoke_security_group_egress(
                GroupId=group_id, IpPermissions=group["IpPermissionsEgress"]
            ),
        )
    return group_id


def _snapshot_volumes(ctx: MemberContext, ec2: Any, state: InstanceContainment) -> dict[str, str]:
    """One snapshot per volume per finding: a retried fix reuses the ones it already made."""
    finding_id = state.finding.finding_id

    def existing() -> dict[str, str]:
        pages = ec2.get_paginator("describe_snapshots").paginate(
            OwnerIds=["self"],
            Filters=[{"Name": f"tag:{SNAPSHOT_FINDING_TAG}", "Values": [finding_id]}],
        )
        return {s["VolumeId"]: s["SnapshotId"] for page in pages for s in page["Snapshots"]}

    snapshots = call("ec2:DescribeSnapshots", ctx.principal, existing) or {}
    for volume_id in state.volume_ids:
        if volume_id in snapshots:
            continue
        made = call(
            "ec2:CreateSnapshot",
            ctx.principal,
            lambda v=volume_id: ec2.create_snapshot(
                VolumeId=v,
                Description=f"orgwarden forensics: {state.ref.resource_id}, GuardDuty {finding_id}",
                TagSpecifications=[
                    {
                        "ResourceType": "snapshot",
                        "Tags": [
                            {"Key": SNAPSHOT_FINDING_TAG, "Value": finding_id},
                            {"Key": "orgwarden:source-instance", "Value": state.ref.resource_id},
                        ],
                    }
                ],
            ),
        )
        snapshots[volume_id] = (made or {})["SnapshotId"]
    return {v: snapshots[v] for v in state.volume_ids}


# ---------------------------------------------------------------- IAM access key


def read_access_key(ctx: MemberContext) -> AccessKeyContainment:
    finding = finding_facts(ctx)
    detail = ctx.payload
    details = detail.resource.get("accessKeyDetails") or {}
    user_type = str(details.get("userType") or "Unknown")
    user_name = details.get("userName")
    user_name = user_name if isinstance(user_name, str) else None
    key_id = ctx.ref.resource_id
    status = None
    # Only an IAM user's long-term key (AKIA...) has a status to read and to change.
    if user_type == "IAMUser" and key_id.startswith("AKIA") and user_name:
        if not IAM_USER_NAME.match(user_name):
            raise ValueError(f"IAM user name {user_name[:80]!r} is not of IAM's form")
        iam = ctx.client("iam", region="us-east-1")

        def keys() -> dict[str, str]:
            pages = iam.get_paginator("list_access_keys").paginate(UserName=user_name)
            return {k["AccessKeyId"]: k["Status"] for p in pages for k in p["AccessKeyMetadata"]}

        found = ctx.once(
            LIST_ACCESS_KEYS,
            lambda: call(LIST_ACCESS_KEYS, ctx.principal, keys, absent=("NoSuchEntity",)),
        )
        status = (found or {}).get(key_id, "Absent")
    role = None
    if user_type == "AssumedRole" and user_name:
        # GuardDuty names a role session's principal by the role's name.
        if not IAM_ROLE_NAME.match(user_name):
            raise ValueError(f"IAM role name {user_name[:80]!r} is not of IAM's form")
        role = _read_role_sessions(ctx, user_name)
    return AccessKeyContainment(
        ref=ctx.ref,
        finding=finding,
        user_type=user_type,
        user_name=user_name,
        status=status,
        role=role,
    )


def _read_role_sessions(ctx: MemberContext, role_name: str) -> RoleSessions | None:
    """The role (None when it no longer exists) and the time before which its sessions are
    revoked by its `AWSRevokeOlderSessions` policy."""
    iam = ctx.client("iam", region="us-east-1")
    found = ctx.once(
        GET_ROLE,
        lambda: call(
            GET_ROLE,
            ctx.principal,
            lambda: iam.get_role(RoleName=role_name),
            absent=("NoSuchEntity",),
        ),
    )
    if not found:
        return None
    role = found["Role"]
    policy = ctx.once(
        GET_ROLE_POLICY,
        lambda: call(
            GET_ROLE_POLICY,
            ctx.principal,
            lambda: iam.get_role_policy(RoleName=role_name, PolicyName=REVOKE_SESSIONS_POLICY),
            absent=("NoSuchEntity",),
        ),
    )
    return RoleSessions(
        arn=role["Arn"],
        name=role["RoleName"],
        path=role.get("Path", "/"),
        revoked_before=revoked_before((policy or {}).get("PolicyDocument")),
    )


def revoked_before(document: Any) -> datetime | None:
    """The latest `aws:TokenIssueTime` before which the policy denies every action on every
    resource, with no other condition: only such a statement revokes sessions whatever they do
    (a deny narrowed by another condition, or to some actions, does not)."""
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return None
    if not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    latest = None
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        if set(statement) - {"Sid", "Effect", "Action", "Resource", "Condition"}:
            continue  # NotAction, NotResource, Principal...: not the whole role
        if statement.get("Action") not in ("*", ["*"]) or statement.get("Resource") not in (
            "*",
            ["*"],
        ):
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict) or set(condition) != {"DateLessThan"}:
            continue
        before = condition["DateLessThan"]
        if not isinstance(before, dict) or set(before) != {"aws:TokenIssueTime"}:
            continue
        value = before["aws:TokenIssueTime"]
        value = value[0] if isinstance(value, list) and len(value) == 1 else value
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            continue
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        latest = moment if latest is None or moment > latest else latest
    return latest


def revocation_policy(before: datetime) -> dict[str, Any]:
    """What the IAM console's "Revoke active sessions" attaches: deny everything to sessions
    issued before `before`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {
                    "DateLessThan": {
                        "aws:TokenIssueTime": before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    }
                },
            }
        ],
    }


def _revocation_time(ctx: MemberContext) -> datetime:
    # Whole seconds, rounded up: the policy's time must not fall before the moment of the fix.
    now = ctx.now.astimezone(UTC)
    return now.replace(microsecond=0) + (timedelta(seconds=1) if now.microsecond else timedelta())


def _plan_revoke_sessions(state: AccessKeyContainment) -> dict[str, Any]:
    role = state.role
    return {
        "api": "iam:PutRolePolicy",
        "RoleName": role.name if role else state.user_name,
        "PolicyName": REVOKE_SESSIONS_POLICY,
        "PolicyDocument": "deny every action to sessions issued before the time of the fix",
        "revoked_before": role.revoked_before.isoformat() if role and role.revoked_before else None,
    }


def _apply_revoke_sessions(ctx: MemberContext, state: AccessKeyContainment) -> Change:
    role = state.role
    if role is None or role.service_linked:  # pragma: no cover - the rule never asks then
        raise ValueError("no role whose sessions can be revoked")
    before = _revocation_time(ctx)
    if role.revoked_before and role.revoked_before >= before:
        before = role.revoked_before  # never move a revocation back in time
    iam = ctx.client("iam", region="us-east-1")
    call(
        "iam:PutRolePolicy",
        ctx.principal,
        lambda: iam.put_role_policy(
            RoleName=role.name,
            PolicyName=REVOKE_SESSIONS_POLICY,
            PolicyDocument=json.dumps(revocation_policy(before)),
        ),
    )
    return Change(
        before={"revoked_before": role.revoked_before.isoformat() if role.revoked_before else None},
        after={"revoked_before": before.isoformat(), "policy": REVOKE_SESSIONS_POLICY},
    )


def _plan_deactivate_key(state: AccessKeyContainment) -> dict[str, Any]:
    return {
        "api": "iam:UpdateAccessKey",
        "UserName": state.user_name,
        "AccessKeyId": state.ref.resource_id,
        "Status": "Inactive",
    }


def _apply_deactivate_key(ctx: MemberContext, state: AccessKeyContainment) -> Change:
    iam = ctx.client("iam", region="us-east-1")
    call(
        "iam:UpdateAccessKey",
        ctx.principal,
        lambda: iam.update_access_key(
            UserName=state.user_name, AccessKeyId=state.ref.resource_id, Status="Inactive"
        ),
    )
    return Change(before={"Status": state.status}, after={"Status": "Inactive"})


# ---------------------------------------------------------------- S3 bucket and the rest


def read_bucket(ctx: MemberContext) -> BucketContainment:
    finding = finding_facts(ctx)
    block = s3.read_bucket_block(ctx)
    return BucketContainment(ref=ctx.ref, bucket_block=block, account_block=None, finding=finding)


def read_recorded(ctx: MemberContext) -> RecordedFinding:
    finding = finding_facts(ctx)
    resource_type = ctx.payload.resource.get("resourceType")
    return RecordedFinding(
        ref=ctx.ref,
        finding=finding,
        resource_type=resource_type if isinstance(resource_type, str) else None,
    )


_OURS = {f"ec2:ResourceTag/{QUARANTINE_GROUP_TAG}": QUARANTINE_GROUP_TAG_VALUE}
_CREATED_OURS = {f"aws:RequestTag/{QUARANTINE_GROUP_TAG}": QUARANTINE_GROUP_TAG_VALUE}
# What the quarantine fix may touch: security groups only if they carry orgwarden's tag (made
# with it, rules revoked on them, attached to interfaces); tags only on what it creates (the
# group, the snapshots) and its one tag on instances; snapshots only with the finding's tag.
QUARANTINE_GRANTS = (
    Grant("ec2:CreateSecurityGroup", {"StringEquals": _CREATED_OURS}, ("security-group",)),
    Grant("ec2:CreateSecurityGroup", resource_types=("vpc",)),
    Grant("ec2:RevokeSecurityGroupIngress", {"StringEquals": _OURS}),
    Grant("ec2:RevokeSecurityGroupEgress", {"StringEquals": _OURS}),
    Grant("ec2:ModifyNetworkInterfaceAttribute", {"StringEquals": _OURS}, ("security-group",)),
    Grant(
        "ec2:ModifyNetworkInterfaceAttribute",
        resource_types=("instance", "network-interface", "subnet"),
    ),
    Grant("ec2:CreateSnapshot", resource_types=("volume",)),
    Grant(
        "ec2:CreateSnapshot",
        {"Null": {f"aws:RequestTag/{SNAPSHOT_FINDING_TAG}": "false"}},
        ("snapshot",),
    ),
    Grant(
        "ec2:CreateTags",
        {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup", **_CREATED_OURS}},
        ("security-group",),
    ),
    Grant(
        "ec2:CreateTags", {"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}}, ("snapshot",)
    ),
    Grant(
        "ec2:CreateTags",
        {
            "ForAllValues:StringEquals": {"aws:TagKeys": (QUARANTINE_TAG,)},
            "Null": {"aws:TagKeys": "false"},
        },
        ("instance",),
    ),
)

READERS = (
    Reader(
        name="guardduty_instance",
        permissions=("ec2:DescribeInstances", "ec2:DescribeSecurityGroups"),
        read=read_instance,
    ),
    Reader(
        name="guardduty_access_key",
        permissions=(LIST_ACCESS_KEYS, GET_ROLE, GET_ROLE_POLICY),
        read=read_access_key,
    ),
    Reader(
        name="guardduty_bucket", permissions=("s3:GetBucketPublicAccessBlock",), read=read_bucket
    ),
    Reader(name="guardduty_finding", permissions=(), read=read_recorded),
)
REMEDIATIONS = (
    # Move every interface to a quarantine group with no rules, snapshot the volumes, tag it.
    Remediation(
        name="ec2_quarantine_instance",
        permissions=(
            "ec2:CreateSecurityGroup",
            "ec2:CreateSnapshot",
            "ec2:CreateTags",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSnapshots",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
        ),
        plan=_plan_quarantine,
        apply=_apply_quarantine,
        changes=(DESCRIBE_INSTANCES, DESCRIBE_SECURITY_GROUPS),
        disruptive=True,
        grants=QUARANTINE_GRANTS,
    ),
    Remediation(
        name="iam_deactivate_access_key",
        permissions=("iam:UpdateAccessKey",),
        plan=_plan_deactivate_key,
        apply=_apply_deactivate_key,
        changes=(LIST_ACCESS_KEYS,),
    ),
    # Deny every action to the role's sessions issued before now: what AWS documents for stolen
    # temporary credentials, which cannot be deactivated.
    Remediation(
        name="iam_revoke_role_sessions",
        permissions=("iam:PutRolePolicy",),
        plan=_plan_revoke_sessions,
        apply=_apply_revoke_sessions,
        changes=(GET_ROLE_POLICY,),
    ),
)
