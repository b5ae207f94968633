"""The read cache of a unit of work (a sweep task or one event): each fact is read once for every
rule, a denied or gone answer is kept as an answer, a fix forgets the facts it declares it
changes (declaring none, everything known about its resource and its account), and a new unit
of work reads afresh. Then the same on moto's server through the real readers and fixes, and
every fix's declared changes checked against the facts its rules' readers read."""

import dataclasses
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgwarden.aws.errors import AccessDenied, ResourceGone
from orgwarden.aws.member import MemberContext
from orgwarden.aws.read_cache import NO_CACHE, ReadCache
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.events import GuardDutyDetail
from orgwarden.model.resources import ResourceRef
from orgwarden_harness.incidents import (
    access_key_resource,
    bucket_resource,
    guardduty_finding_event,
    instance_resource,
)
from policies import load_catalogue
from tests.conftest import ApiCalls, member_context

READ, FIX = "OrgwardenRead", "OrgwardenRemediation"
ACCOUNT = "111122223333"
BLOCK, ACL, ACCOUNT_BLOCK = (
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetAccountPublicAccessBlock",
)


def ref(resource_type: str, resource_id: str, account_id: str = ACCOUNT) -> ResourceRef:
    return ResourceRef(
        resource_type=resource_type,
        resource_id=resource_id,
        account_id=account_id,
        region="us-east-1",
    )


class Read:
    """One fact's read, counting how often it is made."""

    def __init__(self, answer: Any = None, raises: Exception | None = None) -> None:
        self.answer, self.raises, self.made = answer, raises, 0

    def __call__(self) -> Any:
        self.made += 1
        if self.raises is not None:
            raise self.raises
        return self.answer


BUCKET, OTHER = ref("AwsS3Bucket", "bucket-a"), ref("AwsS3Bucket", "bucket-b")


def known_facts(cache: ReadCache) -> dict[tuple[str, str], Read]:
    """A unit of work that has read two buckets' settings and their account's."""
    reads = {
        (BLOCK, BUCKET.arn): Read({"BlockPublicAcls": False}),
        (ACL, BUCKET.arn): Read({"Grants": []}),
        (BLOCK, OTHER.arn): Read({"BlockPublicAcls": True}),
        (ACCOUNT_BLOCK, ACCOUNT): Read(None),
    }
    for (fact, subject), read in reads.items():
        cache.once(fact, subject, read)
    return reads


def read_again(cache: ReadCache, reads: dict[tuple[str, str], Read]) -> dict[str, int]:
    """Ask for every fact again; which of them were read again (by fact@subject)."""
    before = {key: read.made for key, read in reads.items()}
    for (fact, subject), read in reads.items():
        cache.once(fact, subject, read)
    return {
        f"{fact}@{subject}": read.made - before[(fact, subject)]
        for (fact, subject), read in reads.items()
        if read.made > before[(fact, subject)]
    }


def test_a_fact_is_read_once_per_unit_of_work_and_a_new_unit_reads_afresh() -> None:
    read = Read({"TagSet": []})
    cache = ReadCache()
    answers = [cache.once("s3:GetBucketTagging", BUCKET.arn, read) for _ in range(3)]
    assert answers == [{"TagSet": []}] * 3
    assert (read.made, cache.made) == (1, 1)
    cache.once("s3:GetBucketTagging", OTHER.arn, read)  # another subject: a fact of its own
    cache.once("s3:GetBucketAcl", BUCKET.arn, read)  # another fact of the same subject
    assert read.made == 3
    ReadCache().once("s3:GetBucketTagging", BUCKET.arn, read)  # the next unit of work
    assert read.made == 4


@pytest.mark.parametrize(
    "failure",
    [AccessDenied("s3:GetBucketAcl", "arn:aws:iam::111122223333:role/R", "no"), ResourceGone("x")],
    ids=["denied", "gone"],
)
def test_a_denied_or_gone_answer_is_kept_as_an_answer(failure: Exception) -> None:
    read = Read(raises=failure)
    cache = ReadCache()
    for _ in range(2):
        with pytest.raises(type(failure)) as raised:
            cache.once(ACL, BUCKET.arn, read)
        assert raised.value is failure
    assert read.made == 1


