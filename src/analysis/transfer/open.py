"""`nocta transfer open`, at the platform: a package in, its files in landing or a reason.

Load inputs: the partner registry, the platform keys, the ledger (paths under the catalog's
keys and home). Process: verify (verify.py), then decrypt every file as a stream into a private
staging folder, checking each chunk, each size and each hash. Save: in one ledger transaction,
rename the staging folder to `landing/<source>/<transfer_id>/`, append the audit record and
commit; then write the signed receipt. A refused package leaves nothing in landing: it is moved
(from the inbox) or copied (from elsewhere) to `<inbox>/rejected/`, with `<name>.reason.txt`.
"""

import datetime as dt
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from analysis.audit import AuditLog
from analysis.catalog import Catalog
from analysis.fsutil import OutsideRoot, fsync_dir, refuse_links
from analysis.transfer import state
from analysis.transfer.encoding import format_time, utc_now
from analysis.transfer.errors import Refused, TransferError
from analysis.transfer.ledger import Ledger
from analysis.transfer.package import MAGIC, Manifest
from analysis.transfer.platform import load_platform
from analysis.transfer.receipt import receipt_body, write_receipt
from analysis.transfer.registry import Registry
from analysis.transfer.stream import associated_data, decrypt
from analysis.transfer.verify import Verified, verify_package

PURPOSE = "collection of a partner extract by secure transfer"


@dataclass(frozen=True)
class Outcome:
    """What became of one package: landed (files, receipt) or refused (reason)."""

    package: Path  # where the package file is now
    accepted: bool
    reason: str | None = None  # one line, for the steward
    code: str | None = None  # the kind of refusal (errors.CODES), for monitoring
    transfer_id: str | None = None
    partner: str | None = None
    sender_key_id: str | None = None  # the partner key that signed it: feedback is sealed to it
    sequence: int | None = None
    source: str | None = None
    handling: str | None = None
    case_ref: str | None = None
    files: tuple[Path, ...] = ()
    receipt: Path | None = None
    alerts: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["files"] = [str(p) for p in self.files]
        data["alerts"] = list(self.alerts)
        return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}


def open_package(
    catalog: Catalog, package: Path, inbox: Path | None = None, now: dt.datetime | None = None
) -> Outcome:
    """Verify and land one package. `inbox` (default the catalog's) decides where a package
    goes afterwards: one inside it moves to `accepted/` or `rejected/`, others are left (or
    copied to `rejected/`). Raises TransferError only for problems on the platform's side."""
    inbox = inbox or catalog.inbox
    now = now or utc_now()
    registry, ledger = Registry(state.registry(catalog)), Ledger(state.ledger(catalog))
    platform = load_platform(state.platform_keys(catalog))
    progress: dict = {}
    in_inbox = package.parent.resolve() == inbox.resolve()
    try:  # in the inbox, whoever drops files there must not make us read through a link
        fd = os.open(package, os.O_RDONLY | os.O_NONBLOCK | (os.O_NOFOLLOW if in_inbox else 0))
    except FileNotFoundError:
        if not in_inbox:
            raise TransferError(f"cannot read {package}: no such file") from None
        return _gone(catalog, package)
    except OSError as exc:
        raise TransferError(f"cannot read {package}: {exc.strerror}") from None
    with os.fdopen(fd, "rb", buffering=0) as f:
        try:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{package.name} is not a regular file", code="damaged")
            verified = verify_package(f, info.st_size, registry, platform, ledger, now, progress)
            landed, alerts = _land(catalog, f, verified, ledger, now)
        except Refused as exc:
            return _refuse(catalog, package, inbox, exc, progress.get("manifest"), now)
    manifest = verified.manifest
    receipt = write_receipt(
        state.receipts(catalog) / manifest.partner / f"{manifest.transfer_id}.receipt.json",
        receipt_body(manifest, format_time(now), platform.platform_id),
        platform.signing,
    )
    return Outcome(
        package=_file_away(package, inbox, "accepted"),
        accepted=True,
        transfer_id=manifest.transfer_id,
        partner=manifest.partner,
        sender_key_id=manifest.key_id,
        sequence=manifest.sequence,
        source=manifest.source,
        handling=manifest.handling,
        case_ref=manifest.case_ref,
        files=tuple(landed / entry.name for entry in manifest.files),
        receipt=receipt,
        alerts=tuple(alerts),
    )


