"""Resources must carry the tags the organization's tag policy requires, with allowed values.

One rule per taggable resource type, `<type>_required_tags`, all declared here: `SPECS` holds
one spec per type (a new taggable type is one more entry), and the one `evaluate` judges them
all. Pure: the policy that applies (per-OU and per-account overrides resolved) and the time come
in the state.

The fix tags `created-by` with the principal of the create call, so the owner is known, and the
finding notifies. It never invents other values. An instance alone escalates: once its grace
period (`tag_policy.grace_period_hours` after its first launch) is over and it still lacks its
tags, the verdict calls for `ec2_stop_instance` (disruptive: it stops, never terminates; taken
only when the rule is enforced).

Controls: the AWS Resource Tagging Standard of Security Hub (framework key `aws-rts`) has one
control per resource type (EC2.38 instances, EC2.45 volumes, RDS.30 DB instances, Lambda.6,
DynamoDB.5). Those controls check up to six required keys; these rules also check values, so
the mapping says "the same requirement, checked more strictly".
Controls: none for `s3_bucket_required_tags`: the standard has no S3 bucket control; the
requirement is the organization's tag policy alone.

Scenarios:
  (1-10: every type)
  1. every required tag present with an allowed value          -> PASSED
  2. a required key missing                                     -> FAILED, names the key;
                                                                   fix tag_created_by
  3. a value outside the allowed set (env=production when
     {prod, staging, dev} are allowed)                          -> FAILED, names key, value and
                                                                   what is allowed
  4. a value that does not match the policy's pattern           -> FAILED
  5. key comparison is exact: Env is not env, unless the
     policy declares Env as an alias                            -> FAILED / PASSED
  6. an empty value                                             -> FAILED
  7. a per-OU or per-account override of the tag policy         -> judged by the override
  8. the create event names the creator, no created-by tag yet  -> FAILED, reason names the
                                                                   creator to be tagged
  9. the resource is being deleted (an instance: terminated
     or shutting down)                                          -> NOT_APPLICABLE
 10. the tag policy's resource_types leave the type out         -> NOT_APPLICABLE
  (11-13: instances, their grace period)
 11. tags missing, within the grace period                      -> FAILED, says when it ends;
                                                                   fix tag_created_by
 12. tags missing, grace period over, instance running          -> FAILED, fix ec2_stop_instance
 13. tags missing, grace period over, instance already stopped  -> FAILED, fix tag_created_by
                                                                   (nothing more to stop)
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from orgwarden.model.policy_file import RequiredTag
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict, clip
from orgwarden.model.tags import CREATED_BY_TAG, TaggedResource

FRAMEWORK = "aws-rts"
# Lifecycle states in which a resource is on its way out: nothing left to tag.
GONE_STATES = frozenset({"terminated", "shutting-down", "deleting", "deleted", "DELETING"})
STOP = "ec2_stop_instance"
RUNNING_STATES = frozenset({"pending", "running"})


def required_tags_spec(
    kind: str,
    plural: str,
    resource_type: str,
    *,
    triggers: Iterable[CloudTrail | ConfigItem],
    control: str | None,
    escalations: tuple[str, ...] = (),
    description: str = "",
) -> RuleSpec:
    """The rule for one resource type: `kind` names it (`<kind>_required_tags`) and its reader
    (`<kind>_tags`); severity, fix and advice are the same for every type."""
    return RuleSpec(
        id=f"{kind}_required_tags",
        title=f"{plural} carry the required tags",
        description=(
            "The resource lacks a tag the organization's tag policy requires, or carries a "
            "value the policy does not allow." + (f" {description}" if description else "")
        ),
        resource_type=resource_type,
        reads=f"{kind}_tags",
        # Security Hub rates its tagging controls Low; a missing owner is an inventory gap.
        severity=Severity.LOW,
        finding_types=("Software and Configuration Checks/Industry and Regulatory Standards",),
        triggers=tuple(triggers),
        controls={FRAMEWORK: (control,)} if control else {},
        remediation="tag_created_by",
        escalations=escalations,
        recommendation=(
            "Add the missing tags with values the tag policy allows "
            "(orgwarden/engine/policy.yaml). "
            f"The {CREATED_BY_TAG} tag names who created the resource."
        ),
        recommendation_url=(
            "https://docs.aws.amazon.com/securityhub/latest/userguide/standards-tagging.html"
        ),
    )


def _tagging_calls(service: str, names: Iterable[str], ids: str) -> tuple[CloudTrail, ...]:
    """Tagging calls name other kinds of resources too: `ids` keeps this rule's own."""
    return tuple(
        CloudTrail(service=service, event_name=name, ids=ids, other_resources=True)
        for name in names
    )