def test_an_error_that_says_nothing_about_the_resource_is_not_kept() -> None:
    read = Read(raises=RuntimeError("throttled beyond the retries"))
    cache = ReadCache()
    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.once(ACL, BUCKET.arn, read)
    assert read.made == 2


def test_a_fact_a_listing_supplied_is_known_without_a_read() -> None:
    cache = ReadCache()
    cache.know("ec2:DescribeInstances", BUCKET.arn, {"InstanceId": "i-1"})
    read = Read({"InstanceId": "i-2"})
    assert cache.once("ec2:DescribeInstances", BUCKET.arn, read) == {"InstanceId": "i-1"}
    assert (read.made, cache.made) == (0, 0)


def test_a_fix_forgets_the_facts_it_declares_of_its_resource_and_its_account() -> None:
    cache = ReadCache()
    reads = known_facts(cache)
    cache.forget(BUCKET, (BLOCK,))
    assert read_again(cache, reads) == {f"{BLOCK}@{BUCKET.arn}": 1}
    account = ref("AwsAccount", ACCOUNT)
    cache.forget(account, (ACCOUNT_BLOCK,))  # the account's settings: a fact of the account
    assert read_again(cache, reads) == {f"{ACCOUNT_BLOCK}@{ACCOUNT}": 1}


def test_a_fix_that_declares_nothing_forgets_its_resource_and_its_account() -> None:
    cache = ReadCache()
    reads = known_facts(cache)
    cache.forget(BUCKET)
    assert read_again(cache, reads) == {
        f"{BLOCK}@{BUCKET.arn}": 1,
        f"{ACL}@{BUCKET.arn}": 1,
        f"{ACCOUNT_BLOCK}@{ACCOUNT}": 1,
    }  # the other bucket's settings are kept


def test_nothing_is_kept_for_a_fix_or_a_reader_run_on_its_own() -> None:
    read = Read({"TagSet": []})
    NO_CACHE.once("s3:GetBucketTagging", BUCKET.arn, read)
    NO_CACHE.know("s3:GetBucketTagging", BUCKET.arn, {"TagSet": [{"Key": "k", "Value": "v"}]})
    assert NO_CACHE.once("s3:GetBucketTagging", BUCKET.arn, read) == {"TagSet": []}
    assert read.made == 2


# ---------------------------------------------------------------- on moto's server


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


@pytest.fixture
def calls(sessions: Sessions) -> ApiCalls:
    counter = ApiCalls()
    sessions._base.events.register("before-call.*.*", counter)
    return counter


def in_unit(sessions: Sessions, target: ResourceRef, cache: ReadCache) -> MemberContext:
    """The read role's context within a unit of work, as the evaluator gives it."""
    return dataclasses.replace(member_context(sessions, target, READ), reads=cache)


def make_bucket(sessions: Sessions, account_id: str) -> ResourceRef:
    name = f"cached-{uuid.uuid4().hex[:10]}"
    s3 = sessions.client("s3", account_id=account_id, role_name="setup", region="us-east-1")
    s3.create_bucket(Bucket=name)
    return ref("AwsS3Bucket", name, account_id)


BUCKET_READERS = (
    "s3_bucket_access",
    "s3_bucket_block_public_access",
    "s3_bucket_encryption",
    "s3_bucket_tags",
)


def read_bucket(sessions: Sessions, target: ResourceRef, cache: ReadCache) -> dict[str, Any]:
    return {name: READERS[name].read(in_unit(sessions, target, cache)) for name in BUCKET_READERS}


def s3_reads(calls: ApiCalls) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in calls.calls:
        if call.startswith(("S3.Get", "S3 Control.Get")):
            counted[call] = counted.get(call, 0) + 1
    calls.calls.clear()
    return counted


