"""RDS DB instances must carry the tags the organization's tag policy requires, with allowed values.

The check is shared with every required-tags rule (`policies.tag_requirements`); the fix tags
`created-by` with the principal of the create call, so the owner is known, and the finding
notifies. It never invents other values.

Scenarios:
  (the same for every required-tags rule)
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
  9. the resource is being deleted                              -> NOT_APPLICABLE
 10. the tag policy's resource_types leave the type out         -> NOT_APPLICABLE
"""

from orgwarden.model.spec import CloudTrail, ConfigItem, Verdict
from orgwarden.model.tags import TaggedResource
from policies.tag_requirements import required_tags_spec, required_tags_verdict

SPEC = required_tags_spec(
    rule_id="rds_instance_required_tags",
    title="RDS DB instances carry the required tags",
    resource_type="AwsRdsDbInstance",
    reads="rds_instance_tags",
    triggers=(
        CloudTrail(
            service="rds",
            event_name="CreateDBInstance",
            ids="requestParameters.dBInstanceIdentifier",
        ),
        # Tagging calls name the resource by ARN; only DB instances (":db:") concern this rule.
        *(
            CloudTrail(
                service="rds",
                event_name=name,
                ids="[requestParameters.resourceName][?type(@) == 'string' && contains(@, ':db:')]",
                other_resources=True,
            )
            for name in ("AddTagsToResource", "RemoveTagsFromResource")
        ),
        ConfigItem(config_type="AWS::RDS::DBInstance", id_field="resourceName"),
    ),
    control="RDS.30",
)


def evaluate(resource: TaggedResource) -> Verdict:
    return required_tags_verdict(resource)
