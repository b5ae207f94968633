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

Each fact keeps the time it was read, so a verdict can carry the time of the oldest read it
judged (`mark` before judging, `oldest` after): evidence records are ordered by that time, and a
verdict from a read made before another worker's fix never outranks that fix's verification.

After a fix, the facts it declares (`Remediation.changes`) are forgotten for its resource and
its account; a fix that declares none makes everything known about both stale. The
verification, and any rule after it, then reads them again. Fixes themselves read afresh
(`NO_CACHE`): what they are about to change is never taken from what was read before.
"""

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any

from orgwarden.aws.errors import AccessDenied, ResourceGone
from orgwarden.model.resources import ResourceRef

# The outcomes of a read that stand for the resource's state, so they are kept like answers.
KEPT_FAILURES = (AccessDenied, ResourceGone)


class ReadCache:
    """Facts read in one unit of work, by (fact, subject): e.g. ("s3:GetBucketTagging", ARN)."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._known: dict[tuple[str, str], tuple[bool, Any, datetime]] = {}
        self.made = 0  # reads made (not answered from what was known): for tests and metrics
        self.clock = clock
        self._marked: datetime | None = None
        self._oldest: datetime | None = None

    def mark(self) -> None:
        """Start timing a judgement: `oldest` then answers for the facts used from here on."""
        self._marked, self._oldest = self.clock(), None

    def oldest(self) -> datetime:
        """When the oldest fact used since `mark` was read (the mark's time if none was)."""
        found = self._oldest or self._marked
        return found if found is not None else self.clock()

    def _used(self, at: datetime) -> None:
        if self._oldest is None or at < self._oldest:
            self._oldest = at

    def once[T](self, fact: str, subject: str, read: Callable[[], T]) -> T:
        """The fact's value, read at most once per unit of work; a denied or gone answer is
        kept too, and raised again."""
        key = (fact, subject)
        if key in self._known:
            failed, value, at = self._known[key]
            self._used(at)
            if failed:
                raise value
            answer: T = value
            return answer
        self.made += 1
        at = self.clock()  # before the call: the state it answers is at least this recent
        self._used(at)
        try:
            answer = read()
        except KEPT_FAILURES as error:
            self._known[key] = (True, error, at)
            raise
        self._known[key] = (False, answer, at)
        return answer

    def know(self, fact: str, subject: str, value: Any) -> None:
        """A fact learnt without a read of its own (from a listing's page)."""
        self._known[(fact, subject)] = (False, value, self.clock())

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

    def mark(self) -> None:
        return None

    def know(self, fact: str, subject: str, value: Any) -> None:
        return None


NO_CACHE: ReadCache = _NoCache()
