"""Everything that must hold before a package's contents are trusted, in a fixed order.

1. The signature, first, before anything is decrypted: the signing key must be pinned in the
   partner registry for the partner the manifest names, and not revoked.
2. The manifest's fields (names, sizes, hashes), the key's validity, the source (one the
   partner may send, in the registry), the recipient (this
   platform), the time window, and the replay ledger.
3. The encrypted files must fill the package exactly, and the content key must unseal with
   one of the platform's active receive keys.
Only then does open.py decrypt, checking every chunk and every hash as it streams.
"""

import datetime as dt
from dataclasses import dataclass
from typing import BinaryIO

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import SealedBox
from nacl.signing import VerifyKey

from analysis.transfer.encoding import parse_time
from analysis.transfer.errors import Refused
from analysis.transfer.ledger import Ledger
from analysis.transfer.package import (
    SIGNING_CONTEXT,
    Manifest,
    parse_manifest,
    read_trailer,
    signer_of,
    streams_size,
)
from analysis.transfer.platform import PlatformKeys
from analysis.transfer.registry import Registry

CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Verified:
    manifest: Manifest
    signature: bytes
    content_key: bytes
    alerts: list[str]


def verify_package(
    f: BinaryIO,
    total: int,
    registry: Registry,
    platform: PlatformKeys,
    ledger: Ledger,
    now: dt.datetime,
    progress: dict,
) -> Verified:
    """Check an open package of `total` bytes; Refused says why not. `progress` learns the
    verified manifest as soon as the signature holds, for the audit record of a refusal."""
    manifest_bytes, signature = read_trailer(f, total)
    partner, key_id = signer_of(manifest_bytes)
    entry = registry.find(key_id)
    if entry is None:
        raise Refused(
            f"unknown signer: key {key_id} (claimed by {partner}) is not registered", code="signer"
        )
    if entry.partner != partner:
        raise Refused(f"key {key_id} belongs to {entry.partner}, not to {partner}", code="signer")
    if entry.revoked:
        raise Refused(
            f"signing key {key_id} of {partner} was revoked on {entry.revoked}", code="signer"
        )
    try:
        pinned = VerifyKey(bytes.fromhex(entry.public_key))
        pinned.verify(SIGNING_CONTEXT + manifest_bytes, signature)
    except BadSignatureError:
        raise Refused(
            f"the signature does not verify with {partner}'s pinned key {key_id}: "
            "the manifest was altered or not signed by that key",
            code="signature",
        ) from None
    manifest = parse_manifest(manifest_bytes)
    progress["manifest"] = manifest

    created, expires = parse_time(manifest.created), parse_time(manifest.expires)
    problem = entry.problem_at(now)  # `created` is the signer's claim: it proves nothing here
    if problem:
        raise Refused(problem, code="signer")
    if manifest.source not in entry.allowed_sources():
        allowed = ", ".join(entry.allowed_sources()) or "no source yet"
        raise Refused(
            f"{partner} may not send {manifest.source} (its registered sources: {allowed})",
            code="source",
        )
    if manifest.recipient != platform.platform_id:
        raise Refused(
            f"the package is for platform {manifest.recipient}, not for this one "
            f"({platform.platform_id})",
            code="recipient",
        )
    if created > now + CLOCK_SKEW:
        raise Refused(f"the package was created in the future ({manifest.created})", code="window")
    if expires < now:
        raise Refused(f"the package expired on {manifest.expires}", code="window")
    if not created < expires <= created + MAX_WINDOW:
        raise Refused(
            f"the validity window is not between 0 and {MAX_WINDOW.days} days", code="window"
        )
    alerts = ledger.check(manifest)

    listed = sum(file.ciphertext_size for file in manifest.files)
    held = streams_size(total, manifest_bytes)
    if held != listed:
        raise Refused(
            f"the package holds {held} bytes of encrypted files but its manifest lists {listed}:"
            " a file was added, removed or cut short",
            code="damaged",
        )
    return Verified(manifest, signature, _unseal(manifest, platform), alerts)


def _unseal(manifest: Manifest, platform: PlatformKeys) -> bytes:
    usable = sorted(set(manifest.sealed_keys) & set(platform.receive))
    if not usable:
        raise Refused(
            f"the content key is sealed to platform keys {', '.join(sorted(manifest.sealed_keys))}"
            f", none of them active here ({', '.join(sorted(platform.receive))}): sealed for "
            "another recipient or to a retired key",
            code="recipient",
        )
    for kid in usable:
        try:
            key = SealedBox(platform.receive[kid]).decrypt(bytes.fromhex(manifest.sealed_keys[kid]))
        except CryptoError:
            continue
        if len(key) == 32:
            return key
    raise Refused(
        "the content key does not unseal with this platform's receive key", code="recipient"
    )
