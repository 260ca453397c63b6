"""Sealed transfer (issue 4): a round trip, then every way a package can be forged or damaged.

Each tamper test changes a real package the way an attacker (or a broken drop box) would, opens
it through the CLI, and expects exit code 4, a one-line reason, nothing in landing and the
package set aside in inbox/rejected/ with its reason beside it.
"""

import datetime as dt
import json
import os
import random
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from analysis.catalog import Catalog
from analysis.transfer import open_package, receive_inbox, seal_package, state
from analysis.transfer.commands import keys, transfer
from analysis.transfer.encoding import canonical_json, utc_now
from analysis.transfer.errors import CODES, Refused
from analysis.transfer.keys import init_partner, load_signing_key, read_public
from analysis.transfer.package import CHUNK_SIZE, SIGNING_CONTEXT, read_trailer
from analysis.transfer.platform import init_platform, load_platform
from analysis.transfer.registry import Registry
from analysis.transfer.stream import decrypt, encrypt

cli = click.Group()
cli.add_command(keys)
cli.add_command(transfer)


@dataclass
class World:
    """A platform with its keys and registry, and a registered partner `igpr` with files."""

    catalog: Catalog
    tmp: Path
    bundle: Path  # the platform.pub partners seal to
    key: Path  # igpr's signing key
    files: list[Path]


def _register(catalog: Catalog, pub: Path, **kwargs) -> None:
    public, partner = read_public(pub)
    Registry(state.registry(catalog)).register(partner, public, **kwargs)


@pytest.fixture
def world(catalog, tmp_path) -> World:
    bundle = init_platform(state.platform_keys(catalog))
    key, pub = init_partner("igpr", tmp_path / "partner")
    since = utc_now() - dt.timedelta(days=30)  # packages sealed before registration still open
    _register(catalog, pub, name="Inspectoratul General al Poliției Române", valid_from=since)
    extract = tmp_path / "extract"
    extract.mkdir()
    rng = random.Random(4)
    cases = extract / "police_cases.csv"  # more than two chunks, the last one partial
    cases.write_bytes(rng.randbytes(2 * CHUNK_SIZE + 12345))
    notes = extract / "notițe.txt"
    notes.write_text("rânduri scurte\n", encoding="utf-8")
    return World(catalog, tmp_path, bundle, key, [cases, notes])


def seal(w: World, files: list[Path] | None = None, name: str = "p.nocta", **kw) -> Path:
    out = w.tmp / "outbox" / name
    seal_package("igpr", w.key, w.bundle, "police_cases", files or w.files, out, **kw)
    return out


def seal_cli(w: World, *args: object, to: Path | None = None):
    head = [
        "transfer",
        "seal",
        "--partner",
        "igpr",
        "--key",
        str(w.key),
        "--to",
        str(to or w.bundle),
    ]
    return CliRunner().invoke(cli, [*head, "--source", "police_cases", *map(str, args)])


def open_cli(package: Path, *args: str):
    return CliRunner().invoke(cli, ["transfer", "open", str(package), *args])


def landed_files(catalog: Catalog) -> list[Path]:
    return (
        [p for p in catalog.landing.rglob("*") if p.is_file()] if catalog.landing.exists() else []
    )


def assert_refused(w: World, package: Path, *reason_parts: str, code: str | None = None) -> str:
    """Exit 4, one line, landing empty, the package set aside with its reason, and an audit
    record that names the kind of refusal but quotes nothing from the package."""
    result = open_cli(package)
    assert result.exit_code == 4, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.output
    for part in reason_parts:
        assert part in message, message
    assert landed_files(w.catalog) == []
    assert not list(state.staging(w.catalog).glob("*"))
    assert not w.catalog.curated.exists()  # transfer never touches the snapshots
    rejected = w.catalog.inbox / "rejected"
    assert (rejected / package.name).is_file()
    assert reason_parts[0] in (rejected / f"{package.name}.reason.txt").read_text()
    audit = w.catalog.audit_log.read_text(encoding="utf-8")
    last = json.loads(audit.splitlines()[-1])
    assert (last["operation"], last["outcome"]) == ("collection", "rejected")
    assert last["details"]["refused_for"] in CODES
    assert code is None or last["details"]["refused_for"] == code
    assert "police_cases.csv" not in audit and "notițe" not in audit and "../x" not in audit
    return message


