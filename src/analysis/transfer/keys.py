"""Key files: a partner's Ed25519 signing key, and the rules every private key file obeys.

A private key is written once (never overwritten), with mode 600 in a folder of mode 700, and is
read only if nobody else can read it (as ssh does). Partner keys are refused inside a git
checkout: a key committed by mistake is a key published. Public key files are one line, so a
steward can paste them in a mail and an administrator can compare them by eye.
"""

import os
import stat
from pathlib import Path

from nacl.signing import SigningKey, VerifyKey

from analysis.transfer.encoding import key_id
from analysis.transfer.errors import TransferError
from analysis.transfer.names import check_partner_id

SIGNING_SECRET = "nocta-ed25519-secret"
SIGNING_PUBLIC = "nocta-ed25519"
RECEIVE_SECRET = "nocta-x25519-secret"


def git_checkout_of(path: Path) -> Path | None:
    """The root of the git working tree that holds `path`, if any."""
    path = path.resolve()
    for folder in (path, *path.parents):
        if (folder / ".git").exists():
            return folder
    return None


def write_private(path: Path, kind: str, secret: bytes) -> None:
    """Create `path` (mode 600, folder 700) holding one secret; refuse to overwrite a key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise TransferError(f"{path} already exists; a key is never overwritten") from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        os.fchmod(f.fileno(), 0o600)  # whatever the umask
        f.write(f"{kind} {secret.hex()}\n")
        f.flush()
        os.fsync(f.fileno())


def read_private(path: Path, kind: str) -> bytes:
    """The 32-byte secret in a key file that only its owner can read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise TransferError(f"no key file at {path}") from None
    except OSError as exc:
        raise TransferError(f"cannot read key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, encoding="ascii") as f:
        mode = stat.S_IMODE(os.fstat(f.fileno()).st_mode)
        if mode & 0o077:
            raise TransferError(
                f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`"
            )
        text = f.read(200).strip()
    label, _, hex_secret = text.partition(" ")
    try:
        secret = bytes.fromhex(hex_secret)
    except ValueError:
        secret = b""
    if label != kind or len(secret) != 32:
        raise TransferError(f"{path} is not a {kind} key file")
    return secret


def init_partner(partner_id: str, out: Path) -> tuple[Path, Path]:
    """Create a partner's signing key `out/ID.key` and its public half `out/ID.pub`."""
    check_partner_id(partner_id)
    checkout = git_checkout_of(out)
    if checkout is not None:
        raise TransferError(
            f"{out} is inside the git checkout {checkout}; keep private keys outside any "
            "repository (e.g. ~/.nocta/keys)"
        )
    key = SigningKey.generate()
    secret_path, public_path = out / f"{partner_id}.key", out / f"{partner_id}.pub"
    if public_path.exists():
        raise TransferError(f"{public_path} already exists; a key is never overwritten")
    write_private(secret_path, SIGNING_SECRET, bytes(key))
    public_path.write_text(public_line(bytes(key.verify_key), partner_id), encoding="ascii")
    return secret_path, public_path


def public_line(public_key: bytes, partner_id: str) -> str:
    return f"{SIGNING_PUBLIC} {public_key.hex()} {partner_id}\n"


def read_public(path: Path) -> tuple[bytes, str]:
    """The public key and the partner id written in a `.pub` file."""
    try:
        fields = path.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise TransferError(f"cannot read public key file {path}: {exc}") from None
    try:
        public = bytes.fromhex(fields[1]) if len(fields) == 3 else b""
    except ValueError:
        public = b""
    if fields[:1] != [SIGNING_PUBLIC] or len(public) != 32:
        raise TransferError(
            f"{path} is not a partner public key file ({SIGNING_PUBLIC} <hex> <id>)"
        )
    VerifyKey(public)
    return public, fields[2]


def load_signing_key(path: Path) -> SigningKey:
    return SigningKey(read_private(path, SIGNING_SECRET))


def signing_key_id(key: SigningKey) -> str:
    return key_id(bytes(key.verify_key))
