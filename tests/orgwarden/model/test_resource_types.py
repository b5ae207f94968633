"""The resource-type registry is consistent with itself and with the rules that judge its types,
and the tables derived from it say what the registry says."""

import re

import pytest

from orgwarden.model.policy_file import TagPolicy
from orgwarden.model.resource_types import (
    CREATE_EVENTS,
    RESOURCE_ID_PATTERNS,
    RESOURCE_TYPES,
    TAGGABLE_TYPES,
    Arn,
    DescribedTags,
    Listing,
    ResourceType,
    TagCall,
    Tags,
    name_from_arn,
    resource_arn,
    resource_id_problem,
)
from orgwarden.model.spec import CloudTrail, ConfigItem
from policies import load_catalogue

ACCOUNT, REGION = "111122223333", "eu-west-1"
RULES = list(load_catalogue().rules.values())

# A valid identifier of every type, and ones that are not.
VALID = {
    "AwsAccount": ("111122223333",),
    "AwsS3Bucket": ("customer-data-prod", "a.b-c", "abc"),
    "AwsEc2Instance": ("i-0a1b2c3d", "i-0a1b2c3d4e5f60718"),
    "AwsEc2Volume": ("vol-0a1b2c3d", "vol-0a1b2c3d4e5f60718"),
    "AwsRdsDbInstance": ("payments-db", "a"),
    "AwsLambdaFunction": ("checkout-api", "f_1"),
    "AwsDynamoDbTable": ("orders", "a.b_c-d"),
    # IAM API reference, AccessKey: "AccessKeyId ... Length Constraints: Minimum length of 16.
    # Maximum length of 128. Pattern: [\w]+".
    "AwsIamAccessKey": (
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAIOSFODNN7EXAMPLE",
        "ASIA1234567890AB",
        "AKIAIOSFODNN7EXAMPL",
        "ASIA" + "A" * 124,
        "ASIA_EXAMPLE_KEY_ID",
    ),
}
INVALID = {
    "AwsAccount": ("11112222333", "1111222233334", "account"),
    # too short, too long, upper case, two dots, an IP address, the xn-- prefix, an edge hyphen
    "AwsS3Bucket": ("ab", "a" * 64, "Data", "a..b", "192.168.5.4", "xn--bucket", "bucket-"),
    "AwsEc2Instance": ("i-0a1b2c3", "i-0A1B2C3D", "vol-0a1b2c3d"),
    "AwsEc2Volume": ("vol-0a1b2c3", "i-0a1b2c3d"),
    "AwsRdsDbInstance": ("1db", "db--1", "a" * 64),
    "AwsLambdaFunction": ("f:prod", "a" * 65),
    "AwsDynamoDbTable": ("ab", "t/stream"),
    "AwsIamAccessKey": (
        "ASIA12345678901",
        "ASIA" + "A" * 125,
        "AKIA-IOSFODNN7EXAM",
        "AKIA EXAMPLE KEY",
    ),
}


def test_every_entry_is_keyed_by_its_security_hub_type_and_every_rule_s_type_is_known() -> None:
    assert all(name == entry.name for name, entry in RESOURCE_TYPES.items())
    assert {rule.spec.resource_type for rule in RULES} <= set(RESOURCE_TYPES)
    assert set(VALID) == set(INVALID) == set(RESOURCE_TYPES)


@pytest.mark.parametrize("resource_type", sorted(RESOURCE_TYPES))
def test_identifier_formats_accept_valid_identifiers_and_refuse_others(resource_type: str) -> None:
    pattern = RESOURCE_TYPES[resource_type].id_pattern
    assert pattern.startswith("^"), "a format matches whole ids"
    assert pattern.endswith("$"), "a format matches whole ids"
    assert RESOURCE_ID_PATTERNS[resource_type].pattern == pattern
    for valid in VALID[resource_type]:
        assert resource_id_problem(resource_type, valid) is None, valid
    for invalid in INVALID[resource_type]:
        problem = resource_id_problem(resource_type, invalid)
        assert problem == f"is not a valid {RESOURCE_TYPES[resource_type].identifier}", invalid


def test_an_unknown_type_has_no_identifier_format_and_no_arn() -> None:
    assert resource_id_problem("AwsEcsCluster", "c") == (
        "has no known identifier format for resource type AwsEcsCluster"
    )
    with pytest.raises(ValueError, match="no ARN format"):
        resource_arn("AwsEcsCluster", "c", partition="aws", region=REGION, account_id=ACCOUNT)