def test_within_a_unit_of_work_the_rules_read_a_bucket_once_and_a_fix_forgets_its_part(
    sessions: Sessions, calls: ApiCalls, account_id: str
) -> None:
    target = make_bucket(sessions, account_id)
    calls.calls.clear()
    cache = ReadCache()

    first = read_bucket(sessions, target, cache)
    read_bucket(sessions, target, cache)  # the same rules again: every answer is known
    assert s3_reads(calls) == {
        "S3.GetPublicAccessBlock": 1,
        "S3 Control.GetPublicAccessBlock": 1,
        "S3.GetBucketPolicy": 1,
        "S3.GetBucketAcl": 1,
        "S3.GetBucketEncryption": 1,
        "S3.GetBucketTagging": 1,
    }

    encrypt = REMEDIATIONS["s3_enable_bucket_default_encryption"]
    encrypt.apply(member_context(sessions, target, FIX), first["s3_bucket_encryption"])
    cache.forget(target, encrypt.changes)
    after = read_bucket(sessions, target, cache)
    assert after["s3_bucket_encryption"].algorithm == "AES256"  # the changed part: read again
    assert s3_reads(calls) == {"S3.GetBucketEncryption": 1}  # the other parts: kept

    block = REMEDIATIONS["s3_block_bucket_public_access"]
    block.apply(member_context(sessions, target, FIX), first["s3_bucket_access"])
    cache.forget(target, block.changes)
    after = read_bucket(sessions, target, cache)
    assert after["s3_bucket_block_public_access"].bucket_block.fully_on
    # All four settings on: nothing else decides the verdict, so nothing else is read.
    assert s3_reads(calls) == {"S3.GetPublicAccessBlock": 1}

    cache.forget(target)  # a change that declares nothing: all of the bucket and its account
    read_bucket(sessions, target, cache)
    assert s3_reads(calls) == {
        "S3.GetPublicAccessBlock": 1,
        "S3.GetBucketEncryption": 1,
        "S3.GetBucketTagging": 1,
    }
    read_bucket(sessions, target, ReadCache())  # the next unit of work reads afresh
    assert s3_reads(calls) == {
        "S3.GetPublicAccessBlock": 1,
        "S3.GetBucketEncryption": 1,
        "S3.GetBucketTagging": 1,
    }


def test_a_fix_to_one_bucket_keeps_what_is_known_of_another(
    sessions: Sessions, calls: ApiCalls, account_id: str
) -> None:
    fixed, other = make_bucket(sessions, account_id), make_bucket(sessions, account_id)
    cache = ReadCache()
    for target in (fixed, other):
        read_bucket(sessions, target, cache)
    calls.calls.clear()
    cache.forget(fixed)
    read_bucket(sessions, other, cache)
    # The other bucket's facts are kept; the account's settings were forgotten with the fix.
    assert s3_reads(calls) == {"S3 Control.GetPublicAccessBlock": 1}


def test_outside_a_unit_of_work_every_read_is_made(
    sessions: Sessions, calls: ApiCalls, account_id: str
) -> None:
    target = make_bucket(sessions, account_id)
    calls.calls.clear()
    for _ in range(2):
        READERS["s3_bucket_tags"].read(member_context(sessions, target, READ))
    assert s3_reads(calls) == {"S3.GetBucketTagging": 2}


def test_a_gone_bucket_is_read_once_for_every_rule_that_judges_it(
    sessions: Sessions, calls: ApiCalls, account_id: str
) -> None:
    target = ref("AwsS3Bucket", f"never-made-{uuid.uuid4().hex[:10]}", account_id)
    cache = ReadCache()
    for name in ("s3_bucket_access", "s3_bucket_block_public_access"):
        with pytest.raises(ResourceGone):
            READERS[name].read(in_unit(sessions, target, cache))
    assert s3_reads(calls) == {"S3.GetPublicAccessBlock": 1}


def test_both_root_rules_read_the_account_summary_once(
    sessions: Sessions, calls: ApiCalls, account_id: str
) -> None:
    cache = ReadCache()
    account = ref("AwsAccount", account_id, account_id)
    for _rule in ("root_access_keys_absent", "root_mfa_enabled"):
        READERS["root_credentials"].read(in_unit(sessions, account, cache))
    assert calls.named("GetAccountSummary") == ["IAM.GetAccountSummary"]


# ---------------------------------------------------------------- declared changes


