"""The pure core's data: events we accept, resources we evaluate, verdicts and evidence.

Nothing in this package performs I/O or imports boto3.
"""
