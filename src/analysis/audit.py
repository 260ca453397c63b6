"""The append-only, hash-chained, keyed audit log that data protection law asks for.

Directive (EU) 2016/680 art. 25 and Law 363/2018 require logs of collection, alteration,
consultation, disclosure, combination and erasure. Records hold ids and counts, never personal
data. Three things make the log tamper-evident:

- each JSON Lines record carries the sha256 of the previous line (`prev`): an edited, removed
  or reordered line breaks the chain at the line after it;
- each record carries a MAC (HMAC-SHA256 under a key kept with the other secrets, under
  NOCTA_KEYS, never beside the log): a record appended or rewritten by someone without the
  key (with a correct `prev`) does not verify;
- the number of records and the hash of the last one (the head) are anchored outside the log:
  in a keyed head file beside the key, rewritten at every append, and in whatever cites the
  log (snapshot manifests; run records and release manifests may too, through `head()`), so
  records removed from the end, or the whole log deleted, are detected.

A torn last line (an append interrupted by a crash or a full disk) is detected by `verify` and
set aside by the next append, which chains to the last complete record: it never breaks the
log for good. Records written before the log was keyed (no MAC) still chain; once a keyed
record is written, every later one must be keyed.
"""

import datetime as dt
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

OPERATIONS = ("collection", "alteration", "consultation", "disclosure", "combination", "erasure")
GENESIS = "0" * 64
KEY_FILE = "audit.key"
HEAD_FILE = "audit.head"


