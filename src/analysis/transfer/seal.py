"""`nocta transfer seal`, at the partner: files in, one signed and encrypted package out.

A fresh random content key per package encrypts every file (stream.py); the key is sealed
(X25519 sealed box) to each active platform receive key, so only the platform can read the
package, and a package made just before a key rotation still opens after it. The manifest,
signed with the partner's Ed25519 key, carries a sequence number that rises by one per package
(kept beside the key, in `<ID>.seq`) so the platform can refuse replays and notice gaps.
The platform's identity is pinned on first use (`<ID>.platform`, beside the key): from then
on a platform.pub signed by another identity is refused, so a swapped public file cannot
redirect packages to someone else. The package is written under a temporary name and renamed when
complete.
"""

import datetime as dt
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nacl import bindings as sodium
from nacl.public import SealedBox

from analysis.transfer import names
from analysis.transfer.encoding import format_time, utc_now
from analysis.transfer.errors import TransferError
from analysis.transfer.keys import load_signing_key, signing_key_id
from analysis.transfer.package import (
    CHUNK_SIZE,
    MAGIC,
    SIGNING_CONTEXT,
    FileEntry,
    Manifest,
    write_trailer,
)
from analysis.transfer.platform import read_bundle
from analysis.transfer.stream import associated_data, encrypt

DEFAULT_VALIDITY = dt.timedelta(days=7)
MAX_VALIDITY = dt.timedelta(days=30)  # the platform refuses longer windows


def seal_package(
    partner: str,
    key_path: Path,
    platform_pub: Path,
    source: str,
    files: list[Path],
    out: Path,
    case_ref: str | None = None,
    handling: str = names.DEFAULT_HANDLING,
    valid_for: dt.timedelta = DEFAULT_VALIDITY,
    now: dt.datetime | None = None,
) -> Manifest:
    """Write the package `out` holding `files`; return its manifest."""
    names.check_partner_id(partner)
    names.check_source(source)
    names.check_case_ref(case_ref)
    names.check_handling(handling)
    if not dt.timedelta(minutes=1) <= valid_for <= MAX_VALIDITY:
        raise TransferError(f"a package may be valid for 1 minute to {MAX_VALIDITY.days} days")
    _check_inputs(files, out)
    signing = load_signing_key(key_path)
    bundle = read_bundle(platform_pub)
    _pin_platform(key_path.with_suffix(".platform"), bundle.platform_id, platform_pub)
    created = now or utc_now()

    with _next_sequence(key_path.with_suffix(".seq")) as sequence:
        content_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
        sealed_keys = {
            kid: SealedBox(public).encrypt(content_key).hex()
            for kid, public in sorted(bundle.receive.items())
        }
        transfer_id = names.new_transfer_id(format_time(created))
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as package:
                package.write(MAGIC)
                entries = []
                for index, path in enumerate(files):
                    ad = associated_data(transfer_id, index)
                    with path.open("rb") as src:
                        digest = encrypt(src, package, content_key, ad, CHUNK_SIZE)
                    entries.append(FileEntry(index=index, name=path.name, **vars(digest)))
                manifest = Manifest(
                    transfer_id=transfer_id,
                    partner=partner,
                    key_id=signing_key_id(signing),
                    sequence=sequence,
                    created=format_time(created),
                    expires=format_time(created + valid_for),
                    recipient=bundle.platform_id,
                    sealed_keys=sealed_keys,
                    source=source,
                    case_ref=case_ref,
                    handling=handling,
                    chunk_size=CHUNK_SIZE,
                    files=tuple(entries),
                )
                body = manifest.to_bytes()
                write_trailer(package, body, signing.sign(SIGNING_CONTEXT + body).signature)
                package.flush()
                os.fsync(package.fileno())
            tmp.chmod(0o640)
            if out.exists():
                raise TransferError(f"{out} already exists; choose another --out")
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return manifest


def _check_inputs(files: list[Path], out: Path) -> None:
    if not files:
        raise TransferError("name at least one file to seal")
    seen: dict[str, Path] = {}
    for path in files:
        if not path.is_file():
            raise TransferError(f"{path} is not a regular file")
        names.check_file_name(path.name)
        if path.name.casefold() in seen:
            raise TransferError(f"{path} and {seen[path.name.casefold()]} have the same name")
        seen[path.name.casefold()] = path
        if out.exists() and path.resolve() == out.resolve():
            raise TransferError(f"--out {out} is one of the files to seal")
    if out.exists():
        raise TransferError(f"{out} already exists; choose another --out")


def _pin_platform(pin: Path, platform_id: str, platform_pub: Path) -> None:
    """Trust on first use: later bundles must come from the same platform identity."""
    if not pin.exists():
        pin.write_text(f"{platform_id}\n", encoding="ascii")
        return
    pinned = pin.read_text(encoding="ascii").strip()
    if pinned != platform_id:
        raise TransferError(
            f"{platform_pub} belongs to platform {platform_id}, but this key seals to platform "
            f"{pinned} ({pin}); if the platform really changed, confirm its id by phone and "
            "delete that file"
        )


@contextmanager
def _next_sequence(path: Path) -> Iterator[int]:
    """The next sequence number, written back to the counter file only if sealing succeeds."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # two seals at once must not share a number
        text = os.read(fd, 64).decode("ascii", "replace").strip()
        if not text.isdigit() and text:
            raise TransferError(f"{path} does not hold a sequence number")
        value = int(text or "0") + 1
        yield value
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"{value}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