class RecordingCache(ReadCache):
    """A unit of work's cache that notes the name of every fact a reader asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.facts: set[str] = set()

    def once[T](self, fact: str, subject: str, read: Callable[[], T]) -> T:
        self.facts.add(fact)
        return super().once(fact, subject, read)


def guardduty(account_id: str, finding_type: str, resource: dict[str, Any]) -> GuardDutyDetail:
    event, _ = parse_event(json.dumps(guardduty_finding_event(account_id, finding_type, resource)))
    assert isinstance(event.detail, GuardDutyDetail)
    return event.detail


def role_session_of(sessions: Sessions, account_id: str) -> tuple[ResourceRef, Any]:
    """A role in moto and a GuardDuty finding about a session key of it (userType AssumedRole):
    the reader then reads the role and its session revocation policy."""
    iam = sessions.client("iam", account_id=account_id, role_name="setup", region="us-east-1")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    iam.create_role(RoleName="web-instance", AssumeRolePolicyDocument=trust)
    key_id = "ASIA4EXAMPLESESSIONKEY01"
    finding = guardduty(
        account_id,
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        access_key_resource(key_id, "web-instance", user_type="AssumedRole"),
    )
    return ref("AwsIamAccessKey", key_id, account_id), finding


def subject_of(
    sessions: Sessions, account_id: str, resource_type: str, rule_id: str
) -> tuple[ResourceRef, Any]:
    """A real resource of the type in moto, and the GuardDuty finding naming it for the threat
    rules, so the reader reads every fact it reads of a resource that exists."""
    threat_rule = rule_id.startswith("guardduty_")

    def client(service: str) -> Any:
        return sessions.client(
            service, account_id=account_id, role_name="setup", region="us-east-1"
        )

    if resource_type == "AwsAccount":
        return ref(resource_type, account_id, account_id), None
    if resource_type == "AwsS3Bucket":
        target = make_bucket(sessions, account_id)
        threat = "Policy:S3/BucketBlockPublicAccessDisabled"
        finding = guardduty(account_id, threat, bucket_resource(target.resource_id))
        return target, finding if threat_rule else None
    if resource_type == "AwsEc2Instance":
        answer = client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
        instance_id = answer["Instances"][0]["InstanceId"]
        finding = guardduty(account_id, "Trojan:EC2/DropPoint", instance_resource(instance_id))
        return ref(resource_type, instance_id, account_id), finding if threat_rule else None
    if resource_type == "AwsIamAccessKey":
        iam = client("iam")
        iam.create_user(UserName="ci-deploy")
        key_id = iam.create_access_key(UserName="ci-deploy")["AccessKey"]["AccessKeyId"]
        finding = guardduty(
            account_id,
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
            access_key_resource(key_id, "ci-deploy"),
        )
        return ref(resource_type, key_id, account_id), finding
    raise AssertionError(f"no {resource_type} to read for {rule_id}")


def test_every_fix_declares_only_facts_that_its_rules_readers_read(
    sessions: Sessions, account_id: str
) -> None:
    """A declared fact that no reader reads would forget nothing: the verification would judge
    what was read before the fix."""
    checked: set[str] = set()
    for rule in load_catalogue().rules.values():
        spec = rule.spec
        fixes = [
            REMEDIATIONS[name]
            for name in (spec.remediation, *spec.escalations)
            if name and REMEDIATIONS[name].changes
        ]
        if not fixes:
            continue
        cache = RecordingCache()
        subjects = [subject_of(sessions, account_id, spec.resource_type, spec.id)]
        if spec.resource_type == "AwsIamAccessKey":
            subjects.append(role_session_of(sessions, account_id))
        for target, payload in subjects:
            context = member_context(sessions, target, READ, payload)
            READERS[spec.reads].read(dataclasses.replace(context, reads=cache))
        for fix in fixes:
            assert set(fix.changes) <= cache.facts, (spec.id, fix.name, cache.facts)
            checked.add(fix.name)
    declaring = {name for name, fix in REMEDIATIONS.items() if fix.changes}
    assert checked == declaring  # every fix that declares changes was checked by a rule


def test_a_judgement_carries_the_time_of_the_oldest_fact_it_used() -> None:
    ticks = iter(datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=n) for n in range(100))
    cache = ReadCache(lambda: next(ticks))
    cache.mark()  # t0
    cache.once("s3:GetBucketPolicy", "arn:aws:s3:::b", lambda: "policy")  # read at t1
    assert cache.oldest() == datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    cache.mark()  # t2: a later rule answered from what was known reads nothing new
    cache.once("s3:GetBucketPolicy", "arn:aws:s3:::b", lambda: "never read")
    assert cache.oldest() == datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    cache.mark()  # t3: a rule that reads nothing is as recent as its mark
    assert cache.oldest() == datetime(2026, 12, 1, 0, 0, 3, tzinfo=UTC)