SPECS = (
    required_tags_spec(
        "ec2_instance",
        "EC2 instances",
        "AwsEc2Instance",
        triggers=(
            CloudTrail(
                service="ec2",
                event_name="RunInstances",
                ids="responseElements.instancesSet.items[].instanceId",
            ),
            *_tagging_calls(
                "ec2",
                ("CreateTags", "DeleteTags"),
                "requestParameters.resourcesSet.items[?type(resourceId) == 'string' && "
                "starts_with(resourceId, 'i-')].resourceId",
            ),
            ConfigItem(config_type="AWS::EC2::Instance"),
        ),
        control="EC2.38",
        escalations=(STOP,),
        description="Past its grace period, a running instance without its tags is stopped.",
    ),
    required_tags_spec(
        "ebs_volume",
        "EBS volumes",
        "AwsEc2Volume",
        triggers=(
            CloudTrail(service="ec2", event_name="CreateVolume", ids="responseElements.volumeId"),
            *_tagging_calls(
                "ec2",
                ("CreateTags", "DeleteTags"),
                "requestParameters.resourcesSet.items[?type(resourceId) == 'string' && "
                "starts_with(resourceId, 'vol-')].resourceId",
            ),
            ConfigItem(config_type="AWS::EC2::Volume"),
        ),
        control="EC2.45",
    ),
    required_tags_spec(
        "s3_bucket",
        "S3 buckets",
        "AwsS3Bucket",
        triggers=(
            *(
                CloudTrail(service="s3", event_name=name, ids="requestParameters.bucketName")
                for name in ("CreateBucket", "PutBucketTagging", "DeleteBucketTagging")
            ),
            ConfigItem(config_type="AWS::S3::Bucket"),
        ),
        control=None,
    ),
    required_tags_spec(
        "rds_instance",
        "RDS DB instances",
        "AwsRdsDbInstance",
        triggers=(
            CloudTrail(
                service="rds",
                event_name="CreateDBInstance",
                ids="requestParameters.dBInstanceIdentifier",
            ),
            # Tagging calls name the resource by ARN; only DB instances (":db:") are kept.
            *_tagging_calls(
                "rds",
                ("AddTagsToResource", "RemoveTagsFromResource"),
                "[requestParameters.resourceName][?type(@) == 'string' && contains(@, ':db:')]",
            ),
            ConfigItem(config_type="AWS::RDS::DBInstance", id_field="resourceName"),
        ),
        control="RDS.30",
    ),
    required_tags_spec(
        "lambda_function",
        "Lambda functions",
        "AwsLambdaFunction",
        triggers=(
            # CloudTrail names Lambda's calls after their API version.
            CloudTrail(
                service="lambda",
                event_name="CreateFunction20150331",
                ids="responseElements.functionName",
            ),
            *_tagging_calls(
                "lambda",
                ("TagResource20170331v2", "UntagResource20170331v2"),
                "[requestParameters.resource][?type(@) == 'string' && contains(@, ':function:')]",
            ),
            ConfigItem(config_type="AWS::Lambda::Function", id_field="resourceName"),
        ),
        control="Lambda.6",
    ),
    required_tags_spec(
        "dynamodb_table",
        "DynamoDB tables",
        "AwsDynamoDbTable",
        triggers=(
            CloudTrail(
                service="dynamodb", event_name="CreateTable", ids="requestParameters.tableName"
            ),
            *_tagging_calls(
                "dynamodb",
                ("TagResource", "UntagResource"),
                "[requestParameters.resourceArn][?type(@) == 'string' && contains(@, ':table/')]",
            ),
            ConfigItem(config_type="AWS::DynamoDB::Table", id_field="resourceName"),
        ),
        control="DynamoDB.5",
    ),
)
# The resource types whose rule may stop a resource once its grace period is over.
STOPPABLE = frozenset(spec.resource_type for spec in SPECS if STOP in spec.escalations)


