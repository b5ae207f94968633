"""Writes the evidence archive's objects to S3 (the layout is `orgwarden.engine.archive`'s)."""

from typing import Any


class EvidenceArchive:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def write(self, objects: dict[str, str]) -> None:
        for key, body in objects.items():
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body.encode(),
                ContentType="application/x-ndjson",
                # Object Lock buckets refuse a put without an integrity checksum.
                ChecksumAlgorithm="SHA256",
            )
