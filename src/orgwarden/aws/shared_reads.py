"""One read per (resource, fact) within a sweep task, shared by every rule that judges it.

Several rules read the same fact: a bucket's Block Public Access settings decide both
`s3_bucket_public_access` and `s3_bucket_block_public_access`, its tags decide the tag rule and
every rule's exemption check, and one DescribeInstances answer holds everything the instance
rules need. A sweep task reads each fact once and hands the answer (or the AccessDenied /
ResourceGone it raised) to every rule after it; a listing can supply facts before any read
(DescribeInstances pages carry the instances' metadata options and tags).

The event path shares nothing (`NO_SHARING`): an event's evaluation reads fresh state. After a
fix what was known about the resource and its account is forgotten, so the verification (and
any rule after it) reads them again.
"""

from collections.abc import Callable
from typing import Any

from orgwarden.aws.errors import AccessDenied, ResourceGone

# The outcomes of a read that stand for the resource's state, so they are shared like answers.
SHARED_FAILURES = (AccessDenied, ResourceGone)


class SharedReads:
    """Facts read in one sweep task, by (fact, subject): e.g. ("s3:GetBucketTagging", ARN)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[bool, Any]] = {}
        self.reads = 0  # reads made (not answered from what was known): for tests and metrics

    def once[T](self, fact: str, subject: str, read: Callable[[], T]) -> T:
        """The fact's value, read at most once per task; a denied or gone answer is kept too."""
        key = (fact, subject)
        if key in self._known:
            failed, value = self._known[key]
            if failed:
                raise value
            answer: T = value
            return answer
        self.reads += 1
        try:
            answer = read()
        except SHARED_FAILURES as error:
            self._known[key] = (True, error)
            raise
        self._known[key] = (False, answer)
        return answer

    def know(self, fact: str, subject: str, value: Any) -> None:
        """A fact learnt without a read of its own (from a listing's page)."""
        self._known[(fact, subject)] = (False, value)

    def forget(self, *subjects: str) -> None:
        """What is known about these subjects may be stale (a fix changed them): read again."""
        for key in [key for key in self._known if key[1] in subjects]:
            del self._known[key]


class _NoSharing(SharedReads):
    """Every read is made (the event path): nothing is kept."""

    def once[T](self, fact: str, subject: str, read: Callable[[], T]) -> T:
        return read()

    def know(self, fact: str, subject: str, value: Any) -> None:
        return None


NO_SHARING: SharedReads = _NoSharing()
