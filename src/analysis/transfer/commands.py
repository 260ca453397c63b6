"""`nocta keys …` and `nocta transfer …`: the key ceremony and the package commands.

Exit codes: 0 done; 1 a problem on this side (a missing key, an unreadable file); 2 wrong
usage; 4 a package or receipt failed verification (one line saying why, never a traceback).
Messages are plain text (no markup): they may quote names taken from a package.
`nocta transfer receive` (open a whole inbox, then ingest) lives in cli.py, which may import
ingest; its library half is `analysis.transfer.receive_inbox`.
"""

import datetime as dt
import json
from pathlib import Path

import click

from analysis.catalog import Catalog
from analysis.transfer import names, state
from analysis.transfer.encoding import key_id, utc_now
from analysis.transfer.errors import Refused, TransferError
from analysis.transfer.keys import git_checkout_of, init_partner, read_public
from analysis.transfer.open import open_package
from analysis.transfer.platform import init_platform, load_platform, read_bundle, rotate_platform
from analysis.transfer.receipt import verify_receipt
from analysis.transfer.registry import Registry
from analysis.transfer.seal import DEFAULT_VALIDITY, seal_package

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class VerificationFailed(click.ClickException):
    """A refused package or receipt: `Error: <reason>` on one line, exit code 4."""

    exit_code = 4


class Failed(click.ClickException):
    """A problem on this side, with a message saying what to do: exit code 1."""


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.group("keys")
def keys() -> None:
    """Key ceremony: partner signing keys, platform receive keys, the pseudonymisation key."""