def _land(
    catalog: Catalog, f: BinaryIO, verified: Verified, ledger: Ledger, now: dt.datetime
) -> tuple[Path, list[str]]:
    """Decrypt into staging, then move into landing inside one ledger transaction."""
    manifest = verified.manifest
    try:  # the landing folder of the source, or the staging folder, must not lead out
        refuse_links(catalog.home, catalog.landing / manifest.source)
        refuse_links(catalog.home, state.staging(catalog))
    except OutsideRoot as exc:
        raise TransferError(str(exc)) from None
    staging_root = state.staging(catalog)
    staging_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(staging_root)
    prefix = f"{manifest.transfer_id}.{os.getpid()}."
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=staging_root))
    try:
        f.seek(len(MAGIC))
        for entry in manifest.files:
            _decrypt_file(f, staging / entry.name, manifest, entry.index, verified.content_key)
        fsync_dir(staging)
        staging.chmod(0o750)
        target = catalog.landing / manifest.source / manifest.transfer_id
        moved = False
        try:
            where = target.relative_to(catalog.home)
            with ledger.recording(manifest, verified.signature, where, format_time(now)) as alerts:
                if target.exists():
                    raise TransferError(f"{target} exists but the ledger has no entry for it")
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
                os.rename(staging, target)
                moved = True
                fsync_dir(target.parent)
                _audit(
                    catalog,
                    manifest,
                    "accepted",
                    alerts=alerts,
                    files=len(manifest.files),
                    bytes=sum(e.size for e in manifest.files),
                )
        except BaseException:
            if moved:  # the ledger entry did not commit: landing must not keep the files
                os.rename(target, staging)
            raise
        return target, alerts
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _decrypt_file(f: BinaryIO, path: Path, manifest: Manifest, index: int, key: bytes) -> None:
    entry = manifest.files[index]
    label = f"file {index} ({entry.name})"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
    with os.fdopen(fd, "wb") as out:
        ad = associated_data(manifest.transfer_id, index)
        digest = decrypt(f, entry.ciphertext_size, out, key, ad, manifest.chunk_size, label)
        out.flush()
        os.fsync(out.fileno())
    if digest.ciphertext_sha256 != entry.ciphertext_sha256:
        raise Refused(
            f"{label}: the encrypted bytes differ from the signed hash (swapped?)", code="content"
        )
    if (digest.size, digest.sha256) != (entry.size, entry.sha256):
        raise Refused(
            f"{label}: the decrypted file differs from the signed size or sha256", code="content"
        )


def _refuse(
    catalog: Catalog,
    package: Path,
    inbox: Path,
    refusal: Refused,
    manifest: Manifest | None,
    now: dt.datetime,
) -> Outcome:
    """Set the package aside with its reason; the audit log gets the refusal's code only."""
    where = set_aside(package, inbox / "rejected", refusal.reason, now)
    if manifest is None:  # the signature did not hold: nothing in the manifest is believed
        AuditLog(catalog.audit_log).append(
            operation="collection",
            dataset="unverified",
            outcome="rejected",
            purpose=PURPOSE,
            package=package.name,
            refused_for=refusal.code,
        )
        return Outcome(package=where, accepted=False, reason=refusal.reason, code=refusal.code)
    _audit(catalog, manifest, "rejected", package=package.name, refused_for=refusal.code)
    return Outcome(
        package=where,
        accepted=False,
        reason=refusal.reason,
        code=refusal.code,
        transfer_id=manifest.transfer_id,
        partner=manifest.partner,
        sender_key_id=manifest.key_id,
        sequence=manifest.sequence,
        source=manifest.source,
        handling=manifest.handling,
    )


