"""Which management events a trail records, from GetEventSelectors' answer, on the CloudTrail
API reference's definitions (EventSelector, AdvancedEventSelector, AdvancedFieldSelector)."""

import pytest

from orgwarden.model.guards import management_events

BOTH = {"read", "write"}


@pytest.mark.parametrize(
    ("answer", "recorded"),
    [
        # EventSelector: "By default, trails created without specific event selectors will be
        # configured to log all read and write management events, and no data events."
        ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}, BOTH),
        # ReadWriteType "By default, the value is All"; IncludeManagementEvents "By default, the
        # value is true".
        ({"EventSelectors": [{"DataResources": []}]}, BOTH),
        ({"EventSelectors": [{"ReadWriteType": "WriteOnly"}]}, {"write"}),
        ({"EventSelectors": [{"ReadWriteType": "ReadOnly"}]}, {"read"}),
        # "For each trail, if the event matches any event selector, the trail processes and logs
        # the event": the selectors add up.
        (
            {"EventSelectors": [{"ReadWriteType": "ReadOnly"}, {"ReadWriteType": "WriteOnly"}]},
            BOTH,
        ),
        # Data events only.
        (
            {
                "EventSelectors": [
                    {
                        "ReadWriteType": "All",
                        "IncludeManagementEvents": False,
                        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                    }
                ]
            },
            set(),
        ),
        # No selector at all: nothing matches, nothing is logged.
        ({"EventSelectors": [], "AdvancedEventSelectors": []}, set()),
        # AdvancedFieldSelector: eventCategory Management; readOnly "true" or "false".
        (
            {
                "AdvancedEventSelectors": [
                    {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
                ]
            },
            BOTH,
        ),
        (
            {
                "AdvancedEventSelectors": [
                    {
                        "Name": "Log writes only",
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Management"]},
                            {"Field": "readOnly", "Equals": ["false"]},
                        ],
                    }
                ]
            },
            {"write"},
        ),
        (
            {
                "AdvancedEventSelectors": [
                    {
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                        ]
                    }
                ]
            },
            set(),
        ),
    ],
)
def test_management_events_recorded(answer: dict[str, object], recorded: set[str]) -> None:
    assert management_events(answer) == frozenset(recorded)