@keys.command("init")
@click.option("--partner", "partner", metavar="ID", help="Make partner ID's signing key.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="With --partner.")
@click.option("--platform", is_flag=True, help="Make the platform's identity and receive keys.")
@click.option("--pseudonym", is_flag=True, help="Make the pseudonymisation key.")
def keys_init(partner: str | None, out: Path | None, platform: bool, pseudonym: bool) -> None:
    """Create keys, once: a partner's (at the partner), the platform's, or the pseudonym key.

    Private keys are written with mode 600 and never overwritten. A partner's --out must be
    outside any git checkout.
    """
    if sum((partner is not None, platform, pseudonym)) != 1:
        raise click.UsageError("choose one of --partner ID, --platform, --pseudonym")
    if (partner is None) != (out is None):
        raise click.UsageError("--partner ID needs --out DIR (and --out needs --partner)")
    catalog = Catalog.from_env()
    try:
        if partner is not None:
            secret, public = init_partner(partner, out)
            _say(f"Signing key {secret} (mode 600; keep it on this machine only)")
            _say(f"Key id {key_id(read_public(public)[0])}: the administrator reads it back.")
            _say(f"Send {public.name} to the platform's administrator, who registers it.")
            click.echo(public)
        elif platform:
            _warn_inside_checkout(state.platform_keys(catalog))
            bundle = init_platform(state.platform_keys(catalog))
            _say(f"Platform id {load_platform(bundle.parent).platform_id}: partners check it.")
            click.echo(bundle)
        else:
            from analysis.ingest.pseudonymise import create_key

            _warn_inside_checkout(catalog.keys)
            click.echo(create_key(catalog.keys))
    except FileExistsError as exc:
        raise Failed(f"{exc.filename} already exists; a key is never overwritten") from None
    except TransferError as exc:
        raise Failed(str(exc)) from None


def _warn_inside_checkout(folder: Path) -> None:
    checkout = git_checkout_of(folder)
    if checkout is not None:
        _say(
            f"Warning: {folder} is inside the git checkout {checkout}. Fine for a demo if "
            "ignored by git; in production set NOCTA_KEYS to a folder outside it."
        )


@keys.command("register")
@click.option("--partner", required=True, metavar="ID")
@click.option("--name", help="The institution's name, for people.")
@click.option("--valid-until", type=click.DateTime(["%Y-%m-%d"]), help="Default: two years.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="SOURCE",
    help="A source this partner may send (repeat for several); default: the partner's usual.",
)
@click.argument("pubfile", type=EXISTING_FILE)
def keys_register(
    partner: str,
    name: str | None,
    valid_until: dt.datetime | None,
    sources: tuple[str, ...],
    pubfile: Path,
) -> None:
    """Pin partner ID's public key (PUBFILE, from `nocta keys init --partner`)."""
    from analysis.contracts.model import sources as known_sources

    unknown = sorted(set(sources) - set(known_sources()))
    if unknown:
        known = ", ".join(known_sources())
        raise click.UsageError(f"unknown source(s) {', '.join(unknown)}; known: {known}")
    try:
        public, named = read_public(pubfile)
        if named != partner:
            raise TransferError(f"{pubfile.name} is the key of {named!r}, not of {partner!r}")
        until = valid_until.replace(tzinfo=dt.UTC) if valid_until else None
        entry = Registry(state.registry(Catalog.from_env())).register(
            partner, public, name=name, valid_until=until, sources=list(sources) or None
        )
    except TransferError as exc:
        raise Failed(str(exc)) from None
    _say(f"Registered key {entry.key_id} for {partner}, valid until {entry.valid_until}.")
    allowed = ", ".join(entry.allowed_sources())
    _say(
        f"{partner} may send: {allowed}."
        if allowed
        else f"Warning: {partner} may send no source yet; register again with --source."
    )
    _say("Confirm this key id with the partner by another channel (phone) before use.")
    click.echo(entry.key_id)


@keys.command("rotate")
@click.option("--platform", is_flag=True, required=True, help="Rotate the receive keys.")
def keys_rotate(platform: bool) -> None:
    """Retire the current receive key: next becomes current, a new next is made."""
    try:
        bundle = rotate_platform(state.platform_keys(Catalog.from_env()))
        receive = ", ".join(read_bundle(bundle).receive)
    except TransferError as exc:
        raise Failed(str(exc)) from None
    _say(f"Receive keys now {receive}; send {bundle.name} to the partners.")
    click.echo(bundle)


@keys.command("revoke")
@click.option("--partner", required=True, metavar="ID")
@click.option("--key-id", help="Revoke only this key (default: all of the partner's keys).")
def keys_revoke(partner: str, key_id: str | None) -> None:
    """Revoke a partner's signing key(s): their packages are refused from now on."""
    try:
        revoked = Registry(state.registry(Catalog.from_env())).revoke(partner, key_id)
    except TransferError as exc:
        raise Failed(str(exc)) from None
    for entry in revoked:
        click.echo(f"revoked {entry.partner} {entry.key_id}")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per key.")
def keys_list(as_json: bool) -> None:
    """The registered partner keys, with their validity and whether they were revoked."""
    try:
        entries = Registry(state.registry(Catalog.from_env())).entries()
    except TransferError as exc:
        raise Failed(str(exc)) from None
    if not entries:
        _say("No partner key is registered yet: `nocta keys register --partner ID ID.pub`.")
    now = utc_now()
    for entry in entries:
        problem = entry.problem_at(now)
        status = (
            "active" if problem is None else "revoked" if entry.revoked
            else "expired" if "expired" in problem else "not-yet-valid"
        )  # fmt: skip
        if as_json:
            fields = ("partner", "name", "key_id", "valid_from", "valid_until", "revoked")
            extra = {"status": status, "sources": list(entry.allowed_sources())}
            click.echo(json.dumps({k: getattr(entry, k) for k in fields} | extra))
            continue
        until = f"revoked {entry.revoked}" if entry.revoked else f"valid until {entry.valid_until}"
        sent = ",".join(entry.allowed_sources()) or "-"
        click.echo(f"{entry.partner:<10} {entry.key_id}  {status:<8} {until}  {sent}  {entry.name}")


@click.group("transfer")
def transfer() -> None:
    """Sealed packages from partner institutions to the platform."""


@transfer.command("seal")
@click.option("--partner", required=True, metavar="ID")
@click.option("--key", "key", required=True, type=EXISTING_FILE, help="Your ID.key.")
@click.option("--to", "to", required=True, type=EXISTING_FILE, help="The platform.pub file.")
@click.option("--source", required=True, help="What the files are, e.g. police_cases.")
@click.option("--case", "case_ref", help="Case reference, if the extract serves one case.")
@click.option(
    "--handling",
    type=click.Choice(list(names.HANDLING)),
    default=names.DEFAULT_HANDLING,
    show_default=True,
    help="; ".join(f"{k}: {v}" for k, v in names.HANDLING.items()),
)
@click.option(
    "--valid-days", type=click.IntRange(1, 30), default=DEFAULT_VALIDITY.days, show_default=True
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.argument("files", nargs=-1, required=True, type=EXISTING_FILE)
def transfer_seal(
    partner: str,
    key: Path,
    to: Path,
    source: str,
    case_ref: str | None,
    handling: str,
    valid_days: int,
    out: Path,
    files: tuple[Path, ...],
) -> None:
    """Seal FILES into one package only the platform can open (name it *.nocta)."""
    if not out.name.endswith(".nocta"):
        _say("Note: the platform's inbox picks up *.nocta files only; rename before sending.")
    try:
        manifest = seal_package(
            partner, key, to, source, list(files), out, case_ref=case_ref,
            handling=handling, valid_for=dt.timedelta(days=valid_days),
        )  # fmt: skip
    except TransferError as exc:
        raise Failed(str(exc)) from None
    except OSError as exc:
        raise Failed(f"{exc.filename or out}: {exc.strerror}") from None
    _say(
        f"Sealed {len(manifest.files)} file(s) for platform {manifest.recipient}: transfer "
        f"{manifest.transfer_id}, sequence {manifest.sequence}, handling {manifest.handling}, "
        f"valid until {manifest.expires}."
    )
    click.echo(out)


@transfer.command("open")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))  # gone: refused
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def transfer_open(package: Path, as_json: bool) -> None:
    """Verify PACKAGE and land its files in landing/<source>/<transfer_id>/ (exit 4: refused)."""
    try:
        outcome = open_package(Catalog.from_env(), package)
    except TransferError as exc:
        raise Failed(str(exc)) from None
    except OSError as exc:
        raise Failed(f"{exc.filename or package}: {exc.strerror}") from None
    if as_json:
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False))
    for alert in outcome.alerts:
        _say(f"Alert: {alert}")
    if not outcome.accepted:
        raise VerificationFailed(f"{package.name} refused: {outcome.reason}")
    if not as_json:
        _say(
            f"{outcome.source}: transfer {outcome.transfer_id} from {outcome.partner} "
            f"(sequence {outcome.sequence}, handling {outcome.handling}) landed; "
            f"receipt {outcome.receipt}"
        )
        for path in outcome.files:
            click.echo(path)


