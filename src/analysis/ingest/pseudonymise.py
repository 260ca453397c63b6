"""Keyed pseudonyms for CNPs: the same person gets the same pseudonym in every source.

HMAC-SHA256 under a secret key kept outside the data folders (NOCTA_KEYS): without the key a
pseudonym cannot be reversed by hashing all possible CNPs, which a plain hash would allow.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "pseudonym.key"


def load_or_create_key(keys_dir: Path) -> bytes:
    """The pseudonymisation key; created (mode 600) the first time the platform ingests."""
    path = keys_dir / KEY_FILE
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def pseudonym(key: bytes, cnp: str) -> str:
    """`P` + 16 hex digits of HMAC-SHA256(key, CNP): stable, short, not reversible without key."""
    return "P" + hmac.new(key, cnp.encode("ascii"), hashlib.sha256).hexdigest()[:16]
