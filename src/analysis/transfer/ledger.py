"""The replay ledger: every package opened, so none is accepted twice or out of order.

A package is refused if its transfer id was seen before, or if its sequence number is not
above the last one opened from the same signing key (each partner station counts on its own
key). A number that skips ahead is accepted with an alert: the missing packages were sealed
but never opened, which a steward should look into. The signed manifest is kept with each
entry, so the ledger also proves, later, who sent what.

SQLite (stdlib), with a UNIQUE transfer id and a UNIQUE (key, sequence): the check and the
insert happen in one write transaction around the move into landing, so two processes opening
copies of the same package cannot both succeed.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from analysis.transfer.errors import Refused
from analysis.transfer.package import Manifest, parse_manifest

SCHEMA = """
CREATE TABLE IF NOT EXISTS transfers (
    transfer_id TEXT PRIMARY KEY,
    partner     TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    sequence    INTEGER NOT NULL,
    source      TEXT NOT NULL,
    created     TEXT NOT NULL,
    opened      TEXT NOT NULL,
    landing     TEXT NOT NULL,  -- relative to the data root
    manifest    BLOB NOT NULL,
    signature   BLOB NOT NULL,
    UNIQUE (key_id, sequence)
);
CREATE TABLE IF NOT EXISTS ingested (
    transfer_id TEXT NOT NULL REFERENCES transfers (transfer_id),
    file        TEXT NOT NULL,
    outcome     TEXT NOT NULL,  -- published, reused, rejected, unreadable
    finished    TEXT NOT NULL,
    PRIMARY KEY (transfer_id, file)
);
CREATE TABLE IF NOT EXISTS sequence_resets (
    key_id  TEXT NOT NULL,
    floor   INTEGER NOT NULL,  -- sequence numbers above it, opened before, no longer count
    since   INTEGER NOT NULL,  -- the last transfers rowid at the reset
    reset   TEXT NOT NULL
)
"""


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        connection.execute("PRAGMA synchronous = FULL")
        connection.executescript(SCHEMA)
        return connection

    def check(self, manifest: Manifest) -> list[str]:
        """Refuse a replay or an older sequence number; return alerts (gaps) otherwise."""
        with closing(self._connect()) as connection:
            return _check(connection, manifest)

    @contextmanager
    def recording(
        self, manifest: Manifest, signature: bytes, landing: Path, opened: str
    ) -> Iterator[list[str]]:
        """Hold the ledger while the caller lands the files; the entry commits only if it does."""
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                alerts = _check(connection, manifest)
                connection.execute(
                    "INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        manifest.transfer_id,
                        manifest.partner,
                        manifest.key_id,
                        manifest.sequence,
                        manifest.source,
                        manifest.created,
                        opened,
                        str(landing),
                        manifest.to_bytes(),
                        signature,
                    ),
                )
                yield alerts
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def last_sequence(self, key_id: str) -> int | None:
        with closing(self._connect()) as connection:
            return _last(connection, key_id)

    def unfinished(self) -> list[tuple[Manifest, Path]]:
        """The landed packages with a file not yet ingested (its outcome not recorded), in the
        order they were opened, with their landing folder (relative to the data root): a run
        stopped between opening and ingesting leaves them, and the next run finishes them."""
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT manifest, landing FROM transfers ORDER BY rowid"
            ).fetchall()
            done = set(connection.execute("SELECT transfer_id, file FROM ingested").fetchall())
        pending = []
        for blob, landing in rows:
            manifest = parse_manifest(bytes(blob))
            if any((manifest.transfer_id, e.name) not in done for e in manifest.files):
                pending.append((manifest, Path(landing)))
        return pending

    def finish(self, transfer_id: str, file: str, outcome: str, when: str) -> None:
        """Record that a landed file was ingested (or refused by ingest for good)."""
        with closing(self._connect()) as connection:
            connection.execute(
                "INSERT OR REPLACE INTO ingested VALUES (?, ?, ?, ?)",
                (transfer_id, file, outcome, when),
            )

    def is_finished(self, transfer_id: str, file: str) -> bool:
        with closing(self._connect()) as connection:
            return bool(
                connection.execute(
                    "SELECT 1 FROM ingested WHERE transfer_id = ? AND file = ?", (transfer_id, file)
                ).fetchone()
            )

    def reset_sequence(self, key_id: str, floor: int, when: str) -> int | None:
        """Forget the sequence numbers above `floor` opened so far from `key_id` (a package
        numbered near the maximum would lock the key out for good); returns the last number
        before the reset. The transfers themselves stay in the ledger."""
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                before = _last(connection, key_id)
                since = connection.execute("SELECT MAX(rowid) FROM transfers").fetchone()[0]
                connection.execute(
                    "INSERT INTO sequence_resets VALUES (?, ?, ?, ?)",
                    (key_id, floor, since or 0, when),
                )
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        return before

    def transfer_ids(self) -> list[str]:
        with closing(self._connect()) as connection:
            return [row[0] for row in connection.execute("SELECT transfer_id FROM transfers")]


def _last(connection: sqlite3.Connection, key_id: str) -> int | None:
    """The last sequence number opened from a key; after a reset, numbers above its floor
    opened before it are forgotten (the reset's floor counts as the last)."""
    reset = connection.execute(
        "SELECT floor, since FROM sequence_resets WHERE key_id = ? ORDER BY rowid DESC LIMIT 1",
        (key_id,),
    ).fetchone()
    if reset is None:
        query, args = "SELECT MAX(sequence) FROM transfers WHERE key_id = ?", (key_id,)
    else:
        query = (
            "SELECT MAX(sequence) FROM transfers WHERE key_id = ? AND (sequence <= ? OR rowid > ?)"
        )
        args = (key_id, *reset)
    last = connection.execute(query, args).fetchone()[0]
    if reset is not None and reset[0] > 0:
        last = max(last or 0, reset[0])
    return last


def _check(connection: sqlite3.Connection, manifest: Manifest) -> list[str]:
    seen = connection.execute(
        "SELECT opened FROM transfers WHERE transfer_id = ?", (manifest.transfer_id,)
    ).fetchone()
    if seen:
        raise Refused(
            f"replay: transfer {manifest.transfer_id} was already opened on {seen[0]}",
            code="replay",
        )
    last = _last(connection, manifest.key_id)
    if last is not None and manifest.sequence <= last:
        raise Refused(
            f"sequence number {manifest.sequence} from {manifest.partner} (key "
            f"{manifest.key_id}) is not after the last one opened ({last}): replayed or "
            "out of order",
            code="replay",
        )
    taken = connection.execute(
        "SELECT 1 FROM transfers WHERE key_id = ? AND sequence = ?",
        (manifest.key_id, manifest.sequence),
    ).fetchone()
    if taken:  # possible after a reset: a number opened before it comes round again
        raise Refused(
            f"sequence number {manifest.sequence} from {manifest.partner} (key "
            f"{manifest.key_id}) was already used by a package opened earlier",
            code="replay",
        )
    expected = 1 if last is None else last + 1
    if manifest.sequence != expected:
        return [
            f"sequence gap from {manifest.partner} (key {manifest.key_id}): expected "
            f"{expected}, got {manifest.sequence}; packages {expected}..{manifest.sequence - 1} "
            "were sealed but never opened here"
        ]
    return []
