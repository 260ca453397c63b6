"""Feedback packages: what became of a partner's package, told back to that partner only.

For every package the platform opens, or refuses once the sender is authenticated, the intake
writes one feedback package to `outbox/<partner>/`: the signed receipt (if it landed), the
ingest outcome of each file (rows read, accepted, quarantined, by rule), the masked
`reasons.csv` of each quarantine (the partner's own rows, identifiers masked as the quarantine
writes them: no pseudonym, nothing from another partner) or, for a refused package, its one-line
reason. A steward then learns what to fix without an administrator mailing files by hand.

Format: `NOCTAFB1` + a libsodium sealed box (X25519, XSalsa20-Poly1305) to the partner, holding
`{"feedback": body, "signature": hex}`, where the signature is the platform's Ed25519 identity
key over a fixed context and the canonical JSON body. The partner's encryption key is derived
from the signing key it registered (Ed25519 -> X25519, libsodium's own conversion), so nothing
new is registered and the steward opens feedback with the key it seals with. Signed inside the
box: only the partner reads it, and the partner knows the platform wrote it for that very key.

A package refused before its sender is authenticated (unknown, revoked or forged signer) gets no
feedback: its claimed partner cannot be trusted, and answering would hand a stranger what the
platform thinks. Those stay in the audit log and `inbox/rejected/` only.
"""

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import SealedBox
from nacl.signing import SigningKey, VerifyKey

from analysis.transfer.encoding import canonical_json, format_time, key_id, parse_canonical, utc_now
from analysis.transfer.errors import Refused, TransferError, one_line
from analysis.transfer.names import check_file_name, check_transfer_id
from analysis.transfer.open import Outcome
from analysis.transfer.platform import PlatformKeys, read_bundle

if TYPE_CHECKING:
    from analysis.catalog import Catalog

FORMAT = "nocta-feedback"
MAGIC = b"NOCTAFB1"
SUFFIX = ".feedback"
SIGNING_CONTEXT = b"nocta-transfer feedback v1\0"
MAX_SIZE = 512 << 20  # a feedback larger than this is not one the platform wrote


@dataclass(frozen=True)
class FileResult:
    """The ingest outcome of one landed file, as the partner may see it."""

    name: str
    outcome: str  # published, reused, rejected (too many rows broken), unreadable, missing
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] | None = None  # rule id -> rows quarantined for it
    reasons_csv: Path | None = None  # the quarantine's masked reasons.csv, if any
    note: str | None = None  # one line, e.g. why the file could not be read

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "reasons": dict(sorted((self.reasons or {}).items())),
            "note": one_line(self.note) if self.note else None,
            "reasons_csv": _read_reasons(self.reasons_csv),
        }


