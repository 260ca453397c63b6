"""Canonical JSON and timestamps: one byte string per signed document, so signatures are stable.

Whatever is signed (manifests, receipts, the platform's key bundle) is serialised one way only:
sorted keys, no spaces, UTF-8, no floats. When reading, duplicate keys, floats, NaN and any
non-canonical spelling are refused, so a signed document has exactly one meaning.
"""

import datetime as dt
import hashlib
import json
import re

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")


def canonical_json(value: object) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key in JSON object")
    return dict(pairs)


def _no_floats(text: str) -> object:
    raise ValueError(f"number {text} is not an integer")


def parse_canonical(data: bytes) -> dict:
    """The JSON object in `data`, which must be in canonical form; ValueError otherwise."""
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_no_floats,
            parse_constant=_no_floats,
        )
    except RecursionError:  # "[[[[…" from anyone who can drop a file: not a crash
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    if canonical_json(value) != data:
        raise ValueError("not in canonical form")
    return value


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_time(text: object) -> dt.datetime:
    """A UTC time as written by `format_time`; ValueError for anything else."""
    if not isinstance(text, str) or not _TIME.match(text):
        raise ValueError(f"{str(text)[:40]!r} is not a UTC time like 2026-11-29T10:15:00Z")
    return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=dt.UTC)


def key_id(public_key: bytes) -> str:
    """The short name of a public key: the first 16 hex digits of its sha256."""
    return hashlib.sha256(public_key).hexdigest()[:16]