def evaluate(resource: TaggedResource) -> Verdict:
    verdict = required_tags_verdict(resource)
    if verdict.status is not Status.FAILED or resource.ref.resource_type not in STOPPABLE:
        return verdict
    if resource.created_at is None or resource.grace_period_hours is None:
        return verdict
    deadline = resource.created_at + timedelta(hours=resource.grace_period_hours)
    facts = {**verdict.facts, "grace_period_ends": deadline.isoformat()}
    if resource.now < deadline:
        reason = (
            f"{verdict.reason} Grace period ends {deadline:%Y-%m-%dT%H:%M:%SZ}; "
            "then the instance is stopped if this rule is enforced."
        )
        return verdict.model_copy(update={"reason": clip(reason), "facts": facts})
    if resource.state not in RUNNING_STATES:
        reason = f"{verdict.reason} Grace period ended; the instance is {resource.state}."
        return verdict.model_copy(update={"reason": clip(reason), "facts": facts})
    reason = (
        f"{verdict.reason} Grace period ended {deadline:%Y-%m-%dT%H:%M:%SZ}: "
        "the instance is to be stopped (never terminated)."
    )
    return verdict.model_copy(update={"reason": clip(reason), "facts": facts, "remediation": STOP})


def required_tags_verdict(resource: TaggedResource) -> Verdict:
    """The verdict for any type, before an instance's grace period is judged."""
    if resource.state in GONE_STATES:
        return Verdict(
            status=Status.NOT_APPLICABLE, reason=f"The resource is {resource.state}: not judged."
        )
    if not resource.in_scope:
        return Verdict(
            status=Status.NOT_APPLICABLE,
            reason=f"The tag policy does not cover {resource.ref.resource_type}.",
        )
    problems = check_tags(resource.tags, resource.required)
    facts: dict[str, Any] = {
        "required_keys": [r.key for r in resource.required],
        "problems": problems,
        "owner": resource.owner,
        "creator": resource.creator,
    }
    if not problems:
        return Verdict(
            status=Status.PASSED,
            reason=f"All {len(resource.required)} required tags are present with allowed values.",
            facts=facts,
        )
    missing = [p["key"] for p in problems if p["problem"] == "missing"]
    invalid = [
        f"{p['tag']}={p['value']!r} (expected {p['expected']})"
        for p in problems
        if p["problem"] == "invalid"
    ]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if invalid:
        parts.append("invalid " + "; ".join(invalid))
    return Verdict(
        status=Status.FAILED,
        reason=clip(f"Required tags not met: {'; '.join(parts)}. {_owner_sentence(resource)}"),
        facts=facts,
    )


def _owner_sentence(resource: TaggedResource) -> str:
    if resource.owner:
        return f"Owner: {CREATED_BY_TAG}={resource.owner}."
    if resource.creator:
        return f"Created by {resource.creator} (to be recorded as {CREATED_BY_TAG})."
    return f"Owner unknown: no {CREATED_BY_TAG} tag, and this event does not name the creator."


def check_tags(tags: Mapping[str, str], required: Iterable[RequiredTag]) -> list[dict[str, Any]]:
    """One entry per requirement not met: a missing key, or a value that is not allowed.

    Keys compare exactly (case included); a requirement's aliases are accepted in place of its
    key, in the order the policy lists them.
    """
    problems: list[dict[str, Any]] = []
    for requirement in required:
        found = next((k for k in (requirement.key, *requirement.aliases) if k in tags), None)
        if found is None:
            problems.append(
                {"key": requirement.key, "problem": "missing", "accepted_keys": _keys(requirement)}
            )
            continue
        expected = _value_problem(tags[found], requirement)
        if expected:
            problems.append(
                {
                    "key": requirement.key,
                    "problem": "invalid",
                    "tag": found,
                    "value": tags[found],
                    "expected": expected,
                }
            )
    return problems


def _keys(requirement: RequiredTag) -> list[str]:
    return [requirement.key, *requirement.aliases]


def _value_problem(value: str, requirement: RequiredTag) -> str | None:
    """What the value should be, or None when it is allowed."""
    if not value.strip():
        return "a non-empty value"
    if not requirement.allowed and requirement.pattern is None:
        return None
    if value in requirement.allowed:
        return None
    if requirement.value_matches(value):
        return None
    expected = []
    if requirement.allowed:
        expected.append("one of " + ", ".join(requirement.allowed))
    if requirement.pattern is not None:
        expected.append(f"a value matching {requirement.pattern}")
    return " or ".join(expected)
