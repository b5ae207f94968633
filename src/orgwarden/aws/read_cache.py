"""The facts read in one unit of work (a sweep task or one event), each read once for every rule
that judges it, and the one rule for what a fix makes stale.

Several rules read the same fact: a bucket's Block Public Access settings decide both
`s3_bucket_public_access` and `s3_bucket_block_public_access`, its tags decide the tag rule and
every rule's exemption check, and one DescribeInstances answer holds everything the instance
rules need; an event about a new bucket triggers four rules. A fact is keyed by its name (the
API action that reads it, e.g. "s3:GetBucketTagging") and its subject (the resource's ARN, or
the account id for an account-wide setting such as S3's Block Public Access); every reader asks
for its facts through `MemberContext.once`. A listing can supply facts before any read
(DescribeInstances pages carry the instances' metadata options and tags). A unit of work is in
one region, so an account's regional settings are keyed by the account's ARN.

After a fix, the facts it declares (`Remediation.changes`) are forgotten for its resource and
its account; a fix that declares none makes everything known about both stale. The
verification, and any rule after it, then reads them again. Fixes themselves read afresh
(`NO_CACHE`): what they are about to change is never taken from what was read before.
"""

from collections.abc import Callable, Collection
from typing import Any

from orgwarden.aws.errors import AccessDenied, ResourceGone
from orgwarden.model.resources import ResourceRef

# The outcomes of a read that stand for the resource's state, so they are kept like answers.
KEPT_FAILURES = (AccessDenied, ResourceGone)


class ReadCache:
    """Facts read in one unit of work, by (fact, subject): e.g. ("s3:GetBucketTagging", ARN)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[bool, Any]] = {}
        self.made = 0  # reads made (not answered from what was known): for tests and metrics

    def once[T](self, fact: str, subject: str, read: Callable[[], T]) -> T:
        """The fact's value, read at most once per unit of work; a denied or gone answer is
        kept too, and raised again."""
        key = (fact, subject)
        if key in self._known:
            failed, value = self._known[key]
            if failed:
                raise value
            answer: T = value
            return answer
        self.made += 1
        try:
            answer = read()
        except KEPT_FAILURES as error:
            self._known[key] = (True, error)
            raise
        self._known[key] = (False, answer)
        return answer

    def know(self, fact: str, subject: str, value: Any) -> None:
        """A fact learnt without a read of its own (from a listing's page)."""
        self._known[(fact, subject)] = (False, value)

    def forget(self, ref: ResourceRef, facts: Collection[str] = ()) -> None:
        """What a change to `ref` made stale: the named facts of the resource and of its
        account, or every fact about either when none is named."""
        subjects = (ref.arn, ref.account_id)
        for key in [
            key for key in self._known if key[1] in subjects and (not facts or key[0] in facts)
        ]:
            del self._known[key]


class _NoCache(ReadCache):
    """Every read is made and nothing is kept: what a fix reads, and a reader run on its own."""

    def once[T](self, fact: str, subject: str, read: Callable[[], T]) -> T:
        return read()

    def know(self, fact: str, subject: str, value: Any) -> None:
        return None


NO_CACHE: ReadCache = _NoCache()
