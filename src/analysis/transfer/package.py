"""The package format: one file a steward can move by SFTP or any drop box.

    offset 0        MAGIC (8 bytes, b"NOCTAPK1")
    8               the encrypted files, back to back, in manifest order; each is a
                    secretstream header (24 bytes) then chunks of at most chunk_size + 17 bytes
    end - 80 - L    the manifest: canonical JSON, L bytes (L <= 1 MiB)
    end - 80        Ed25519 signature (64 bytes) over SIGNING_CONTEXT + manifest
    end - 16        L as an unsigned 64-bit big-endian integer, then END (b"NOCTAEND")

The manifest sits at the end so sealing is one streaming pass (its hashes are known only once
the files are written) and opening can read and check it before touching any ciphertext. Its
fields are listed in `Manifest`; everything the platform relies on is in it, so the signature
covers the sender, the sequence number, the time window, the recipients, the content key sealed
to each, and the size and sha256 of every file before and after encryption. The encrypted files
must fill the space between MAGIC and the manifest exactly: no gap, no extra bytes.
"""

import struct
from dataclasses import dataclass
from typing import BinaryIO

from analysis.transfer import names
from analysis.transfer.encoding import canonical_json, parse_canonical, parse_time
from analysis.transfer.errors import Refused, TransferError

MAGIC = b"NOCTAPK1"
END = b"NOCTAEND"
FORMAT = "nocta-transfer"
VERSION = 1
SIGNING_CONTEXT = b"nocta-transfer manifest v1\0"
SIGNATURE_BYTES = 64
FOOTER = struct.Struct(">Q8s")
MAX_MANIFEST = 1 << 20
MAX_FILES = 1000
CHUNK_SIZE = 1 << 20
MIN_CHUNK, MAX_CHUNK = 1 << 12, 1 << 22  # bounds the memory a (signed) manifest can ask for
MAX_INT = (1 << 63) - 1  # SQLite's INTEGER
STREAM_HEADER, CHUNK_OVERHEAD = 24, 17


@dataclass(frozen=True)
class FileEntry:
    index: int
    name: str
    size: int
    sha256: str
    ciphertext_size: int
    ciphertext_sha256: str


@dataclass(frozen=True)
class Manifest:
    transfer_id: str
    partner: str
    key_id: str  # of the partner's signing key
    sequence: int  # per partner, rising by one with each package
    created: str
    expires: str
    recipient: str  # the platform id (key id of its identity key)
    sealed_keys: dict[str, str]  # platform receive key id -> content key sealed to it (hex)
    source: str
    case_ref: str | None
    handling: str
    chunk_size: int
    files: tuple[FileEntry, ...]

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "transfer_id": self.transfer_id,
            "sender": {"partner": self.partner, "key_id": self.key_id},
            "sequence": self.sequence,
            "created": self.created,
            "expires": self.expires,
            "recipient": {"platform": self.recipient, "sealed_keys": self.sealed_keys},
            "source": self.source,
            "case_ref": self.case_ref,
            "handling": self.handling,
            "chunk_size": self.chunk_size,
            "files": [vars(f) for f in self.files],
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())