def _gone(catalog: Catalog, package: Path) -> Outcome:
    """A package that left the inbox before it could be read: another open of the same file
    (a concurrent intake) took it. Refused as a replay, and audited like any refusal."""
    reason = f"{package.name} is gone from the inbox: another intake opened it at the same time"
    AuditLog(catalog.audit_log).append(
        operation="collection",
        dataset="unverified",
        outcome="rejected",
        purpose=PURPOSE,
        package=package.name,
        refused_for="replay",
    )
    return Outcome(package=package, accepted=False, reason=reason, code="replay")


def _audit(catalog: Catalog, manifest: Manifest, outcome: str, **details: object) -> None:
    """Ids, counts and codes only: file names and case references stay in the ledger."""
    AuditLog(catalog.audit_log).append(
        operation="collection",
        dataset=manifest.source,
        outcome=outcome,
        purpose=PURPOSE,
        snapshot_ids=[],
        transfer_id=manifest.transfer_id,
        partner=manifest.partner,
        sender_key_id=manifest.key_id,
        sequence=manifest.sequence,
        handling=manifest.handling,
        **details,
    )


def set_aside(package: Path, folder: Path, reason: str, now: dt.datetime) -> Path:
    """Move (from the inbox) or copy (from elsewhere) a refused package, reason beside it.

    Never through a link: `folder` must be a real folder and nothing in it is followed. A
    package already gone (a concurrent open of the same file moved it) keeps its reason."""
    with _real_folder(folder) as fd:
        name = _free_name(fd, package.name)
        target = folder / name
        try:
            if package.parent.resolve() == folder.parent.resolve():
                os.replace(package, name, dst_dir_fd=fd)
            elif package.is_file():
                _copy_into(package, fd, name)
            else:
                target = package  # a FIFO or device is not copied; the reason is still written
        except FileNotFoundError:
            target = package
        note = f"{format_time(now)} {package.name}: {reason}\n".encode()
        _write_new(fd, f"{name}.reason.txt", note)
    return target


def _file_away(package: Path, inbox: Path, kind: str) -> Path:
    if package.parent.resolve() != inbox.resolve():
        return package
    with _real_folder(inbox / kind) as fd:
        name = _free_name(fd, package.name)
        try:
            os.replace(package, name, dst_dir_fd=fd)
        except FileNotFoundError:
            return package  # moved by a concurrent open of the same file
    return inbox / kind / name


@contextmanager
def _real_folder(folder: Path) -> Iterator[int]:
    """A descriptor of `folder` (made if missing), refusing a symbolic link or a non-folder:
    what is then done through it stays inside, even if the name is swapped meanwhile."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except (FileExistsError, NotADirectoryError, OSError) as exc:
        raise TransferError(
            f"{folder} is a symbolic link or not a folder ({exc.strerror}): the intake never "
            "writes through a link; replace it with a real folder"
        ) from None
    try:
        yield fd
    finally:
        os.close(fd)


def _exists(fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=fd, follow_symlinks=False)
        return True
    except FileNotFoundError:
        return False


def _free_name(fd: int, name: str) -> str:
    target, n = name, 1
    while _exists(fd, target) or _exists(fd, f"{target}.reason.txt"):
        stem, dot, suffix = name.partition(".")
        target, n = f"{stem}-{n}{dot}{suffix}", n + 1
    return target


def _write_new(fd: int, name: str, data: bytes) -> None:
    out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640, dir_fd=fd)
    with os.fdopen(out, "wb") as f:
        f.write(data)


def _copy_into(package: Path, fd: int, name: str) -> None:
    out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640, dir_fd=fd)
    with os.fdopen(out, "wb") as f, package.open("rb") as src:
        shutil.copyfileobj(src, f)


def _sweep(staging_root: Path) -> None:
    """Remove the plaintext that an interrupted open (killed, power cut) left in staging."""
    for folder in staging_root.iterdir():
        try:
            pid = int(folder.name.split(".")[1])
            if pid <= 0:
                raise ValueError(pid)
            os.kill(pid, 0)
        except (IndexError, ValueError, ProcessLookupError):
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # alive, another user's
