"""The platform's own keys: an Ed25519 identity that signs receipts, and X25519 receive keys.

Two receive keys are active at a time, `current` and `next`, and partners seal every package to
both. Rotation promotes `next` to `current`, makes a new `next` and destroys the old `current`
private key, so a package sealed with a partner's stale copy of the public file still opens
after one rotation, and one sealed only to a retired key never opens again.

Partners seal to `platform.pub`: a JSON bundle of the identity key and both receive keys,
signed by the identity key. Its `platform` id (the identity key's key id) is what a steward
checks out of band, once, when the platform sends the file.

Layout under `<keys>/platform/`: signing.key, receive-current.key, receive-next.key (mode 600),
platform.pub.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from analysis.fsutil import fsync_dir
from analysis.transfer.encoding import canonical_json, format_time, key_id, utc_now
from analysis.transfer.errors import TransferError
from analysis.transfer.keys import RECEIVE_SECRET, SIGNING_SECRET, read_private, write_private

BUNDLE = "platform.pub"
BUNDLE_FORMAT = "nocta-platform-keys"
ROLES = ("current", "next")


@dataclass(frozen=True)
class PlatformKeys:
    """The private keys, as the platform holds them."""

    signing: SigningKey
    receive: dict[str, PrivateKey]  # key id -> private key, for `current` and `next`

    @property
    def platform_id(self) -> str:
        return key_id(bytes(self.signing.verify_key))


@dataclass(frozen=True)
class PlatformBundle:
    """The public keys, as a partner reads them from platform.pub."""

    platform_id: str
    verify_key: VerifyKey
    receive: dict[str, PublicKey]  # key id -> public key


def _path(folder: Path, role: str) -> Path:
    return folder / f"receive-{role}.key"


def init_platform(folder: Path) -> Path:
    """Create the identity and both receive keys; return the public bundle's path."""
    if (folder / "signing.key").exists():
        raise TransferError(
            f"platform keys already exist in {folder}; use `nocta keys rotate --platform`"
        )
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the keys folder itself
    write_private(folder / "signing.key", SIGNING_SECRET, bytes(SigningKey.generate()))
    for role in ROLES:
        write_private(_path(folder, role), RECEIVE_SECRET, bytes(PrivateKey.generate()))
    return write_bundle(folder)


def rotate_platform(folder: Path) -> Path:
    """`next` becomes `current`, a new `next` is made; the old `current` is destroyed."""
    load_platform(folder)  # refuse to rotate a half-made or unreadable set
    fresh = folder / "receive-new.key"
    fresh.unlink(missing_ok=True)  # left by a rotation that stopped half-way
    write_private(fresh, RECEIVE_SECRET, bytes(PrivateKey.generate()))
    if _path(folder, "next").exists():
        os.replace(_path(folder, "next"), _path(folder, "current"))
    os.replace(fresh, _path(folder, "next"))
    fsync_dir(folder)
    return write_bundle(folder)


def load_platform(folder: Path) -> PlatformKeys:
    if not (folder / "signing.key").exists():
        raise TransferError(f"no platform keys in {folder}: run `nocta keys init --platform`")
    signing = SigningKey(read_private(folder / "signing.key", SIGNING_SECRET))
    receive = {}
    for role in ROLES:
        if _path(folder, role).exists():  # `next` is missing only mid-rotation
            private = PrivateKey(read_private(_path(folder, role), RECEIVE_SECRET))
            receive[key_id(bytes(private.public_key))] = private
    if not receive:
        raise TransferError(f"no platform receive keys in {folder}")
    return PlatformKeys(signing, receive)


def write_bundle(folder: Path) -> Path:
    keys = load_platform(folder)
    roles = {}
    for role in ROLES:
        if _path(folder, role).exists():
            public = bytes(PrivateKey(read_private(_path(folder, role), RECEIVE_SECRET)).public_key)
            roles[role] = {"key_id": key_id(public), "public_key": public.hex()}
    bundle = {
        "format": BUNDLE_FORMAT,
        "version": 1,
        "platform": keys.platform_id,
        "signing_key": bytes(keys.signing.verify_key).hex(),
        "receive_keys": roles,
        "issued": format_time(utc_now()),
    }
    signature = keys.signing.sign(canonical_json(bundle)).signature
    text = json.dumps({"bundle": bundle, "signature": signature.hex()}, indent=2) + "\n"
    path = folder / BUNDLE
    tmp = path.with_name(f".{BUNDLE}.tmp")
    tmp.write_text(text, encoding="ascii")
    tmp.chmod(0o644)
    os.replace(tmp, path)
    return path


def read_bundle(path: Path) -> PlatformBundle:
    """The platform's public keys, after checking the bundle is signed by its own identity."""
    try:
        document = json.loads(path.read_text(encoding="ascii"))
        bundle = document["bundle"]
        if bundle["format"] != BUNDLE_FORMAT or bundle["version"] != 1:
            raise ValueError("not a nocta platform key bundle (version 1)")
        verify_key = VerifyKey(bytes.fromhex(bundle["signing_key"]))
        verify_key.verify(canonical_json(bundle), bytes.fromhex(document["signature"]))
        if key_id(bytes(verify_key)) != bundle["platform"]:
            raise ValueError("platform id does not match its signing key")
        receive = {}
        for entry in bundle["receive_keys"].values():
            public = bytes.fromhex(entry["public_key"])
            if key_id(public) != entry["key_id"]:
                raise ValueError("a receive key id does not match its key")
            receive[entry["key_id"]] = PublicKey(public)
    except BadSignatureError:
        raise TransferError(f"{path}: the bundle's signature is invalid (altered?)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TransferError(f"{path}: not a usable platform key bundle ({exc})") from None
    if not receive:
        raise TransferError(f"{path}: the bundle lists no receive keys")
    return PlatformBundle(bundle["platform"], verify_key, receive)
