"""Adapters: the only code in orgwarden that imports boto3.

Every AWS error that decides a verdict is translated here into one of the exceptions in
`orgwarden.aws.errors`; anything else propagates so the batch reports the item as failed.
"""
