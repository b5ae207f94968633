"""Bad input, generated: real fixtures with fields dropped, retyped, renamed, blown up or cut.

Whatever arrives, the intake either accepts an event whose every identifier has AWS's format,
or rejects it with a reason. It never raises anything else, and never calls a broken event
compliant. (No AWS here: this is everything that runs before the first API call.)
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgwarden.engine.evaluator import RejectedEvent, parse_event, resource_ref
from policies import load_catalogue
from tests.conftest import EVENTS

FIXTURES = sorted(EVENTS.rglob("*.json"))
CATALOGUE = load_catalogue()


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def parent_of(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


hostile = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=40),
    st.text(alphabet="\u202e\u0000\U0001f600é../\\*?", max_size=20),
    st.just("x" * 100_000),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    fixture: Path = draw(st.sampled_from(FIXTURES))
    document = json.loads(fixture.read_text())
    how = draw(st.sampled_from(["drop", "retype", "rename", "detail-type", "truncate", "as-is"]))
    if how == "truncate":
        text = json.dumps(document)
        return text[: draw(st.integers(min_value=0, max_value=len(text) - 1))]
    if how == "detail-type":
        document["detail-type"] = draw(hostile)
        return json.dumps(document)
    if how == "as-is":
        return json.dumps(document)
    path = draw(st.sampled_from(paths(document)))
    parent = parent_of(document, path)
    if how == "drop":
        del parent[path[-1]]
    elif how == "retype":
        parent[path[-1]] = draw(hostile)
    elif isinstance(parent, dict):  # a producer renamed the field
        parent[f"{path[-1]}_v2"] = parent.pop(path[-1])
    return json.dumps(document, default=str)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=mutated())
def test_intake_accepts_with_valid_identifiers_or_rejects_with_a_reason(body: str) -> None:
    reason = ""
    try:
        event, raw = parse_event(body)
        for match in CATALOGUE.matches(event, raw["detail"]):
            ref = resource_ref(match.rule, match.resource_id, match.account_id, match.region)
            assert ref.resource_id  # validated against the type's format by ResourceRef
    except RejectedEvent as rejection:
        reason = str(rejection) or "<empty>"
    assert reason != "<empty>", "a rejection must say why"


def test_every_fixture_is_accepted_as_sent() -> None:
    for fixture in FIXTURES:
        event, raw = parse_event(fixture.read_text())
        # A service acting for root (`invokedBy`) is deliberately routed nowhere.
        assert CATALOGUE.matches(event, raw["detail"]) or "invokedBy" in fixture.name


def rejection_of(body: str) -> str | None:
    """None when the intake accepts the body, else why it was rejected; anything else raises."""
    try:
        event, raw = parse_event(body)
        for match in CATALOGUE.matches(event, raw["detail"]):
            resource_ref(match.rule, match.resource_id, match.account_id, match.region)
    except RejectedEvent as rejection:
        return str(rejection)
    return None


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_field_of_every_fixture_retyped_routes_or_rejects_with_a_reason(
    fixture: Path,
) -> None:
    """The exhaustive counterpart of the fuzz test above for what trips routing: each field of
    each fixture's detail in turn given a number, a boolean, an object and a list. A
    route's expression once called contains() on a number and raised out of routing."""
    original = json.loads(fixture.read_text())
    for path in paths(original["detail"]):
        for value in (0, 1.5, True, {"a": 1}, ["x", 2]):
            document = copy.deepcopy(original)
            parent_of(document["detail"], path)[path[-1]] = value
            reason = rejection_of(json.dumps(document))
            assert reason != "", f"{path} = {value!r}: a rejection must say why"
