"""Transfer: sealed packages from partner institutions to the platform (issue 4).

A partner's steward seals an extract into one package (seal.py) that only the platform can
read, signed with the partner's pinned key; the platform verifies and opens it (verify.py,
open.py) into landing/, refusing anything forged, altered, truncated, reordered, replayed
(ledger.py) or not meant for it, and signs a receipt (receipt.py). The format is in package.py,
the keys in keys.py, platform.py and registry.py, the paths in state.py. Each package opened, or
refused once its sender is authenticated, is answered with a feedback package sealed to that
partner (feedback.py) and counted in the data-quality record (quality.py). PyNaCl (libsodium)
does all the cryptography: Ed25519, X25519 sealed boxes, XChaCha20-Poly1305 secretstream.

transfer/ imports neither ingest/ nor the analysis modules (ARCHITECTURE.md); the CLI ties an
opened package to ingest.
"""

from analysis.transfer.errors import Refused, TransferError
from analysis.transfer.inbox import receive_inbox
from analysis.transfer.open import Outcome, open_package
from analysis.transfer.seal import seal_package

__all__ = ["Outcome", "Refused", "TransferError", "open_package", "receive_inbox", "seal_package"]
