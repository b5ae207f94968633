"""The auditor's questions as queries of the evidence table: which partitions answer a filter,
and the episodes they hold."""

from collections.abc import Iterable
from datetime import UTC, datetime

from orgwarden.audit.episodes import Episode, EpisodeFilter, from_item, merge
from orgwarden.aws.evidence_store import EvidenceStore, Partition, Progress
from orgwarden.model import evidence_items as items
from orgwarden.model.evidence_items import months_between

# Above this many accounts, the per-rule index is cheaper than one query per account and month.
ACCOUNT_QUERY_LIMIT = 10


def find_episodes(
    store: EvidenceStore,
    wanted: EpisodeFilter,
    rule_ids: Iterable[str],
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[Episode]:
    """Every episode of non-compliance that overlaps the filter's time range and matches it.

    Transitions are read from the filter's start up to now, not only to its end: a closing
    item names its opening, so an episode that started before the range or ended after it
    is still found; open episodes that started earlier come from the state items.
    """
    now = now or datetime.now(UTC)
    plan = query_plan(wanted, list(rule_ids), now)
    found = store.query_all(plan, progress)
    episodes = [e for batch in found for i in batch if (e := from_item(i))]
    return [e for e in merge(episodes) if wanted.matches(e)]


def query_plan(wanted: EpisodeFilter, rule_ids: list[str], now: datetime) -> list[Partition]:
    """The queries that answer a filter: per account when it names a few, else per rule."""
    start = items.stamp(wanted.start)
    months = months_between(wanted.start, max(now, wanted.end))
    if wanted.accounts and len(wanted.accounts) <= ACCOUNT_QUERY_LIMIT:
        parts = []
        for account in sorted(wanted.accounts):
            parts += [
                Partition(
                    items.BY_ACCOUNT_INDEX,
                    items.account_partition(account, month),
                    sk_from=start,
                    only_with="transition",
                )
                for month in months
            ]
            parts.append(
                Partition(
                    items.BY_ACCOUNT_INDEX,
                    items.state_partition(account),
                    only_with="opening",
                )
            )
        return parts
    parts = []
    for rule in rule_ids:
        for shard in range(items.RULE_SHARDS):
            parts += [
                Partition(
                    items.BY_RULE_INDEX,
                    items.rule_partition(rule, month, shard),
                    sk_from=start,
                )
                for month in months
            ]
            parts.append(
                Partition(
                    items.BY_RULE_INDEX,
                    items.open_partition(rule, shard),
                    sk_to=items.stamp(wanted.end) + "~",
                )
            )
    return parts
