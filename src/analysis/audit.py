"""The append-only, hash-chained audit log that data protection law asks for.

Directive (EU) 2016/680 art. 25 and Law 363/2018 require logs of collection, alteration,
consultation, disclosure, combination and erasure. Each JSON Lines record carries the sha256 of
the previous record, so an edited, removed or reordered line breaks the chain at that line.
Records hold ids and counts, never personal data.
"""

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

OPERATIONS = ("collection", "alteration", "consultation", "disclosure", "combination", "erasure")
GENESIS = "0" * 64


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _last_line(f: BinaryIO, step: int = 1 << 16) -> str | None:
    """The last non-blank line, read backwards from the end: an append costs the same on a log
    of ten records or of millions (the portal appends one per page a reader consults). A line
    ends at \n or \r\n, as `verify` reads it (a log saved by a Windows editor still chains)."""
    pos = f.seek(0, os.SEEK_END)
    tail = b""
    while pos > 0:
        size = min(step, pos)
        pos -= size
        f.seek(pos)
        tail = f.read(size) + tail
        body = tail.rstrip()
        start = body.rfind(b"\n")
        if body and (start >= 0 or pos == 0):
            end = tail.find(b"\n", len(body))
            line = tail[start + 1 : end if end >= 0 else len(tail)]
            return line.removesuffix(b"\r").decode("utf-8")
    return None


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    first_bad_line: int | None = None
    reason: str | None = None


class AuditLog:
    """One log file; appends are serialised with an exclusive lock, so processes can share it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(
        self,
        operation: str,
        dataset: str,
        outcome: str,
        purpose: str,
        snapshot_ids: list[str] | None = None,
        actor: str | None = None,
        **details: object,
    ) -> dict:
        """Add one record chained to the last; returns the record written."""
        if operation not in OPERATIONS:
            known = ", ".join(OPERATIONS)
            raise ValueError(f"unknown audit operation {operation!r}; one of {known}")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        with os.fdopen(fd, "r+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            last = _last_line(f)
            record = {
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
                "actor": actor or os.environ.get("NOCTA_ACTOR") or getpass.getuser(),
                "operation": operation,
                "dataset": dataset,
                "snapshot_ids": snapshot_ids or [],
                "purpose": purpose,
                "outcome": outcome,
                "details": details,
                "prev": _digest(last) if last else GENESIS,
            }
            f.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode())
            f.flush()
            os.fsync(f.fileno())
        return record

    def verify(self) -> Verification:
        """Walk the chain; the first line whose `prev` is not the hash of the line before is bad."""
        if not self.path.exists():
            return Verification(ok=True, records=0)
        prev = GENESIS
        count = 0
        with self.path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                text = line.rstrip("\n")
                try:
                    record = json.loads(text)
                except json.JSONDecodeError:
                    return Verification(False, count, number, "not a JSON record")
                if record.get("prev") != prev:
                    return Verification(
                        False,
                        count,
                        number,
                        "does not follow the record before it (edited, removed or reordered)",
                    )
                prev = _digest(text)
                count += 1
        return Verification(ok=True, records=count)
