"""What exists in a member account and region, listed for the periodic sweep.

One collector per listed resource type (ASFF), made from the type's registry entry, listing with
the service's paginator, as the read role.
A listing that describes its resources (DescribeInstances, DescribeVolumes, DescribeDBInstances)
hands over what it says about each, so the rules' reads of the same facts cost no call; a
listing of names only (ListBuckets, ListFunctions, ListTables) leaves the reads to the rules.
A part of a listing (too many resources for one task) is described again by its resources'
identifiers, in one call where the service allows it. Listing errors are translated like
reads: denied means NOT_AVAILABLE, never an empty account.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from orgwarden.aws.errors import translated
from orgwarden.aws.sessions import Sessions
from orgwarden.model.resource_types import RESOURCE_TYPES, Listing, ResourceType


@dataclass(frozen=True)
class Listed:
    """One resource as a listing reported it."""

    resource_id: str
    # Where it lives, when the listing says and it may differ from the listing's region
    # (ListBuckets names every bucket's region); None: the listing's region.
    region: str | None = None
    # What the listing already says about it, by fact (the readers' names for them).
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Collector:
    """Lists one resource type as its registry entry's `Listing` describes."""

    resource_type: str
    listing: Listing
    # The fact a describing listing's items are kept as (the type's `described_by`).
    described_by: str | None = None

    @classmethod
    def of(cls, entry: ResourceType) -> "Collector":
        if entry.listing is None:
            raise ValueError(f"{entry.name} is not listed")
        return cls(entry.name, entry.listing, entry.described_by)

    @property
    def service(self) -> str:
        return self.listing.service

    @property
    def permissions(self) -> tuple[str, ...]:
        return (self.listing.permission,)

    @property
    def part_size(self) -> int:
        return self.listing.part_size

    @property
    def home_region_only(self) -> bool:
        return self.listing.home_region_only

    def collect(
        self, sessions: Sessions, *, account_id: str, region: str, role_name: str
    ) -> Iterator[Listed]:
        """Every resource of the type in the account and region, page by page."""
        listing = self.listing
        request: dict[str, Any] = {}
        if listing.filters:
            request["Filters"] = [
                {"Name": f.name, "Values": list(f.values)} for f in listing.filters
            ]
        if listing.page_size:
            request["PaginationConfig"] = {"PageSize": listing.page_size}
        principal = sessions.role_arn(account_id, role_name)
        with translated(listing.permission, principal):
            client = sessions.client(
                listing.service, account_id=account_id, role_name=role_name, region=region
            )
            yield from self._listed(client, request)

    def collect_named(
        self,
        sessions: Sessions,
        *,
        account_id: str,
        region: str,
        role_name: str,
        ids: Sequence[str],
    ) -> dict[str, Listed]:
        """What a listing would say about these resources (nothing, for a names-only type).
        One that no longer exists is left out: the rules' own reads then find it gone."""
        listing = self.listing
        if listing.named_filter is None or not ids:
            return {}
        # A filter, not the ids themselves: an id gone since the listing is left out instead
        # of failing the call. No other filter: an instance terminated since is judged as such.
        request = {"Filters": [{"Name": listing.named_filter, "Values": list(ids)}]}
        principal = sessions.role_arn(account_id, role_name)
        with translated(listing.permission, principal):
            client = sessions.client(
                listing.service, account_id=account_id, role_name=role_name, region=region
            )
            return {listed.resource_id: listed for listed in self._listed(client, request)}

    def _listed(self, client: Any, request: dict[str, Any]) -> Iterator[Listed]:
        listing = self.listing
        for page in client.get_paginator(listing.operation).paginate(**request):
            for item in _items(page, listing.items):
                resource_id = item if listing.id_field is None else item[listing.id_field]
                region = item.get(listing.region_field) if listing.region_field else None
                facts = {self.described_by: item} if listing.describes and self.described_by else {}
                yield Listed(resource_id, region=region, facts=facts)


def _items(page: dict[str, Any], path: Sequence[str]) -> list[Any]:
    """The items at `path` in a page, each step a list (Reservations, then their Instances)."""
    items: list[Any] = [page]
    for key in path:
        items = [item for parent in items for item in parent.get(key, [])]
    return items


COLLECTORS: dict[str, Collector] = {
    name: Collector.of(entry) for name, entry in RESOURCE_TYPES.items() if entry.listing
}
# The account itself (account-wide settings) is one resource per account and region: no call.
ACCOUNT = "AwsAccount"