def _digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _payload(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != "mac"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _mac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _last_line(f: BinaryIO, step: int = 1 << 16) -> bytes | None:
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
            return line.removesuffix(b"\r")
    return None


def _record(line: bytes) -> dict | None:
    """The record on a line, or None when the line is not one (bad UTF-8, not a JSON object)."""
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


@dataclass(frozen=True)
class Anchor:
    """The head of the log as something outside it cites it: `records` records, the last of
    which hashes to `sha256`; `where` names the citing file for the report."""

    records: int
    sha256: str
    where: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    first_bad_line: int | None = None
    reason: str | None = None
    unkeyed: int = 0  # records written before the log was keyed


class AuditLog:
    """One log file; appends are serialised with an exclusive lock, so processes can share it.

    `keys` is the secrets folder holding the MAC key and the head file: by default NOCTA_KEYS,
    else the `keys/` folder of the data root the log is in (`<root>/audit/audit.jsonl`), else
    the log's own folder.
    """

    def __init__(self, path: Path, keys: Path | None = None) -> None:
        self.path = path
        if keys is None:
            env = os.environ.get("NOCTA_KEYS")
            if env:
                keys = Path(env)
            elif path.parent.name == "audit":
                keys = path.parent.parent / "keys"
            else:
                keys = path.parent
        self.keys = keys

    # the key and the head anchor ------------------------------------------------------------
    @property
    def key_path(self) -> Path:
        return self.keys / KEY_FILE

    @property
    def head_path(self) -> Path:
        return self.keys / HEAD_FILE

    def _key(self, create: bool) -> bytes | None:
        try:
            return bytes.fromhex(self.key_path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            if not create:
                return None
        except ValueError:
            raise AuditKeyError(f"{self.key_path} is not an audit key (64 hex digits)") from None
        self.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = secrets.token_bytes(32)
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by a concurrent first append
            return self._key(create=False)
        with os.fdopen(fd, "w") as f:
            f.write(secret.hex() + "\n")
        return secret

    def _write_head(self, key: bytes, records: int, sha256: str) -> None:
        body = {"records": records, "sha256": sha256}
        text = json.dumps(body | {"mac": _mac(key, json.dumps(body).encode())}) + "\n"
        tmp = self.head_path.with_name(f".{HEAD_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, self.head_path)

    def _read_head(self, key: bytes | None) -> Anchor | str | None:
        """The head file's anchor, None when there is none, or why it cannot be believed."""
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            body = {"records": int(head["records"]), "sha256": str(head["sha256"])}
            mac = str(head["mac"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return f"the head file {self.head_path} is damaged"
        if key is None:
            return f"the audit key {self.key_path} is missing: nothing in the log can be checked"
        if not hmac.compare_digest(mac, _mac(key, json.dumps(body).encode())):
            return f"the head file {self.head_path} does not verify with the audit key (forged?)"
        return Anchor(body["records"], body["sha256"], str(self.head_path))

    def head(self) -> dict:
        """`{"records": n, "sha256": h}`: the log's head now, for a manifest or run record to
        cite, so `verify` can later prove no record up to it was removed."""
        if not self.path.exists():
            return {"records": 0, "sha256": GENESIS}
        with self.path.open("rb") as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            records, last = self._count(f)
        return {"records": records, "sha256": _digest(last) if last else GENESIS}

    def _count(self, f: BinaryIO) -> tuple[int, bytes | None]:
        """Records in the log and its last line: from the last record's `seq` (one read from
        the end), or by counting lines in a log written before records were numbered."""
        last = _last_line(f)
        if last is None:
            return 0, None
        record = _record(last)
        if record is not None and isinstance(record.get("seq"), int):
            return record["seq"], last
        f.seek(0)
        return sum(1 for line in f if line.strip()), last

    # appending ------------------------------------------------------------------------------
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
        """Add one record chained to the last and keyed; returns the record written."""
        if operation not in OPERATIONS:
            known = ", ".join(OPERATIONS)
            raise ValueError(f"unknown audit operation {operation!r}; one of {known}")
        key = self._key(create=False)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o640)
        with os.fdopen(fd, "r+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            self._mend_torn_tail(f)
            records, last = self._count(f)
            if key is None:
                if last is not None and "mac" in (_record(last) or {}):
                    raise AuditKeyError(
                        f"the audit key {self.key_path} is missing but {self.path} is keyed: "
                        "restore the key from its backup (a new key would void the log's MACs)"
                    )
                key = self._key(create=True)
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
                "seq": records + 1,
            }
            record["mac"] = _mac(key, _payload(record))
            line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
            f.write(line + b"\n")
            f.flush()
            os.fsync(f.fileno())
            self._write_head(key, records + 1, _digest(line))
        return record

    def _mend_torn_tail(self, f: BinaryIO) -> None:
        """A last line without its newline: a record whole but for it gets it back; a torn one
        is moved to `<log>.torn-<time>` (kept for the investigation) and cut from the log."""
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        start = max(0, size - (1 << 20))
        f.seek(start)
        chunk = f.read()
        cut = chunk.rfind(b"\n")
        if cut < 0 and start > 0:
            raise AuditKeyError(f"{self.path}: the last line is longer than 1 MiB")
        begin = start + cut + 1
        tail = chunk[cut + 1 :]
        if _record(tail.removesuffix(b"\r")) is not None:
            f.write(b"\n")
            return
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.torn-{stamp}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
        with os.fdopen(fd, "wb") as out:
            out.write(tail)
        f.truncate(begin)
        f.seek(0, os.SEEK_END)

    # verifying ------------------------------------------------------------------------------
    def verify(self, anchors: Iterable[Anchor] = ()) -> Verification:
        """Walk the chain and check every MAC, then every anchor (the head file's, and those
        given: manifests citing the log). The first problem is reported: a broken link first
        (an edited line shows on the next one), then a record that does not verify."""
        key = self._key(create=False)
        head = self._read_head(key)
        if isinstance(head, str):
            return Verification(False, 0, None, head)
        wanted = sorted([*anchors, *([head] if head else [])], key=lambda a: a.records)
        if not self.path.exists():
            cited = [a for a in wanted if a.records > 0]
            if cited:
                last = cited[-1]
                return Verification(
                    False,
                    0,
                    None,
                    f"the log is missing, but {last.where} cites {last.records} records: "
                    "it was deleted or moved",
                )
            return Verification(ok=True, records=0)
        return self._walk(key, wanted)

    def _walk(self, key: bytes | None, anchors: list[Anchor]) -> Verification:
        prev, count, unkeyed, keyed = GENESIS, 0, 0, False
        unverified: tuple[int, str] | None = None  # first record whose MAC fails
        hashes: dict[int, str] = {}
        cited = {a.records for a in anchors}
        with self.path.open("rb") as f:
            for number, raw in enumerate(f, start=1):
                line = raw.removesuffix(b"\n").removesuffix(b"\r")
                record = _record(line)
                if record is None:
                    torn = not raw.endswith(b"\n")
                    why = (
                        "is torn (an append was interrupted): the next append sets it aside"
                        if torn
                        else "is not a JSON record"
                    )
                    return Verification(False, count, number, why, unkeyed)
                if record.get("prev") != prev:
                    return Verification(
                        False,
                        count,
                        number,
                        "does not follow the record before it (edited, removed or reordered)",
                        unkeyed,
                    )
                mac = record.get("mac")
                if mac is None and not keyed:
                    unkeyed += 1
                elif unverified is None and (
                    key is None
                    or not isinstance(mac, str)
                    or not hmac.compare_digest(mac, _mac(key, _payload(record)))
                ):
                    why = (
                        f"is keyed but the audit key {self.key_path} is missing"
                        if key is None
                        else "does not verify with the audit key (forged or rewritten)"
                    )
                    unverified = (number, why)
                keyed = keyed or mac is not None
                prev = _digest(line)
                count += 1
                if count in cited:
                    hashes[count] = prev
        if unverified is not None:
            return Verification(False, count, unverified[0], unverified[1], unkeyed)
        for anchor in anchors:
            if anchor.records > count:
                return Verification(
                    False,
                    count,
                    None,
                    f"the log ends at record {count}, but {anchor.where} cites record "
                    f"{anchor.records}: records were removed from its end",
                    unkeyed,
                )
            if anchor.records and hashes.get(anchor.records) != anchor.sha256:
                return Verification(
                    False,
                    count,
                    anchor.records,
                    f"record {anchor.records} is not the one {anchor.where} cites "
                    "(rewritten or replaced)",
                    unkeyed,
                )
        return Verification(True, count, unkeyed=unkeyed)


class AuditKeyError(RuntimeError):
    """The audit key or the log's end cannot be used: the message names the file."""