@pytest.mark.parametrize(
    ("resource_type", "resource_id", "expected"),
    [
        ("AwsAccount", ACCOUNT, f"AWS::::Account:{ACCOUNT}"),
        ("AwsS3Bucket", "customer-data-prod", "arn:aws:s3:::customer-data-prod"),
        ("AwsEc2Instance", "i-0a1b2c3d", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0a1b2c3d"),
        ("AwsEc2Volume", "vol-0a1b2c3d", f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0a1b2c3d"),
        ("AwsRdsDbInstance", "payments-db", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:payments-db"),
        ("AwsLambdaFunction", "f", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"),
        ("AwsDynamoDbTable", "orders", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"),
        ("AwsIamAccessKey", "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ],
)
def test_security_hub_ids_are_built_from_the_entry(
    resource_type: str, resource_id: str, expected: str
) -> None:
    built = resource_arn(
        resource_type, resource_id, partition="aws", region=REGION, account_id=ACCOUNT
    )
    assert built == expected


@pytest.mark.parametrize(
    "resource_type", sorted(n for n, e in RESOURCE_TYPES.items() if e.arn and e.arn.in_events)
)
def test_an_arn_named_in_events_reads_back_as_the_identifier(resource_type: str) -> None:
    for resource_id in VALID[resource_type]:
        arn = resource_arn(
            resource_type, resource_id, partition="aws-cn", region=REGION, account_id=ACCOUNT
        )
        assert name_from_arn(resource_type, arn, account_id=ACCOUNT, region=REGION) == resource_id


def test_types_not_named_by_arn_in_events_keep_what_they_are_given() -> None:
    not_named = [n for n, e in RESOURCE_TYPES.items() if not (e.arn and e.arn.in_events)]
    assert not_named
    for resource_type in not_named:
        value = "arn:aws:s3:::customer-data-prod"
        assert name_from_arn(resource_type, value, account_id=ACCOUNT, region=REGION) == value


def test_each_type_has_exactly_one_security_hub_id_format() -> None:
    for entry in RESOURCE_TYPES.values():
        assert (entry.arn is None) != (entry.hub_id is None), entry.name
        assert entry.hub_id is None or "{id}" in entry.hub_id


def test_the_config_triggers_of_rules_are_their_type_s_config_type() -> None:
    for rule in RULES:
        config = RESOURCE_TYPES[rule.spec.resource_type].config
        for trigger in rule.spec.triggers:
            if isinstance(trigger, ConfigItem):
                assert config is not None, rule.spec.id
                assert (trigger.config_type, trigger.id_field) == (config.name, config.id_field)


def test_each_taggable_type_has_a_required_tags_rule_triggered_by_its_create_calls() -> None:
    for name in TAGGABLE_TYPES:
        entry = RESOURCE_TYPES[name]
        assert entry.tags is not None
        (rule,) = [r for r in RULES if r.spec.reads == entry.tags.reader]
        assert rule.spec.resource_type == name
        calls = {
            (t.event_source, t.event_name) for t in rule.spec.triggers if isinstance(t, CloudTrail)
        }
        assert entry.create_calls
        assert {(c.source, c.name) for c in entry.create_calls} <= calls, name


def test_the_derived_tables_say_what_the_registry_says() -> None:
    taggable = [n for n, e in RESOURCE_TYPES.items() if e.tags is not None]
    assert list(TAGGABLE_TYPES) == taggable
    assert TagPolicy(required=()).resource_types == TAGGABLE_TYPES
    assert set(CREATE_EVENTS) == {n for n, e in RESOURCE_TYPES.items() if e.create_calls}
    assert CREATE_EVENTS["AwsLambdaFunction"] == {"CreateFunction20150331"}
    readers = [e.tags.reader for e in RESOURCE_TYPES.values() if e.tags]
    assert len(readers) == len(set(readers))


def test_tag_calls_and_listings_are_coherent() -> None:
    for entry in RESOURCE_TYPES.values():
        if entry.tags is not None:
            write, read = entry.tags.write, entry.tags.read
            if write.replaces:
                # The set is read back before it is replaced: by a call of the same service.
                assert isinstance(read, TagCall), entry.name
                assert read.service == write.service
            if isinstance(read, TagCall):
                assert entry.tag_read_permission == read.permission
            else:
                assert entry.tag_read_permission == entry.described_by
        listing = entry.listing
        if listing is None:
            continue
        if listing.describes:
            # The pages are the description the rules read: kept under its name.
            assert listing.permission == entry.described_by, entry.name
        if listing.named_filter:
            assert listing.describes, f"{entry.name}: a part is described again only if listed so"
        if listing.home_region_only:
            assert listing.region_field, f"{entry.name}: a global listing must say where each is"
            assert entry.arn is not None
            assert not entry.arn.regional
        assert listing.part_size >= 1


def test_an_entry_read_from_a_description_must_name_it() -> None:
    tags = Tags(
        read=DescribedTags(field="Tags"),
        write=TagCall(service="ec2", operation="create_tags", permission="p", identifier="R"),
        reader="r",
    )
    arn = Arn(service="ec2", prefix="thing/")
    with pytest.raises(ValueError, match="no described_by"):
        ResourceType(name="AwsEc2Thing", id_pattern="^t$", arn=arn, tags=tags)
    listing = Listing(
        service="ec2", operation="o", permission="p", items=("Things",), describes=True
    )
    with pytest.raises(ValueError, match="no described_by"):
        ResourceType(name="AwsEc2Thing", id_pattern="^t$", arn=arn, listing=listing)
    with pytest.raises(ValueError, match="neither an ARN"):
        ResourceType(name="AwsEc2Thing", id_pattern="^t$")


def test_the_bucket_name_format_is_s3_s_naming_rules() -> None:
    bucket = re.compile(RESOURCE_TYPES["AwsS3Bucket"].id_pattern)
    assert bucket.match("my.bucket-01")
    assert bucket.match("1.2.3.4a")  # not an IP address
    assert not bucket.match("1.2.3.4")
    assert not bucket.match("my..bucket")
    assert not bucket.match(".bucket")
