"""EC2 instances must carry the tags the organization's tag policy requires, with allowed values.

The check is shared with every required-tags rule (`policies.tag_requirements`); the fix tags
`created-by` with the principal of the create call, so the owner is known, and the finding
notifies. It never invents other values. An instance alone escalates: once its grace period
(`tag_policy.grace_period_hours` after its first launch) is over and it still lacks its tags,
the verdict calls for `ec2_stop_instance` (disruptive: it stops, never terminates; taken only
when the rule is enforced).

Scenarios:
  (1-10 are those of every required-tags rule)
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
  9. the instance is terminated or shutting down                -> NOT_APPLICABLE
 10. the tag policy's resource_types leave the type out         -> NOT_APPLICABLE
 11. tags missing, within the grace period                      -> FAILED, says when it ends;
                                                                   fix tag_created_by
 12. tags missing, grace period over, instance running          -> FAILED, fix ec2_stop_instance
 13. tags missing, grace period over, instance already stopped  -> FAILED, fix tag_created_by
                                                                   (nothing more to stop)
"""

from datetime import timedelta

from orgwarden.model.spec import CloudTrail, ConfigItem, Status, Verdict, clip
from orgwarden.model.tags import TaggedResource
from policies.tag_requirements import required_tags_spec, required_tags_verdict

STOP = "ec2_stop_instance"
RUNNING_STATES = frozenset({"pending", "running"})

SPEC = required_tags_spec(
    rule_id="ec2_instance_required_tags",
    title="EC2 instances carry the required tags",
    resource_type="AwsEc2Instance",
    reads="ec2_instance_tags",
    triggers=(
        CloudTrail(
            service="ec2",
            event_name="RunInstances",
            ids="responseElements.instancesSet.items[].instanceId",
        ),
        # CreateTags and DeleteTags name every kind of EC2 resource: keep the instances.
        *(
            CloudTrail(
                service="ec2",
                event_name=name,
                ids="requestParameters.resourcesSet.items[?type(resourceId) == 'string' && "
                "starts_with(resourceId, 'i-')].resourceId",
                other_resources=True,
            )
            for name in ("CreateTags", "DeleteTags")
        ),
        ConfigItem(config_type="AWS::EC2::Instance"),
    ),
    control="EC2.38",
    escalations=(STOP,),
    description="Past its grace period, a running instance without its tags is stopped.",
)


def evaluate(instance: TaggedResource) -> Verdict:
    verdict = required_tags_verdict(instance)
    if verdict.status is not Status.FAILED:
        return verdict
    if instance.created_at is None or instance.grace_period_hours is None:
        return verdict
    deadline = instance.created_at + timedelta(hours=instance.grace_period_hours)
    facts = {**verdict.facts, "grace_period_ends": deadline.isoformat()}
    if instance.now < deadline:
        reason = (
            f"{verdict.reason} Grace period ends {deadline:%Y-%m-%dT%H:%M:%SZ}; "
            "then the instance is stopped if this rule is enforced."
        )
        return verdict.model_copy(update={"reason": clip(reason), "facts": facts})
    if instance.state not in RUNNING_STATES:
        reason = f"{verdict.reason} Grace period ended; the instance is {instance.state}."
        return verdict.model_copy(update={"reason": clip(reason), "facts": facts})
    reason = (
        f"{verdict.reason} Grace period ended {deadline:%Y-%m-%dT%H:%M:%SZ}: "
        "the instance is to be stopped (never terminated)."
    )
    return verdict.model_copy(update={"reason": clip(reason), "facts": facts, "remediation": STOP})
