"""What a partner id, source, file name, transfer id, case reference and handling code may be.

Several of these become path components on the platform (`landing/<source>/<transfer_id>/<name>`)
or key file names at the partner, so each is checked against a narrow pattern before use, on
both sides: sealing refuses what opening would refuse, and opening trusts nothing it reads.
"""

import re
import secrets
import unicodedata

from analysis.transfer.errors import TransferError

_PARTNER = re.compile(r"\A[a-z][a-z0-9-]{1,31}\Z")
_SOURCE = re.compile(r"\A[a-z][a-z0-9_]{0,63}\Z")
_TRANSFER = re.compile(r"\A\d{8}T\d{6}Z-[0-9a-f]{32}\Z")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_KEY_ID = re.compile(r"\A[0-9a-f]{16}\Z")
MAX_NAME_BYTES = 200
MAX_CASE_REF = 120

# SIENA-style handling codes: conditions the sending partner sets on the use of its data.
HANDLING = {
    "H0": "use only to prevent and combat crime (the platform's purpose)",
    "H1": "not to be used as evidence in judicial proceedings without the sender's permission",
    "H2": "not to be passed on beyond the platform without the sender's permission",
}
DEFAULT_HANDLING = "H0"


def check_partner_id(value: object) -> str:
    if not isinstance(value, str) or not _PARTNER.match(value):
        raise TransferError(
            f"partner id {str(value)[:40]!r} must be 2-32 of a-z, 0-9 and '-', starting "
            "with a letter (e.g. igpr, dna)"
        )
    return value


def check_source(value: object) -> str:
    if not isinstance(value, str) or not _SOURCE.match(value):
        raise TransferError(
            f"source {str(value)[:40]!r} must be 1-64 of a-z, 0-9 and '_', starting with a "
            "letter (e.g. police_cases)"
        )
    return value


def check_file_name(value: object) -> str:
    """A plain base name: no folders, no '..', no hidden or control characters."""
    if not isinstance(value, str):
        raise TransferError("a file name is not a string")
    problem = None
    if value in ("", ".", "..") or value.startswith("."):
        problem = "is empty or hidden"
    elif "/" in value or "\\" in value:
        problem = "has a folder in it; only base names are allowed"
    elif any(unicodedata.category(ch).startswith("C") for ch in value):
        problem = "has control characters"
    elif len(value.encode("utf-8")) > MAX_NAME_BYTES:
        problem = f"is longer than {MAX_NAME_BYTES} bytes"
    elif unicodedata.normalize("NFC", value) != value:
        problem = "is not in Unicode NFC form"
    if problem:
        raise TransferError(f"file name {value[:60]!r} {problem}")
    return value


def check_case_ref(value: object) -> str | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_CASE_REF
        or not value.isprintable()
    ):
        raise TransferError(
            f"case reference must be printable text of at most {MAX_CASE_REF} characters"
        )
    return value


def check_handling(value: object) -> str:
    if value not in HANDLING:
        codes = ", ".join(HANDLING)
        raise TransferError(f"handling code {str(value)[:10]!r} is not one of {codes}")
    return value  # type: ignore[return-value]


def new_transfer_id(created: str) -> str:
    """Sortable by time (from `created`, 2026-11-29T10:15:00Z) and 128 random bits."""
    stamp = created.replace("-", "").replace(":", "")
    return f"{stamp}-{secrets.token_hex(16)}"


def check_transfer_id(value: object) -> str:
    if not isinstance(value, str) or not _TRANSFER.match(value):
        raise TransferError(f"transfer id {str(value)[:60]!r} is malformed")
    return value


def check_sha256(value: object) -> str:
    if not isinstance(value, str) or not _HEX64.match(value):
        raise TransferError(f"{str(value)[:70]!r} is not a sha256 in lowercase hex")
    return value


def check_key_id(value: object) -> str:
    if not isinstance(value, str) or not _KEY_ID.match(value):
        raise TransferError(f"{str(value)[:30]!r} is not a key id (16 lowercase hex digits)")
    return value