# --- taking packages apart, as an attacker would -------------------------------------------------
def parts(package: Path) -> tuple[list[bytes], bytes, bytes]:
    data = package.read_bytes()
    with package.open("rb") as f:
        manifest, signature = read_trailer(f, len(data))
    streams, at = [], 8
    for entry in json.loads(manifest)["files"]:
        streams.append(data[at : at + entry["ciphertext_size"]])
        at += entry["ciphertext_size"]
    return streams, manifest, signature


def assemble(path: Path, streams: list[bytes], manifest: bytes, signature: bytes) -> Path:
    footer = struct.pack(">Q8s", len(manifest), b"NOCTAEND")
    path.write_bytes(b"NOCTAPK1" + b"".join(streams) + manifest + signature + footer)
    return path


def resigned(w: World, package: Path, edit, key: SigningKey | None = None) -> Path:
    """The package with its manifest changed by `edit` and signed again with a partner's key:
    what a compromised or careless partner could send."""
    streams, manifest, _ = parts(package)
    document = json.loads(manifest)
    edit(document)
    body = canonical_json(document)
    signature = (key or load_signing_key(w.key)).sign(SIGNING_CONTEXT + body).signature
    return assemble(package, streams, body, signature)


# --- the round trip ------------------------------------------------------------------------------
def test_round_trip_lands_the_same_bytes_with_a_receipt(world):
    package = seal(world, case_ref="1234/D/P/2026", handling="H1")
    result = open_cli(package, "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["accepted"] and outcome["source"] == "police_cases"
    assert (outcome["partner"], outcome["sequence"], outcome["handling"]) == ("igpr", 1, "H1")
    landing = world.catalog.landing / "police_cases" / outcome["transfer_id"]
    assert sorted(landing.iterdir()) == sorted(landing / f.name for f in world.files)
    for original in world.files:
        assert (landing / original.name).read_bytes() == original.read_bytes()
    assert stat.S_IMODE(landing.stat().st_mode) == 0o750
    records = [json.loads(line) for line in world.catalog.audit_log.read_text().splitlines()]
    assert [(r["operation"], r["outcome"]) for r in records] == [("collection", "accepted")]
    assert "1234/D/P/2026" not in world.catalog.audit_log.read_text()
    receipt = Path(outcome["receipt"])
    verified = _verify_receipt(receipt, world.bundle, package)
    assert verified.exit_code == 0, verified.output
    assert outcome["transfer_id"] in verified.stdout


def test_empty_and_whole_chunk_files_round_trip(world):
    empty, whole = world.tmp / "empty.csv", world.tmp / "whole.csv"
    empty.write_bytes(b"")
    whole.write_bytes(b"x" * CHUNK_SIZE)  # the final tag sits on a full chunk
    outcome = open_package(world.catalog, seal(world, [empty, whole]))
    assert outcome.accepted, outcome.reason
    assert [p.read_bytes() for p in outcome.files] == [b"", b"x" * CHUNK_SIZE]


def test_the_cli_seals_and_the_package_leaves_the_inbox(world):
    inbox_package = world.catalog.inbox / "igpr-1.nocta"
    result = seal_cli(world, "--case", "DIICOT 77/2026", *world.files, "--out", inbox_package)
    assert result.exit_code == 0, result.output
    assert open_cli(inbox_package).exit_code == 0
    assert not inbox_package.exists()
    assert (world.catalog.inbox / "accepted" / inbox_package.name).is_file()


def test_synth_extracts_sealed_and_opened_ingest_to_the_same_snapshots(world, tmp_path):
    from analysis.ingest.pseudonymise import KEY_FILE
    from analysis.ingest.run import ingest_file
    from analysis.synth import generate

    extracts = generate(tmp_path / "synth", seed=7, scale=0.001, defects=0.01).paths
    direct = Catalog(tmp_path / "direct")
    direct.keys.mkdir(parents=True)
    (direct.keys / KEY_FILE).write_bytes((world.catalog.keys / KEY_FILE).read_bytes())
    (direct.keys / KEY_FILE).chmod(0o600)
    ins_key, ins_pub = init_partner("ins", world.tmp / "ins")
    _register(world.catalog, ins_pub, valid_from=utc_now() - dt.timedelta(days=1))
    for partner, key, source in (
        ("igpr", world.key, "police_cases"),
        ("ins", ins_key, "population"),
    ):
        out = world.tmp / f"{source}.nocta"
        seal_package(partner, key, world.bundle, source, [extracts[source]], out)
        outcome = open_package(world.catalog, out)
        assert outcome.accepted and outcome.sequence == 1, outcome.reason
        via_transfer = ingest_file(world.catalog, source, outcome.files[0])
        straight = ingest_file(direct, source, extracts[source])
        assert via_transfer.source_sha256 == straight.source_sha256
        assert (via_transfer.rows_accepted, via_transfer.rows_quarantined) == (
            straight.rows_accepted,
            straight.rows_quarantined,
        )
        a = pl.read_parquet(world.catalog.snapshot_data(source, via_transfer.snapshot_id))
        b = pl.read_parquet(direct.snapshot_data(source, straight.snapshot_id))
        assert a.equals(b)


# --- every tamper class is refused with exit 4 ---------------------------------------------------
def test_a_partner_sending_a_source_it_does_not_own(world):
    other = world.tmp / "population.csv"
    other.write_text("Judete, Ani, UM: Numar persoane\n")
    package = world.tmp / "p.nocta"
    seal_package("igpr", world.key, world.bundle, "population", [other], package)
    assert_refused(world, package, "igpr may not send population", "police_cases", code="source")


def test_a_partner_registered_with_its_own_sources(world):
    _, pub = init_partner("anaf", world.tmp / "anaf")
    plain = CliRunner().invoke(cli, ["keys", "register", "--partner", "anaf", str(pub)])
    assert plain.exit_code == 0 and "anaf may send no source yet" in plain.stderr
    _, pub2 = init_partner("anaf", world.tmp / "anaf2")
    args = ["keys", "register", "--partner", "anaf", "--source", "customs_seizures", str(pub2)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    listed = CliRunner().invoke(cli, ["keys", "list", "--json"]).stdout.splitlines()
    sources = [json.loads(line)["sources"] for line in listed if '"anaf"' in line]
    assert sorted(sources) == [[], ["customs_seizures"]]
    bad = ["keys", "register", "--partner", "anaf", "--source", "nonsense", str(pub2)]
    assert CliRunner().invoke(cli, bad).exit_code == 2


def test_a_flipped_ciphertext_byte(world):
    package = seal(world)
    data = bytearray(package.read_bytes())
    data[8 + CHUNK_SIZE + 500] ^= 0x01  # inside the second chunk of the first file
    package.write_bytes(bytes(data))
    assert_refused(world, package, "chunk 2 fails authentication", code="content")


def test_an_edited_manifest(world):
    package = seal(world)
    data = package.read_bytes().replace(b'"handling":"H0"', b'"handling":"H2"')
    package.write_bytes(data)
    assert_refused(world, package, "signature does not verify", code="signature")


def test_a_file_swapped_from_another_package(world):
    first = seal(world, name="first.nocta")
    other = world.tmp / "other.csv"
    other.write_bytes(random.Random(5).randbytes(world.files[0].stat().st_size))
    second = seal(world, [other, world.files[1]], name="second.nocta")
    streams, manifest, signature = parts(first)
    streams[0] = parts(second)[0][0]  # same size, valid ciphertext, from a genuine package
    assemble(first, streams, manifest, signature)
    assert_refused(world, first, "file 0 (police_cases.csv)", "fails authentication")


def test_two_files_swapped_inside_a_package(world):
    a, b = world.tmp / "a.csv", world.tmp / "b.csv"
    a.write_bytes(b"a" * 5000)
    b.write_bytes(b"b" * 5000)
    package = seal(world, [a, b])
    streams, manifest, signature = parts(package)
    assemble(package, streams[::-1], manifest, signature)
    assert_refused(world, package, "file 0 (a.csv)", "fails authentication")


def test_a_truncated_package(world):
    package = seal(world)
    package.write_bytes(package.read_bytes()[:-100])
    assert_refused(world, package, "truncated or has trailing data", code="damaged")


def test_a_truncated_file_inside_the_package(world):
    package = seal(world)
    streams, manifest, signature = parts(package)
    streams[0] = streams[0][:-1000]
    assemble(package, streams, manifest, signature)
    assert_refused(world, package, "bytes of encrypted files but its manifest lists")


def test_an_extra_file(world):
    package = seal(world)
    streams, manifest, signature = parts(package)
    assemble(package, [*streams, streams[1]], manifest, signature)
    assert_refused(world, package, "a file was added, removed or cut short")


def test_a_missing_file(world):
    package = seal(world)
    streams, manifest, signature = parts(package)
    assemble(package, streams[:1], manifest, signature)
    assert_refused(world, package, "a file was added, removed or cut short")


def test_a_replayed_package(world):
    package = seal(world)
    copy = world.tmp / "copy.nocta"
    copy.write_bytes(package.read_bytes())
    assert open_cli(package).exit_code == 0
    assert_refused_after_landing(world, copy, "replay: transfer")


def assert_refused_after_landing(w: World, package: Path, reason: str) -> None:
    before = sorted(landed_files(w.catalog))
    result = open_cli(package)
    assert result.exit_code == 4 and reason in result.stderr, result.output
    assert sorted(landed_files(w.catalog)) == before


def test_an_older_sequence_number(world):
    first, second = seal(world, name="1.nocta"), seal(world, name="2.nocta")
    assert open_cli(second).exit_code == 0
    assert_refused_after_landing(world, first, "sequence number 1 from igpr")


def test_a_gap_in_sequence_numbers_is_accepted_with_an_alert(world):
    seal(world, name="1.nocta")
    seal(world, name="2.nocta")
    third = seal(world, name="3.nocta")
    result = open_cli(third)
    assert result.exit_code == 0
    assert "Alert: sequence gap from igpr" in result.stderr and "expected 1, got 3" in result.stderr


def test_an_unknown_signer(world):
    key, _ = init_partner("dna", world.tmp / "dna")  # never registered
    package = world.tmp / "dna.nocta"
    seal_package("dna", key, world.bundle, "police_cases", world.files, package)
    assert_refused(world, package, "unknown signer: key", "(claimed by dna)", code="signer")


def test_a_registered_key_speaking_for_another_partner(world):
    key, pub = init_partner("dna", world.tmp / "dna")
    _register(world.catalog, pub)
    package = world.tmp / "p.nocta"
    seal_package("igpr", key, world.bundle, "police_cases", world.files, package)
    assert_refused(world, package, "belongs to dna, not to igpr")


def test_a_revoked_signer(world):
    package = seal(world)
    result = CliRunner().invoke(cli, ["keys", "revoke", "--partner", "igpr"])
    assert result.exit_code == 0, result.output
    assert_refused(world, package, "of igpr was revoked on", code="signer")


def test_an_expired_signer(world):
    key, pub = init_partner("dna", world.tmp / "dna")
    start = utc_now() - dt.timedelta(days=400)
    _register(world.catalog, pub, valid_from=start, valid_until=start + dt.timedelta(days=365))
    package = world.tmp / "dna.nocta"
    seal_package("dna", key, world.bundle, "police_cases", world.files, package)
    assert_refused(world, package, "of dna expired on")


def test_an_expired_package(world):
    package = seal(world, now=utc_now() - dt.timedelta(days=8))
    assert_refused(world, package, "the package expired on", code="window")


def test_a_package_for_another_platform(world):
    other = init_platform(world.tmp / "other-platform" / "platform")
    package = world.tmp / "elsewhere.nocta"
    seal_package("igpr", world.key, other, "police_cases", world.files, package)
    assert_refused(world, package, "the package is for platform", code="recipient")


@pytest.mark.parametrize("name", ["../x", "/etc/x", "sub/x", "..", ".hidden", "a\\b", "x\ny"])
def test_a_path_in_a_file_name(world, name):
    def rename(document):
        document["files"][0]["name"] = name

    package = resigned(world, seal(world), rename)
    assert_refused(world, package, "the manifest is malformed: file name", code="malformed")
    assert not (world.catalog.home / "x").exists() and not (world.catalog.landing / "x").exists()


def test_a_wrong_plaintext_hash_signed_by_the_partner(world):
    def lie(document):
        document["files"][1]["sha256"] = "0" * 64

    package = resigned(world, seal(world), lie)
    assert_refused(world, package, "file 1 (notițe.txt): the decrypted file differs")


def test_a_garbage_file(world):
    package = world.tmp / "junk.nocta"
    package.write_bytes(b"PK\x03\x04" + os.urandom(3000))
    assert_refused(world, package, "not a nocta package")


def test_a_manifest_nested_too_deeply_is_refused_not_a_crash(world):
    package = world.tmp / "deep.nocta"
    assemble(package, [], b"[" * 200_000, b"\0" * 64)
    assert_refused(world, package, "the manifest is malformed")


def test_refused_json_output_carries_the_reason(world):
    package = seal(world)
    package.write_bytes(package.read_bytes()[:-1])
    result = open_cli(package, "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["reason"].startswith("the package is truncated")


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_single_byte_change_or_cut_is_refused(world, data):
    if not hasattr(world, "small"):
        small = world.tmp / "small.csv"
        small.write_bytes(b"row;value\n" * 800)
        world.small = seal(world, [small], name="small.nocta").read_bytes()
    package = bytearray(world.small)
    at = data.draw(st.integers(0, len(package) - 1))
    if data.draw(st.booleans()):
        package[at] ^= data.draw(st.integers(1, 255))
    else:
        del package[at:]
    path = world.tmp / "fuzz.nocta"
    path.write_bytes(bytes(package))
    outcome = open_package(world.catalog, path)
    assert not outcome.accepted and "\n" not in outcome.reason
    assert landed_files(world.catalog) == []


# --- streams: the final chunk is required, nothing may follow it ---------------------------------
def _sealed_stream(n: int) -> tuple[bytes, bytes]:
    import io

    from nacl.bindings import crypto_secretstream_xchacha20poly1305_keygen as keygen

    key, out = keygen(), io.BytesIO()
    encrypt(io.BytesIO(b"z" * n), out, key, b"ad", 4096)
    return key, out.getvalue()


def test_a_stream_without_its_final_chunk_is_refused():
    import io

    key, sealed = _sealed_stream(3 * 4096)  # three full chunks, the third one final
    cut = sealed[: 24 + 2 * (4096 + 17)]
    with pytest.raises(Refused, match="final chunk is missing"):
        decrypt(io.BytesIO(cut), len(cut), io.BytesIO(), key, b"ad", 4096, "f")


def test_data_after_the_final_chunk_is_refused():
    import io

    from nacl import bindings as sodium

    key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    state_ = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state_, key)
    final = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    first = sodium.crypto_secretstream_xchacha20poly1305_push(state_, b"z" * 4096, b"ad", final)
    extra = sodium.crypto_secretstream_xchacha20poly1305_push(state_, b"more", b"ad")
    sealed = header + first + extra  # a sealer that ended the stream early, then went on
    with pytest.raises(Refused, match="trailing data after the final chunk"):
        decrypt(io.BytesIO(sealed), len(sealed), io.BytesIO(), key, b"ad", 4096, "f")


def test_another_files_additional_data_is_refused():
    import io

    key, sealed = _sealed_stream(100)
    with pytest.raises(Refused, match="fails authentication"):
        decrypt(io.BytesIO(sealed), len(sealed), io.BytesIO(), key, b"other", 4096, "f")


# --- rotation ------------------------------------------------------------------------------------
def _bundle_with(w: World, role: str) -> Path:
    """platform.pub as it would look with only one receive key, signed by the platform."""
    document = json.loads(w.bundle.read_text())
    bundle = document["bundle"]
    bundle["receive_keys"] = {role: bundle["receive_keys"][role]}
    signing = load_platform(w.bundle.parent).signing
    document["signature"] = signing.sign(canonical_json(bundle)).signature.hex()
    path = w.tmp / f"platform-{role}.pub"
    path.write_text(json.dumps(document))
    return path


def _rotate() -> None:
    result = CliRunner().invoke(cli, ["keys", "rotate", "--platform"])
    assert result.exit_code == 0, result.output


def test_a_package_sealed_to_the_next_key_opens_after_rotation(world):
    out = world.tmp / "next.nocta"
    seal_package("igpr", world.key, _bundle_with(world, "next"), "police_cases", world.files, out)
    _rotate()
    assert open_package(world.catalog, out).accepted


def test_a_package_sealed_to_a_retired_key_is_refused(world):
    old = world.tmp / "old.nocta"
    seal_package(
        "igpr", world.key, _bundle_with(world, "current"), "police_cases", world.files, old
    )
    _rotate()
    assert_refused(world, old, "none of them active here", "retired key", code="recipient")


def test_a_stale_bundle_works_for_one_rotation_only(world):
    once, twice = seal(world, name="once.nocta"), seal(world, name="twice.nocta")
    _rotate()
    assert open_package(world.catalog, once).accepted
    _rotate()
    assert_refused_after_landing(world, twice, "none of them active here")


# --- receipts ------------------------------------------------------------------------------------
def _verify_receipt(receipt: Path, bundle: Path, package: Path | None = None):
    args = ["transfer", "verify-receipt", str(receipt), "--platform", str(bundle)]
    return CliRunner().invoke(cli, [*args, *(["--package", str(package)] if package else [])])


def test_a_forged_receipt_fails(world):
    package = seal(world)
    receipt = open_package(world.catalog, package).receipt
    document = json.loads(receipt.read_text())
    document["receipt"]["files"][0]["size"] += 1
    forged = world.tmp / "forged.json"
    forged.write_text(json.dumps(document))
    result = _verify_receipt(forged, world.bundle)
    assert result.exit_code == 4 and "signature does not verify" in result.stderr


def test_a_receipt_signed_by_another_platform_fails(world):
    receipt = open_package(world.catalog, seal(world)).receipt
    impostor = init_platform(world.tmp / "impostor" / "platform")
    body = json.loads(receipt.read_text())["receipt"] | {
        "platform": load_platform(impostor.parent).platform_id
    }
    signing = load_platform(impostor.parent).signing
    signature = signing.sign(b"nocta-transfer receipt v1\0" + canonical_json(body)).signature
    forged = world.tmp / "impostor.json"
    forged.write_text(json.dumps({"receipt": body, "signature": signature.hex()}))
    result = _verify_receipt(forged, world.bundle)
    assert result.exit_code == 4 and "is not a receipt from platform" in result.stderr


def test_a_receipt_for_another_package_fails(world):
    first, second = seal(world, name="a.nocta"), seal(world, name="b.nocta")
    receipt = open_package(world.catalog, first).receipt
    result = _verify_receipt(receipt, world.bundle, second)
    assert result.exit_code == 4 and "is not a receipt for b.nocta" in result.stderr


# --- the inbox -----------------------------------------------------------------------------------
def test_receive_inbox_opens_every_package_in_order_and_sets_aside_the_bad(world):
    inbox = world.catalog.inbox
    first, second = seal(world, name="first.nocta"), seal(world, name="second.nocta")
    inbox.mkdir(parents=True)
    os.replace(second, inbox / "a.nocta")  # name order is not sequence order
    os.replace(first, inbox / "b.nocta")
    (inbox / "c.nocta").write_bytes(b"not a package")
    (inbox / "d.nocta.part").write_bytes(b"still uploading")
    outcomes = receive_inbox(world.catalog, inbox)
    assert [(o.accepted, o.sequence) for o in outcomes] == [(False, None), (True, 1), (True, 2)]
    assert outcomes[0].package == inbox / "rejected" / "c.nocta"
    assert "to be a nocta package" in (inbox / "rejected" / "c.nocta.reason.txt").read_text()
    assert all(len(o.files) == 2 and all(p.is_file() for p in o.files) for o in outcomes[1:])
    assert sorted(p.name for p in (inbox / "accepted").iterdir()) == ["a.nocta", "b.nocta"]
    assert (inbox / "d.nocta.part").exists()
    assert receive_inbox(world.catalog, inbox) == []


def test_one_intake_at_a_time(world):
    import fcntl

    from analysis.transfer.errors import TransferError

    world.catalog.inbox.mkdir(parents=True)
    held = os.open(world.catalog.inbox / ".intake.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        with pytest.raises(TransferError, match="another intake is running"):
            receive_inbox(world.catalog, world.catalog.inbox)
    finally:
        os.close(held)


def test_plaintext_left_by_an_interrupted_open_is_removed(world):
    dead = state.staging(world.catalog) / "20260101T000000Z-x.999999999.abc"
    dead.mkdir(parents=True)
    (dead / "police_cases.csv").write_text("personal data")
    assert open_package(world.catalog, seal(world)).accepted
    assert list(state.staging(world.catalog).iterdir()) == []


# --- keys ----------------------------------------------------------------------------------------
def test_private_keys_are_mode_600_in_private_folders(world):
    platform_dir = state.platform_keys(world.catalog)
    for path in [world.key, *platform_dir.glob("*.key")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (world.key.parent, platform_dir, world.catalog.keys):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert len(list(platform_dir.glob("*.key"))) == 3  # identity, current, next


def test_keys_init_by_cli_and_never_overwritten(tmp_path, monkeypatch):
    monkeypatch.setenv("NOCTA_HOME", str(tmp_path / "var"))
    monkeypatch.delenv("NOCTA_KEYS", raising=False)
    runner = CliRunner()
    init_anaf = ["keys", "init", "--partner", "anaf", "--out", str(tmp_path / "k")]
    partner = runner.invoke(cli, init_anaf)
    assert partner.exit_code == 0 and partner.stdout.strip().endswith("anaf.pub")
    assert stat.S_IMODE((tmp_path / "k" / "anaf.key").stat().st_mode) == 0o600
    again = runner.invoke(cli, init_anaf)
    assert again.exit_code == 1 and "never overwritten" in again.stderr
    platform = runner.invoke(cli, ["keys", "init", "--platform"])
    assert platform.exit_code == 0 and platform.stdout.strip().endswith("platform.pub")
    pseudonym = runner.invoke(cli, ["keys", "init", "--pseudonym"])
    assert pseudonym.exit_code == 0 and pseudonym.stdout.strip().endswith("pseudonym.key")
    both = runner.invoke(cli, ["keys", "init", "--platform", "--pseudonym"])
    assert both.exit_code == 2


def test_partner_keys_are_refused_inside_a_git_checkout(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    out = tmp_path / "repo" / "keys"
    result = CliRunner().invoke(cli, ["keys", "init", "--partner", "igpr", "--out", str(out)])
    assert result.exit_code == 1 and "inside the git checkout" in result.stderr
    assert not out.exists()


def test_a_key_file_others_can_read_is_not_used(world):
    world.key.chmod(0o644)
    result = seal_cli(world, world.files[0], "--out", world.tmp / "x.nocta")
    assert result.exit_code == 1 and "readable by others" in result.stderr
    assert not (world.tmp / "x.nocta").exists()


def test_the_platform_identity_is_pinned_on_first_use(world):
    seal(world, name="first.nocta")
    impostor = init_platform(world.tmp / "impostor" / "platform")
    result = seal_cli(world, world.files[1], "--out", world.tmp / "x.nocta", to=impostor)
    assert result.exit_code == 1 and "but this key seals to platform" in result.stderr
    assert not (world.tmp / "x.nocta").exists()


def test_register_checks_the_partner_named_in_the_key_file(world):
    _, pub = init_partner("dna", world.tmp / "dna")
    wrong = CliRunner().invoke(cli, ["keys", "register", "--partner", "igpr", str(pub)])
    assert wrong.exit_code == 1 and "is the key of 'dna'" in wrong.stderr
    right = CliRunner().invoke(cli, ["keys", "register", "--partner", "dna", str(pub)])
    assert right.exit_code == 0 and len(right.stdout.strip()) == 16
    twice = CliRunner().invoke(cli, ["keys", "register", "--partner", "dna", str(pub)])
    assert twice.exit_code == 1 and "already registered" in twice.stderr


def test_the_sequence_counter_rises_only_when_a_package_is_written(world, monkeypatch):
    assert json.loads(parts(seal(world, name="1.nocta"))[1])["sequence"] == 1

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr("analysis.transfer.seal.encrypt", disk_full)
        with pytest.raises(OSError):
            seal(world, name="2.nocta")
    assert sorted(p.name for p in (world.tmp / "outbox").iterdir()) == ["1.nocta"]
    assert json.loads(parts(seal(world, name="2.nocta"))[1])["sequence"] == 2


def test_a_sequence_number_at_the_maximum_is_undone_by_an_audited_reset(world):
    from analysis.transfer.package import MAX_INT

    counter = world.key.with_suffix(".seq")
    assert open_package(world.catalog, seal(world, name="1.nocta")).accepted
    counter.write_text(f"{MAX_INT - 1}\n")  # a bug at the partner, or a stolen key
    assert open_package(world.catalog, seal(world, name="max.nocta")).sequence == MAX_INT
    counter.write_text("1\n")
    locked = open_package(world.catalog, seal(world, name="2.nocta"))
    assert not locked.accepted and "is not after the last one opened" in locked.reason
    key_id = json.loads(parts(world.tmp / "outbox" / "1.nocta")[1])["sender"]["key_id"]
    reset = CliRunner().invoke(cli, ["transfer", "reset-sequence", "--key-id", key_id, "--to", "1"])
    assert reset.exit_code == 0 and "expected as number 2" in reset.stderr
    last = json.loads(world.catalog.audit_log.read_text().splitlines()[-1])
    assert (last["operation"], last["outcome"]) == ("alteration", "sequence reset")
    assert last["details"]["last_before"] == MAX_INT
    counter.write_text("1\n")
    assert open_package(world.catalog, seal(world, name="2-again.nocta")).accepted
