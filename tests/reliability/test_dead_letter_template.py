"""The template gives the evaluator what it needs to park messages with a reason."""

from typing import Any

from orgwarden_harness.simulation import load_template

RESOURCES: dict[str, Any] = load_template()["Resources"]
FUNCTION = RESOURCES["EvaluatorFunction"]["Properties"]


def test_the_evaluator_parks_on_the_receive_the_queue_would_redrive_after() -> None:
    env = FUNCTION["Environment"]["Variables"]
    redrive = RESOURCES["EvaluationQueue"]["Properties"]["RedrivePolicy"]
    assert int(env["ORGWARDEN_MAX_RECEIVE_COUNT"]) == redrive["maxReceiveCount"]
    assert env["ORGWARDEN_DEAD_LETTER_QUEUE_URL"] == {"Ref": "EvaluationDLQ"}  # Ref is its URL
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["EvaluationDLQ", "Arn"]}


def test_the_evaluator_may_send_only_to_its_dead_letter_queue_and_its_own_queue() -> None:
    statements = [s for policy in FUNCTION["Policies"] for s in policy.get("Statement", [])]
    sends = [s for s in statements if "sqs:SendMessage" in str(s["Action"])]
    assert sorted(sends, key=lambda s: s["Sid"]) == [
        {
            "Sid": "DeadLetterWithReason",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["EvaluationDLQ", "Arn"]},
        },
        # Sweep tasks queue the tasks they expand into, and the parts of long listings.
        {
            "Sid": "QueueSweepTasks",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["EvaluationQueue", "Arn"]},
        },
    ]