def ciphertext_size(size: int, chunk_size: int) -> int:
    """Bytes of one encrypted file: header, then one tagged chunk per chunk_size (at least one)."""
    chunks = max(1, -(-size // chunk_size))
    return STREAM_HEADER + size + chunks * CHUNK_OVERHEAD


def signer_of(manifest_bytes: bytes) -> tuple[str, str]:
    """(partner, key id) named by a manifest not yet verified, to find the key to verify it."""
    try:
        sender = parse_canonical(manifest_bytes)["sender"]
        return names.check_partner_id(sender["partner"]), names.check_key_id(sender["key_id"])
    except (ValueError, KeyError, TypeError, TransferError) as exc:
        raise Refused(f"the manifest is malformed ({exc})", code="malformed") from None


def parse_manifest(manifest_bytes: bytes) -> Manifest:
    """Every field of a (signature-verified) manifest, checked; Refused names the first bad one."""
    try:
        m = parse_canonical(manifest_bytes)
        if (m.get("format"), m.get("version")) != (FORMAT, VERSION):
            raise TransferError(f"unsupported format {m.get('format')!r} v{m.get('version')!r}")
        expected = {"format", "version", "transfer_id", "sender", "sequence", "created"}
        expected |= {"expires", "recipient", "source", "case_ref", "handling", "chunk_size"}
        if set(m) != expected | {"files"}:
            raise TransferError(f"unexpected fields {sorted(set(m) ^ (expected | {'files'}))}")
        chunk_size, sequence = _int(m["chunk_size"]), _int(m["sequence"])
        if not MIN_CHUNK <= chunk_size <= MAX_CHUNK or sequence < 1:
            raise TransferError("chunk size or sequence number out of range")
        sealed = m["recipient"]["sealed_keys"]
        if not isinstance(sealed, dict) or not sealed or len(sealed) > 8:
            raise TransferError("no sealed content key")
        for kid, box in sealed.items():
            names.check_key_id(kid)
            if not isinstance(box, str) or len(bytes.fromhex(box)) != 80:
                raise TransferError("a sealed content key is malformed")
        files = tuple(_file_entry(i, f, chunk_size) for i, f in enumerate(m["files"]))
        if not 1 <= len(files) <= MAX_FILES:
            raise TransferError(f"a package holds 1 to {MAX_FILES} files")
        if len({f.name.casefold() for f in files}) != len(files):
            raise TransferError("two files have the same name")
        parse_time(m["created"]), parse_time(m["expires"])
        return Manifest(
            transfer_id=names.check_transfer_id(m["transfer_id"]),
            partner=names.check_partner_id(m["sender"]["partner"]),
            key_id=names.check_key_id(m["sender"]["key_id"]),
            sequence=sequence,
            created=m["created"],
            expires=m["expires"],
            recipient=names.check_key_id(m["recipient"]["platform"]),
            sealed_keys=dict(sealed),
            source=names.check_source(m["source"]),
            case_ref=names.check_case_ref(m["case_ref"]),
            handling=names.check_handling(m["handling"]),
            chunk_size=chunk_size,
            files=files,
        )
    except (ValueError, KeyError, TypeError, AttributeError, TransferError) as exc:
        raise Refused(f"the manifest is malformed: {exc}", code="malformed") from None


def _int(value: object) -> int:
    if type(value) is not int or not 0 <= value <= MAX_INT:
        raise TransferError(f"{str(value)[:20]!r} is not an integer in range")
    return value


def _file_entry(index: int, f: dict, chunk_size: int) -> FileEntry:
    if set(f) != {"index", "name", "size", "sha256", "ciphertext_size", "ciphertext_sha256"}:
        raise TransferError(f"file {index} has unexpected fields")
    entry = FileEntry(
        index=_int(f["index"]),
        name=names.check_file_name(f["name"]),
        size=_int(f["size"]),
        sha256=names.check_sha256(f["sha256"]),
        ciphertext_size=_int(f["ciphertext_size"]),
        ciphertext_sha256=names.check_sha256(f["ciphertext_sha256"]),
    )
    if entry.index != index or entry.size < 0:
        raise TransferError(f"file {index} has a wrong index or size")
    if entry.ciphertext_size != ciphertext_size(entry.size, chunk_size):
        raise TransferError(f"file {index}: ciphertext size does not match its plaintext size")
    return entry


def read_trailer(f: BinaryIO, total: int) -> tuple[bytes, bytes]:
    """(manifest bytes, signature) from the end of an open package of `total` bytes."""
    if total < len(MAGIC) + SIGNATURE_BYTES + FOOTER.size:
        raise Refused(
            f"the package is too short ({total} bytes) to be a nocta package", code="damaged"
        )
    f.seek(0)
    if f.read(len(MAGIC)) != MAGIC:
        raise Refused("not a nocta package (wrong magic bytes at the start)", code="damaged")
    f.seek(total - FOOTER.size)
    length, end = FOOTER.unpack(f.read(FOOTER.size))
    if end != END:
        raise Refused(
            "the package is truncated or has trailing data (no end marker)", code="damaged"
        )
    room = total - len(MAGIC) - SIGNATURE_BYTES - FOOTER.size
    if not 2 <= length <= min(MAX_MANIFEST, room):
        raise Refused(f"the manifest length ({length} bytes) is impossible", code="damaged")
    f.seek(total - FOOTER.size - SIGNATURE_BYTES - length)
    manifest = f.read(length)
    signature = f.read(SIGNATURE_BYTES)
    return manifest, signature


def write_trailer(f: BinaryIO, manifest: bytes, signature: bytes) -> None:
    if len(manifest) > MAX_MANIFEST:
        raise TransferError("the manifest is too large (too many files?)")
    f.write(manifest)
    f.write(signature)
    f.write(FOOTER.pack(len(manifest), END))


def streams_size(total: int, manifest: bytes) -> int:
    """Bytes between MAGIC and the manifest: where the encrypted files must be."""
    return total - len(MAGIC) - len(manifest) - SIGNATURE_BYTES - FOOTER.size
