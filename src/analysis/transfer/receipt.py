"""Signed receipts: the platform's proof to a partner that a package arrived whole.

A receipt names the package by the sha256 of its signed manifest (which fixes every file's
hashes), lists what landed, and is signed with the platform's identity key. The partner checks
it with the public bundle it seals to (`nocta transfer verify-receipt`), and, given the package
it sent, that the receipt is for that very package.
"""

import hashlib
import json
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey

from analysis.fsutil import atomic_write_bytes
from analysis.transfer.encoding import canonical_json, parse_canonical
from analysis.transfer.errors import Refused, TransferError
from analysis.transfer.package import Manifest, read_trailer
from analysis.transfer.platform import read_bundle

FORMAT = "nocta-receipt"
SIGNING_CONTEXT = b"nocta-transfer receipt v1\0"


def receipt_body(manifest: Manifest, received: str, platform_id: str) -> dict:
    return {
        "format": FORMAT,
        "version": 1,
        "platform": platform_id,
        "transfer_id": manifest.transfer_id,
        "partner": manifest.partner,
        "sender_key_id": manifest.key_id,
        "sequence": manifest.sequence,
        "manifest_sha256": hashlib.sha256(manifest.to_bytes()).hexdigest(),
        "source": manifest.source,
        "handling": manifest.handling,
        "received": received,
        "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in manifest.files],
        "outcome": "accepted",
    }


def write_receipt(path: Path, body: dict, signing: SigningKey) -> Path:
    signature = signing.sign(SIGNING_CONTEXT + canonical_json(body)).signature
    document = {"receipt": body, "signature": signature.hex()}
    atomic_write_bytes(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
    path.chmod(0o644)
    return path


def verify_receipt(receipt: Path, platform_pub: Path, package: Path | None = None) -> dict:
    """The receipt's content, if the platform signed it (and it is for `package`)."""
    bundle = read_bundle(platform_pub)
    try:
        document = json.loads(receipt.read_text(encoding="utf-8"))
        body, signature = document["receipt"], bytes.fromhex(document["signature"])
        signed = canonical_json(body)
        parse_canonical(signed)  # no floats or odd values that would sign ambiguously
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Refused(f"{receipt.name} is not a nocta receipt ({exc})", code="receipt") from None
    if body.get("format") != FORMAT or body.get("platform") != bundle.platform_id:
        raise Refused(
            f"{receipt.name} is not a receipt from platform {bundle.platform_id}", code="receipt"
        )
    try:
        bundle.verify_key.verify(SIGNING_CONTEXT + signed, signature)
    except (BadSignatureError, ValueError):
        raise Refused(
            f"{receipt.name}: the platform's signature does not verify", code="receipt"
        ) from None
    if package is not None:
        try:
            with package.open("rb") as f:
                manifest, _ = read_trailer(f, package.stat().st_size)
        except OSError as exc:
            raise TransferError(f"cannot read {package}: {exc.strerror}") from None
        if hashlib.sha256(manifest).hexdigest() != body.get("manifest_sha256"):
            raise Refused(f"{receipt.name} is not a receipt for {package.name}", code="receipt")
    return body
