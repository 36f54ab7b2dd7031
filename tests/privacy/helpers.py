"""Helpers of the de-identification tests."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

SECRET = b"synthetic-test-secret-0123456789abcdef"
OTHER_SECRET = b"another-synthetic-secret-fedcba9876543210"
#: 100 clients x 11 sessions = 1,100 session records (plus 100 client records).
CLIENTS = 100

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


def strings(data: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every string in JSON-ready data, with its path."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from strings(item, f"{path}[{i}]")
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from strings(v, f"{path}.{k}")


def parse_when(value: str) -> dt.date | dt.datetime | None:
    """A date or date-time written in ISO form, else None."""
    if ISO_DATETIME.match(value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if ISO_DATE.match(value):
        return dt.date.fromisoformat(value)
    return None


def paired_dates(original: Any, output: Any, path: str = "$") -> Iterator[tuple[str, str, str]]:
    """(path, original, output) for every ISO date string kept at the same place in the output."""
    if isinstance(original, str) and isinstance(output, str):
        if parse_when(original) is not None:
            yield path, original, output
    elif isinstance(original, list) and isinstance(output, list):
        assert len(original) == len(output), path
        for i, (a, b) in enumerate(zip(original, output, strict=True)):
            yield from paired_dates(a, b, f"{path}[{i}]")
    elif isinstance(original, dict) and isinstance(output, dict):
        for k, v in original.items():
            if k in output:
                yield from paired_dates(v, output[k], f"{path}.{k}")


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}