@transfer.command("reset-sequence")
@click.option("--key-id", required=True, help="The partner's signing key (`nocta keys list`).")
@click.option("--to", "floor", required=True, type=click.IntRange(0), help="The last good number.")
def transfer_reset_sequence(key_id: str, floor: int) -> None:
    """Make the next package expected from KEY-ID number TO+1 (audited).

    For a key locked out by a package numbered far ahead (up to the maximum, by a bug or a
    compromised key): the numbers above TO opened so far stop counting. The partner sets
    the counter beside their key (ID.seq) to TO as well. The ledger keeps every transfer.
    """
    from analysis.audit import AuditLog
    from analysis.transfer.ledger import Ledger

    catalog = Catalog.from_env()
    entry = Registry(state.registry(catalog)).find(key_id)
    if entry is None:
        raise Failed(f"no registered key {key_id}: see `nocta keys list`")
    before = Ledger(state.ledger(catalog)).reset_sequence(key_id, floor, utc_now().isoformat())
    AuditLog(catalog.audit_log, catalog.keys).append(
        "alteration",
        "transfer-ledger",
        "sequence reset",
        "keeping a partner's transfers flowing after a sequence number out of range",
        partner=entry.partner,
        key_id=key_id,
        last_before=before,
        reset_to=floor,
    )
    _say(f"Next package from {entry.partner} (key {key_id}) is expected as number {floor + 1}.")


@transfer.command("verify-receipt")
@click.argument("receipt", type=EXISTING_FILE)
@click.option("--platform", "platform_pub", required=True, type=EXISTING_FILE,
              help="The platform.pub you seal to.")  # fmt: skip
