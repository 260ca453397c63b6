"""The two ways a transfer can fail, kept apart because they call for different responses.

A `Refused` package failed verification: it may be forged, altered, replayed or simply not for
us. It is set aside with its reason and nothing of it lands; the CLI exits 4. A `TransferError`
is a problem on our side (a missing key, a bad option): the operator fixes it and retries.
"""


class TransferError(Exception):
    """Something the operator can fix (a missing key file, an unknown partner, bad options)."""


# What kind of check failed: a fixed word for the audit log and for monitoring. The reason
# itself (one line, for the steward) may quote names from the package, so it stays beside the
# refused package and out of the audit log.
CODES = (
    "damaged",  # not a package, truncated, bytes added or removed
    "malformed",  # the manifest breaks the format (bad names, sizes, fields)
    "signer",  # unknown, revoked or expired signing key, or not the partner's
    "signature",  # the signature does not verify: altered
    "source",  # the partner may not send this source (the registry's sources)
    "recipient",  # for another platform, or sealed to a retired receive key
    "window",  # expired, or created in the future
    "replay",  # seen before, or an older sequence number
    "content",  # a chunk fails authentication, a hash differs, a stream is cut or extended
    "receipt",  # a receipt that does not verify
)


class Refused(Exception):
    """A package or receipt failed verification. `reason` is one line, safe to print."""

    def __init__(self, reason: str, code: str = "damaged") -> None:
        if code not in CODES:
            raise ValueError(f"unknown refusal code {code!r}")
        self.reason, self.code = one_line(reason), code
        super().__init__(self.reason)


def one_line(text: str, limit: int = 300) -> str:
    """Reasons may quote values from a hostile package: no newlines or control characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