def _read_reasons(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def answerable(outcome: Outcome) -> bool:
    """Whether the package's sender is authenticated, so feedback may be sealed to it."""
    return outcome.partner is not None and outcome.sender_key_id is not None


def feedback_body(
    outcome: Outcome,
    platform_id: str,
    created: str,
    files: list[FileResult] = (),
    receipt: dict | None = None,
) -> dict:
    """The signed content of one feedback package."""
    return {
        "format": FORMAT,
        "version": 1,
        "platform": platform_id,
        "partner": outcome.partner,
        "recipient_key_id": outcome.sender_key_id,
        "created": created,
        "package": outcome.package.name,
        "transfer_id": outcome.transfer_id,
        "sequence": outcome.sequence,
        "source": outcome.source,
        "outcome": "accepted" if outcome.accepted else "refused",
        "refused_for": None if outcome.accepted else outcome.code,
        "reason": None if outcome.accepted else outcome.reason,
        "receipt": receipt,
        "files": [f.to_json() for f in files],
    }


def seal_feedback(body: dict, signing: SigningKey, partner_key: bytes) -> bytes:
    """Sign `body` with the platform's identity, then seal it to the partner's signing key."""
    signed = canonical_json(body)
    signature = signing.sign(SIGNING_CONTEXT + signed).signature
    inner = canonical_json({"feedback": body, "signature": signature.hex()})
    recipient = VerifyKey(partner_key).to_curve25519_public_key()
    return MAGIC + SealedBox(recipient).encrypt(inner)


def write_feedback(outbox: Path, body: dict, platform: PlatformKeys, partner_key: bytes) -> Path:
    """Write one feedback package into `outbox/<partner>/` (folder 0750, file 0640), under a
    new name: `<transfer_id>.<outcome>.feedback`, numbered if the name is taken (a replay of
    an accepted transfer gets its own refusal feedback beside the first)."""
    folder = outbox / body["partner"]
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    data = seal_feedback(body, platform.signing, partner_key)
    stem, n = f"{body['transfer_id']}.{body['outcome']}", 0
    while True:
        name = f"{stem}{f'-{n}' if n else ''}{SUFFIX}"
        try:
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
            break
        except FileExistsError:
            n += 1
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return folder / name


def read_receipt(path: Path | None) -> dict | None:
    """The signed receipt document as written beside the ledger, to carry inside feedback."""
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def open_feedback(package: Path, signing: SigningKey, platform_pub: Path) -> dict:
    """The verified body of a feedback package for `signing`'s partner; Refused says why not."""
    bundle = read_bundle(platform_pub)
    try:
        with package.open("rb") as f:
            data = f.read(MAX_SIZE + 1)
    except OSError as exc:
        raise TransferError(f"cannot read {package}: {exc.strerror}") from None
    if not data.startswith(MAGIC) or len(data) > MAX_SIZE:
        raise Refused(f"{package.name} is not a nocta feedback package", code="damaged")
    private = signing.to_curve25519_private_key()
    try:
        inner = SealedBox(private).decrypt(data[len(MAGIC) :])
    except CryptoError:
        raise Refused(
            f"{package.name} cannot be opened with key {key_id(bytes(signing.verify_key))}: "
            "sealed to another partner's key, or altered",
            code="content",
        ) from None
    try:
        document = parse_canonical(inner)
        body, signature = document["feedback"], bytes.fromhex(document["signature"])
        signed = canonical_json(body)
    except (ValueError, KeyError, TypeError) as exc:
        raise Refused(f"{package.name} is not a nocta feedback ({exc})", code="malformed") from None
    try:
        bundle.verify_key.verify(SIGNING_CONTEXT + signed, signature)
    except (BadSignatureError, ValueError):
        raise Refused(
            f"{package.name}: the signature of platform {bundle.platform_id} does not verify",
            code="signature",
        ) from None
    if body.get("format") != FORMAT or body.get("platform") != bundle.platform_id:
        raise Refused(f"{package.name} is not feedback from platform {bundle.platform_id}")
    if body.get("recipient_key_id") != key_id(bytes(signing.verify_key)):
        raise Refused(f"{package.name} was written for another key", code="signer")
    try:  # names become file names at the partner
        check_transfer_id(body.get("transfer_id"))
        for entry in body.get("files", []):
            check_file_name(entry.get("name"))
    except (TransferError, AttributeError) as exc:
        raise Refused(f"{package.name}: {exc}", code="malformed") from None
    return body


def save_reasons(body: dict, folder: Path) -> list[Path]:
    """Write each file's masked reasons as `<transfer_id>.<file>.reasons.csv` in `folder`,
    and the signed receipt as `<transfer_id>.receipt.json` (`nocta transfer verify-receipt`
    checks it like one the administrator sent)."""
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    if body.get("receipt"):
        path = folder / f"{body['transfer_id']}.receipt.json"
        text = json.dumps(body["receipt"], indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for entry in body.get("files", []):
        if entry.get("reasons_csv"):
            path = folder / f"{body['transfer_id']}.{entry['name']}.reasons.csv"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(entry["reasons_csv"])
            written.append(path)
    return written


# The steward's summary, Romanian first. Rule ids stay as the contract names them (the
# partner spec uses the same ids); numbers are the partner's own counts.
WORDS = {
    "ro": {
        "accepted": "Pachetul {package} (transfer {transfer_id}, {source}) a fost primit.",
        "refused": "Pachetul {package} (transfer {transfer_id}) a fost refuzat: {reason}",
        "file": "  {name}: {outcome}; rânduri citite {rows_read}, acceptate {rows_accepted}, "
        "în carantină {rows_quarantined}",
        "rule": "    regula {rule}: {n} rânduri",
        "note": "    {note}",
        "saved": "Motivele, rând cu rând (valori mascate): {path}",
        "receipt": "Confirmarea de primire semnată: {path}",
        "outcomes": {
            "published": "publicat",
            "reused": "primit deja, nimic nou",
            "rejected": "respins: prea multe rânduri încalcă contractul",
            "unreadable": "nu a putut fi citit",
            "missing": "lipsă la platformă",
            "pending": "în curs de preluare",
        },
    },
    "en": {
        "accepted": "Package {package} (transfer {transfer_id}, {source}) was received.",
        "refused": "Package {package} (transfer {transfer_id}) was refused: {reason}",
        "file": "  {name}: {outcome}; rows read {rows_read}, accepted {rows_accepted}, "
        "quarantined {rows_quarantined}",
        "rule": "    rule {rule}: {n} rows",
        "note": "    {note}",
        "saved": "The reasons, row by row (values masked): {path}",
        "receipt": "The signed receipt: {path}",
        "outcomes": {
            "published": "published",
            "reused": "received before, nothing new",
            "rejected": "rejected: too many rows break the contract",
            "unreadable": "could not be read",
            "missing": "missing at the platform",
            "pending": "being taken in",
        },
    },
}


def summary(body: dict, lang: str = "ro") -> list[str]:
    """The feedback in a few lines a steward reads, in `lang` (ro or en)."""
    words = WORDS[lang]
    head = words[body["outcome"]].format(
        package=body.get("package"),
        transfer_id=body.get("transfer_id"),
        source=body.get("source"),
        reason=body.get("reason"),
    )
    lines = [one_line(head, limit=600)]  # the reason alone may take 300
    for entry in body.get("files", []):
        outcome = words["outcomes"].get(entry["outcome"], entry["outcome"])
        lines.append(one_line(words["file"].format(**{**entry, "outcome": outcome})))
        for rule, n in entry.get("reasons", {}).items():
            lines.append(one_line(words["rule"].format(rule=rule, n=n)))
        if entry.get("note"):
            lines.append(one_line(words["note"].format(note=entry["note"])))
    return lines


def answer(
    catalog: "Catalog",
    outcome: Outcome,
    files: list[FileResult] = (),
    now: dt.datetime | None = None,
) -> Path | None:
    """Write the feedback package for one opened or refused package, and its line in the
    quality record; None (nothing written) when the sender is not authenticated."""
    from analysis.transfer import quality, state
    from analysis.transfer.platform import load_platform
    from analysis.transfer.registry import Registry

    if not answerable(outcome):
        return None
    entry = Registry(state.registry(catalog)).find(outcome.sender_key_id)
    if entry is None:  # authenticated when opened, since removed from the registry
        return None
    platform = load_platform(state.platform_keys(catalog))
    created = format_time(now or utc_now())
    receipt = None
    if outcome.accepted:
        receipt = read_receipt(
            state.receipts(catalog) / outcome.partner / f"{outcome.transfer_id}.receipt.json"
        )
    body = feedback_body(outcome, platform.platform_id, created, list(files), receipt)
    path = write_feedback(catalog.outbox, body, platform, bytes.fromhex(entry.public_key))
    quality.record(catalog, body)
    return path