@click.option("--package", type=EXISTING_FILE, help="Also check it is for this package.")
def transfer_verify_receipt(receipt: Path, platform_pub: Path, package: Path | None) -> None:
    """Check RECEIPT is signed by the platform (and is for PACKAGE); exit 4 if not."""
    try:
        body = verify_receipt(receipt, platform_pub, package)
    except Refused as exc:
        raise VerificationFailed(exc.reason) from None
    except TransferError as exc:
        raise Failed(str(exc)) from None
    click.echo(
        f"valid receipt: transfer {body['transfer_id']} from {body['partner']} (sequence "
        f"{body['sequence']}), {len(body['files'])} file(s), received {body['received']}"
    )


@transfer.group("feedback")
def transfer_feedback() -> None:
    """Feedback packages: what the platform made of your packages (for partner stewards)."""


@transfer_feedback.command("open")
@click.argument("package", type=EXISTING_FILE)
@click.option("--key", "key", required=True, type=EXISTING_FILE, help="Your ID.key.")
@click.option("--platform", "platform_pub", required=True, type=EXISTING_FILE,
              help="The platform.pub you seal to.")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the reasons (default: beside PACKAGE).")  # fmt: skip
@click.option("--lang", type=click.Choice(["ro", "en"]), default="ro", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the verified feedback as JSON.")
def transfer_feedback_open(
    package: Path, key: Path, platform_pub: Path, out: Path | None, lang: str, as_json: bool
) -> None:
    """Verify and decrypt PACKAGE (exit 4 if it fails), write the reasons, print a summary.

    Each quarantined file's reasons go to <transfer_id>.<file>.reasons.csv (mode 600), the
    values masked as in the platform's quarantine; the summary is in --lang (ro, en).
    """
    from analysis.transfer.feedback import WORDS, open_feedback, save_reasons, summary
    from analysis.transfer.keys import load_signing_key

    try:
        body = open_feedback(package, load_signing_key(key), platform_pub)
        written = save_reasons(body, out or package.parent)
    except Refused as exc:
        raise VerificationFailed(exc.reason) from None
    except TransferError as exc:
        raise Failed(str(exc)) from None
    except OSError as exc:
        raise Failed(f"{exc.filename or package}: {exc.strerror}") from None
    if as_json:
        slim = {**body, "files": [{k: v for k, v in f.items() if k != "reasons_csv"}
                                  for f in body["files"]]}  # fmt: skip
        click.echo(json.dumps(slim, ensure_ascii=False))
    else:
        for line in summary(body, lang):
            click.echo(line)
    for path in written:
        kind = "receipt" if path.name.endswith(".receipt.json") else "saved"
        _say(WORDS[lang][kind].format(path=path))


@transfer_feedback.command("list")
@click.option("--partner", metavar="ID", help="Only this partner's outbox.")
def transfer_feedback_list(partner: str | None) -> None:
    """The feedback packages waiting in the outbox, one path a line, oldest first: send each
    to its partner's data steward (it is encrypted to their key; any channel will do)."""
    outbox = Catalog.from_env().outbox
    folders = [outbox / partner] if partner else sorted(outbox.glob("*"))
    found = sorted(
        (p for folder in folders if folder.is_dir() for p in folder.glob("*.feedback")),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    if not found:
        _say(f"No feedback waiting in {outbox}.")
    for path in found:
        click.echo(path)


@transfer.command("quality")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per partner, source, month.")
def transfer_quality(as_json: bool) -> None:
    """The data-quality record by partner, source and month: packages, refused, files
    rejected, rows read, share quarantined, worst lateness (days) against the agreed cadence."""
    from analysis.transfer.quality import monthly, read_record

    months = monthly(read_record(Catalog.from_env()))
    if not months:
        _say("No quality record yet: it grows with every package `nocta transfer receive` answers.")
    for m in months:
        if as_json:
            click.echo(json.dumps(m, ensure_ascii=False, sort_keys=True))
            continue
        share = "-" if m["quarantine_rate"] is None else f"{100 * m['quarantine_rate']:.2f}%"
        late = "-" if m["days_late"] is None else str(m["days_late"])
        click.echo(
            f"{m['partner']:<8} {m['source']:<18} {m['month']}  packages {m['packages']}  "
            f"refused {m['refused']}  files rejected {m['files_rejected']}  "
            f"rows {m['rows_read']}  quarantined {share}  days late {late}"
        )
