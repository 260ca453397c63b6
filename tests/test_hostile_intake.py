"""Hostile and careless inputs against the intake (`nocta transfer receive`, `nocta ingest`).

Each test builds its hostile file or package here, small, runs the real CLI (or the library
the CLI calls), and checks what an operator would notice: one clear line, the right exit code,
every other package still ingested, nothing written outside the data root.
"""

import datetime as dt
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.transfer import open_package, state
from analysis.transfer.encoding import canonical_json, utc_now
from analysis.transfer.keys import init_partner, read_public
from analysis.transfer.platform import init_platform
from analysis.transfer.registry import Registry
from test_transfer import World, assemble, parts, seal

NOCTA = str(Path(sys.executable).with_name("nocta"))
HEADER = (
    "NR_DOSAR;DATA_INREGISTRARE;JUDET;PIATA;ART_INCADRARE;GRUP_INFRACTIONAL;ID_GRUP;"
    "NR_SUSPECTI;CNP_SUSPECTI;PREJUDICIU_RON;STADIU;OBSERVATII"
)


@pytest.fixture
def world(catalog, tmp_path) -> World:
    """A platform with igpr registered (test_transfer's world, without its files)."""
    bundle = init_platform(state.platform_keys(catalog))
    key, pub = init_partner("igpr", tmp_path / "partner")
    public, partner = read_public(pub)
    since = utc_now() - dt.timedelta(days=30)
    Registry(state.registry(catalog)).register(partner, public, valid_from=since)
    return World(catalog, tmp_path, bundle, key, [])


def police_rows(first: int, n: int, notes: str = "") -> list[str]:
    return [
        f"{i}/P/2024;15.03.2024;Cluj;drugs_cannabis;L143/2000 art. 2;NU;;0;;;in_lucru;{notes}"
        for i in range(first, first + n)
    ]


def police_csv(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1250"))
    return path


def receive(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NOCTA, "transfer", "receive", *args], capture_output=True, text=True, env=os.environ
    )


def snapshots(w: World, source: str = "police_cases") -> list[dict]:
    folder = w.catalog.curated / source
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*/_manifest.json"))]


def drop(w: World, package: Path, name: str | None = None) -> Path:
    w.catalog.inbox.mkdir(parents=True, exist_ok=True)
    return package.rename(w.catalog.inbox / (name or package.name))


# --- one package never stops the others -------------------------------------------------------
def test_a_markup_partner_name_is_refused_plainly_and_the_next_package_is_ingested(world):
    good = police_csv(world.tmp / "a" / "police_cases.csv", police_rows(1, 30))
    hostile = seal(world, [good], name="hostile.nocta")
    streams, manifest, signature = parts(hostile)
    document = json.loads(manifest)
    document["sender"]["partner"] = "[/red]"
    assemble(hostile, streams, canonical_json(document), signature)
    drop(world, hostile, "a-hostile.nocta")
    drop(world, seal(world, [good], name="b-good.nocta"))
    done = receive()
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "[/red]" in done.stderr
    assert "refused a-hostile.nocta" in done.stderr
    assert [s["rows_accepted"] for s in snapshots(world)] == [30]
    assert "1 package(s) refused" in done.stderr.splitlines()[-1]


def test_an_unreadable_extract_does_not_strand_the_packages_after_it(world):
    garbage = world.tmp / "bad" / "police_cases.csv"
    garbage.parent.mkdir()
    garbage.write_bytes(b"\x00\x01binary" * 100)
    good = police_csv(world.tmp / "good" / "police_cases.csv", police_rows(1, 12))
    drop(world, seal(world, [garbage], name="a.nocta"))
    drop(world, seal(world, [good], name="b.nocta"))
    done = receive()
    assert done.returncode == 3, done.stderr
    assert "unreadable police_cases police_cases.csv" in done.stderr
    assert "Traceback" not in done.stderr
    assert [s["rows_accepted"] for s in snapshots(world)] == [12]
    audit = [json.loads(x) for x in world.catalog.audit_log.read_text().splitlines()]
    assert "rejected: unreadable" in [r["outcome"] for r in audit]
    again = receive()
    assert again.returncode == 0 and "No packages waiting" in again.stderr


def test_a_package_landed_but_not_ingested_is_finished_by_the_next_run(world):
    good = police_csv(world.tmp / "x" / "police_cases.csv", police_rows(1, 7))
    assert open_package(world.catalog, seal(world, [good])).accepted  # the run stopped here
    assert snapshots(world) == []
    done = receive()
    assert done.returncode == 0, done.stderr
    assert [s["rows_accepted"] for s in snapshots(world)] == [7]
    assert "No packages waiting" in receive().stderr


def test_a_missing_pseudonym_key_fails_the_run_and_the_next_run_ingests(world):
    good = police_csv(world.tmp / "x" / "police_cases.csv", police_rows(1, 5))
    key = world.catalog.keys / "pseudonym.key"
    kept = key.read_bytes()
    key.unlink()
    drop(world, seal(world, [good]))
    done = receive()
    assert done.returncode == 1 and "nocta keys init --pseudonym" in done.stderr
    assert snapshots(world) == []
    fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, kept)
    os.close(fd)
    assert receive().returncode == 0
    assert [s["rows_accepted"] for s in snapshots(world)] == [5]


# --- links never lead out of the data root ----------------------------------------------------
@pytest.mark.parametrize("folder", ["rejected", "accepted"])
def test_a_linked_inbox_folder_is_never_written_through(world, tmp_path, folder):
    outside = tmp_path / "outside"
    outside.mkdir()
    world.catalog.inbox.mkdir(parents=True)
    (world.catalog.inbox / folder).symlink_to(outside)
    good = police_csv(world.tmp / "x" / "police_cases.csv", police_rows(1, 3))
    drop(world, seal(world, [good], name="a.nocta"))
    (world.catalog.inbox / "b.nocta").write_bytes(b"not a package")
    done = receive()
    assert done.returncode != 0 and "symbolic link" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(outside.iterdir()) == []


def test_a_dangling_link_for_the_lock_or_a_reason_creates_nothing(world, tmp_path):
    world.catalog.inbox.mkdir(parents=True)
    (world.catalog.inbox / ".intake.lock").symlink_to(tmp_path / "made-by-lock")
    done = receive()
    assert done.returncode == 1 and "intake lock" in done.stderr
    assert not (tmp_path / "made-by-lock").exists()
    (world.catalog.inbox / ".intake.lock").unlink()
    (world.catalog.inbox / "rejected").mkdir()
    (world.catalog.inbox / "rejected" / "c.nocta.reason.txt").symlink_to(tmp_path / "made")
    (world.catalog.inbox / "c.nocta").write_bytes(b"not a package")
    assert receive().returncode == 4
    assert not (tmp_path / "made").exists()


def ingest(path: Path, *args: str, source: str = "police_cases") -> subprocess.CompletedProcess:
    return subprocess.run(
        [NOCTA, "ingest", "--source", source, str(path), *args],
        capture_output=True,
        text=True,
        env=os.environ,
    )


@pytest.mark.parametrize("zone", ["curated", "quarantine"])
def test_a_linked_curated_or_quarantine_folder_is_never_written_through(catalog, tmp_path, zone):
    outside = tmp_path / "outside"
    outside.mkdir()
    (catalog.home / zone).mkdir(parents=True)
    (catalog.home / zone / "police_cases").symlink_to(outside)
    rows = [*police_rows(1, 30), "31/P/2024;15.03.2024;Ilfof;drugs_cannabis;x;NU;;0;;;in_lucru;"]
    done = ingest(police_csv(tmp_path / "police.csv", rows))
    assert done.returncode == 1, done.stderr
    assert "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert list(outside.iterdir()) == []


def test_every_quarantine_file_is_private_to_the_platform(catalog, tmp_path):
    rows = [*police_rows(1, 30), "31/P/2024;15.03.2024;Ilfof;drugs_cannabis;x;NU;;0;;;in_lucru;"]
    assert ingest(police_csv(tmp_path / "police.csv", rows)).returncode == 0
    files = [p for p in catalog.quarantine.rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == ["reasons.csv", "rows.csv", "summary.json"]
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o600"}


# --- personal data in free text -----------------------------------------------------------------
def cnp(first12: str) -> str:
    from analysis.reference.cnp import check_digit

    return first12 + str(check_digit(first12))


SUSPECT = cnp("180010112345")  # born 1980-01-01, Cluj (12)
OTHER = cnp("290512403456")


def test_cnps_typed_into_free_text_never_reach_the_snapshot(catalog, tmp_path):
    wrong_check = SUSPECT[:12] + str((int(SUSPECT[12]) + 1) % 10)  # an invoice number, say
    rows = [
        *police_rows(1, 20),
        f"21/P/2024;15.03.2024;Cluj;drugs_cannabis;L143/2000 art. 2;NU;;1;{SUSPECT};;in_lucru;"
        f"martor {OTHER}, suspect {SUSPECT}, factura {wrong_check}",
        f"22/P/2024;15.03.2024;Cluj;drugs_cannabis;CP art. 367 ({OTHER});NU;;0;;;in_lucru;",
    ]
    done = ingest(police_csv(tmp_path / "police.csv", rows), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["cnps_in_text"] == {"ART_INCADRARE": 1, "OBSERVATII": 2}
    import polars as pl

    snapshot = pl.read_parquet(catalog.snapshot_data("police_cases", summary["snapshot_id"]))
    notes, basis = snapshot["notes"][20], snapshot["legal_basis"][21]
    pseudonym = snapshot["suspect_ids"][20][0]
    assert SUSPECT not in notes and OTHER not in notes and OTHER not in basis
    assert f"suspect {pseudonym}" in notes  # the same person, linkable, not identifiable
    assert wrong_check in notes  # not a CNP: left as typed
    for path in catalog.home.rglob("*"):
        if path.is_file() and path.name != "rows.csv":
            data = path.read_bytes()
            assert SUSPECT.encode() not in data and OTHER.encode() not in data, path


def test_a_cnp_in_any_column_is_masked_in_reasons_and_never_printed(catalog, tmp_path):
    rows = [
        *police_rows(1, 100),
        f"101/P/2024;15.03.2024;{SUSPECT};drugs_cannabis;x;NU;;0;;;in_lucru;",
        f"102/P/2024;15.03.2024;Cluj;drugs_cannabis;x;NU;;0;;;{OTHER};",
        f"103/P/2024;15.03.2024;Cluj;drugs_cannabis;;NU;;0;;;in_lucru;note {OTHER}",
    ]
    path = police_csv(tmp_path / "police.csv", rows)
    reasons = tmp_path / "reasons.csv"
    for done in (ingest(path), ingest(path, "--json")):
        assert done.returncode == 0, done.stderr
        assert SUSPECT not in done.stdout + done.stderr and OTHER not in done.stdout + done.stderr
    checked = subprocess.run(
        [NOCTA, "check", "--source", "police_cases", str(path), "--reasons", str(reasons)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    quarantined = next(catalog.quarantine.rglob("reasons.csv"))
    for written in (quarantined, reasons):
        text = written.read_text()
        assert "JUDET" in text and "STADIU" in text
        assert SUSPECT not in text and OTHER not in text, written
    assert SUSPECT in next(catalog.quarantine.rglob("rows.csv")).read_text()  # stewards only


def test_error_messages_mask_what_could_be_a_cnp():
    from analysis.ingest.freetext import scrub

    assert scrub(f"could not parse `{SUSPECT}` at line 3") == "could not parse `***` at line 3"


# --- the pseudonym key ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "mode", "said"),
    [
        ("k1:\n", 0o600, "is not a pseudonymisation key"),  # empty: every pseudonym reversible
        ("k1:" + "ab" * 31 + "\n", 0o600, "at least 32 bytes"),
        ("k1:" + "zz" * 32 + "\n", 0o600, "is not a pseudonymisation key"),
        ("k1:" + "ab" * 32 + "\n", 0o640, "can be read by others (mode 640)"),
    ],
)
def test_a_broken_pseudonym_key_is_refused_naming_the_file(catalog, tmp_path, content, mode, said):
    key = catalog.keys / "pseudonym.key"
    key.write_text(content)
    key.chmod(mode)
    done = ingest(police_csv(tmp_path / "police.csv", police_rows(1, 3)))
    assert done.returncode == 2, done.stderr
    message = done.stderr.strip()
    assert "\n" not in message and str(key) in message and said in message
    assert not catalog.curated.exists()


# --- containers: XLSX and Parquet within the source's limits --------------------------------------
def police_xlsx(path: Path, rows: int = 3, extra_sheets: dict | None = None, edit=None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dosare"
    sheet.append(HEADER.split(";"))
    for line in police_rows(1, rows):
        sheet.append(line.split(";"))
    for title, lines in (extra_sheets or {}).items():
        other = book.create_sheet(title)
        for line in lines:
            other.append(line.split(";"))
    if edit:
        edit(sheet)
    book.save(path)
    return path


def rewrite_part(path: Path, part: str, change) -> Path:
    import zipfile

    with zipfile.ZipFile(path) as book:
        contents = {info.filename: book.read(info) for info in book.infolist()}
    contents[part] = change(contents[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in contents.items():
            book.writestr(name, data)
    return path


def test_an_xlsx_declaring_the_whole_grid_is_refused_before_reading(catalog, tmp_path):
    import re

    bomb = rewrite_part(
        police_xlsx(tmp_path / "police.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )
    done = ingest(bomb)
    assert done.returncode == 2, done.stderr
    assert 'sheet "Dosare" spans 1,048,576 rows by 16,384 columns' in done.stderr
    assert "max_rows, max_columns in the contract" in done.stderr
    assert not catalog.curated.exists() and not catalog.quarantine.exists()


def test_an_xlsx_whose_grid_is_within_rows_and_columns_but_too_many_cells(catalog, tmp_path):
    import re

    bomb = rewrite_part(
        police_xlsx(tmp_path / "police.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:CV1048576"', xml),
    )
    done = ingest(bomb)
    assert done.returncode == 2, done.stderr
    assert "1,048,576 rows by 100 columns, more than the 16,777,216 cells" in done.stderr


def test_an_xlsx_with_a_cell_far_to_the_right_is_refused(catalog, tmp_path):
    far = police_xlsx(tmp_path / "police.xlsx", edit=lambda s: s.cell(2, 5000, "x"))
    done = ingest(far)
    assert done.returncode == 2 and "5,000 columns" in done.stderr, done.stderr


def test_an_xlsx_that_unpacks_past_the_limit_is_refused(catalog, tmp_path):
    import zipfile

    path = police_xlsx(tmp_path / "police.xlsx")
    padding = "xl/media/padding.bin"
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as book,
        book.open(padding, "w", force_zip64=True) as f,
    ):
        for _ in range(129):
            f.write(bytes(1 << 20))
    done = ingest(path)
    assert done.returncode == 2 and "unpacks to more than 128 MiB" in done.stderr, done.stderr


def test_the_sheet_with_the_sources_columns_is_read_and_two_are_an_error(catalog, tmp_path):
    notes = {"Note": ["Observații ale biroului", "nimic de raportat"]}
    one = ingest(police_xlsx(tmp_path / "one.xlsx", rows=30, extra_sheets=notes), "--json")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["rows_read"] == 30
    more = {"Dosare 2": [HEADER, *police_rows(100, 60)]}
    two = ingest(police_xlsx(tmp_path / "two.xlsx", extra_sheets=more))
    assert two.returncode == 2, two.stderr
    assert 'has 2 sheets and "Dosare", "Dosare 2" with the source\'s columns' in two.stderr


def test_a_formula_without_a_saved_value_is_an_error_naming_the_cell(catalog, tmp_path):
    def formula(sheet) -> None:
        sheet["J3"] = "=1000+234"  # openpyxl saves no value: Excel computes it on opening

    done = ingest(police_xlsx(tmp_path / "police.xlsx", edit=formula))
    assert done.returncode == 2, done.stderr
    assert 'sheet "Dosare" cell(s) J3 hold a formula without a saved value' in done.stderr


def test_a_parquet_over_the_row_limit_is_refused_from_its_footer(catalog, tmp_path):
    import polars as pl

    path = tmp_path / "ocg.parquet"
    pl.select(ID_GRUP=pl.repeat("GR-000001", 100_001)).write_parquet(path)
    done = ingest(path, source="ocg_register")
    assert done.returncode == 2, done.stderr
    assert "has 100,001 rows, over the limit of 100,000" in done.stderr


def test_a_flood_of_identical_rows_stops_before_filling_the_quarantine(catalog, tmp_path):
    header = "NR_DOSAR_PARCHET;NR_DOSAR_POLITIE;STRUCTURA;JUDET;DATA_SESIZARE;DATA_SOLUTIE;"
    header += "SOLUTIE;PIETE;ID_GRUP;NR_INCULPATI;CNP_INCULPATI;SECHESTRU_RON"
    row = "1/D/P/2024;;ST Cluj;Cluj;15.03.2024;;;drugs_cannabis;;0;;"
    path = tmp_path / "prosecution.csv"
    path.write_text("\n".join([header, *[row] * 60_000]) + "\n")
    done = ingest(path, source="prosecution_cases")
    assert done.returncode == 2, done.stderr
    assert "rows break the contract already" in done.stderr and "stopped reading" in done.stderr
    assert not catalog.quarantine.exists() or not any(catalog.quarantine.rglob("*.csv"))


def test_duplicate_headers_are_found_in_one_pass(catalog, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(";".join(["X"] * 90 + HEADER.split(";")[:5]) + "\n1\n")
    done = ingest(path)
    assert done.returncode == 2 and "more than one column named X" in done.stderr
    wide = tmp_path / "wider.csv"
    wide.write_text(";".join(f"C{i}" for i in range(200_000)) + "\n1\n")
    done = ingest(wide)
    assert done.returncode == 2 and "200,000 columns, over the limit of 100" in done.stderr


def test_a_stray_quote_names_its_row(catalog, tmp_path):
    rows = police_rows(1, 20_000)
    rows[1] = rows[1].replace("Cluj", 'Cl"uj')
    done = ingest(police_csv(tmp_path / "police.csv", rows))
    assert done.returncode == 2, done.stderr
    assert 'police.csv row 2: a quote (") opens a value that never closes' in done.stderr
    assert "Traceback" not in done.stderr


# --- smaller cases --------------------------------------------------------------------------------
def test_blank_last_lines_are_not_records(catalog, tmp_path):
    path = police_csv(tmp_path / "police.csv", police_rows(1, 25))
    path.write_bytes(path.read_bytes() + b"\r\n\r\n")
    done = ingest(path, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["rows_read"], summary["rows_quarantined"]) == (25, 0)


def test_nul_bytes_past_the_first_block_of_text_are_quarantined(catalog, tmp_path):
    import polars as pl

    rows = police_rows(1, 200)
    rows[150] = rows[150].replace("in_lucru;", "in_lucru;ab\x00cd")
    done = ingest(police_csv(tmp_path / "police.csv", rows), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["rows_read"], summary["rows_quarantined"]) == (200, 1)
    assert summary["reasons"] == {"_row:encoding": 1}
    snapshot = pl.read_parquet(catalog.snapshot_data("police_cases", summary["snapshot_id"]))
    assert not snapshot["notes"].drop_nulls().str.contains("\x00", literal=True).any()


def test_two_opens_of_one_package_at_once_one_lands_the_other_is_refused_and_audited(world):
    big = world.tmp / "x" / "police_cases.csv"
    big.parent.mkdir()
    big.write_bytes(os.urandom(24 << 20))  # long enough to decrypt that both are under way
    package = drop(world, seal(world, [big]))
    both = [
        subprocess.Popen(
            [NOCTA, "transfer", "open", str(package)], stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = sorted((p.wait(), p.stderr.read()) for p in both)
    assert [code for code, _ in results] == [0, 4], results
    assert "Traceback" not in results[1][1] and len(results[1][1].strip().splitlines()) == 1
    records = [json.loads(x) for x in world.catalog.audit_log.read_text().splitlines()]
    assert sorted(r["outcome"] for r in records) == ["accepted", "rejected"]
    assert (world.catalog.inbox / "accepted" / package.name).is_file()


def test_a_linked_landing_folder_is_never_written_through(world, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    world.catalog.landing.mkdir(parents=True)
    (world.catalog.landing / "police_cases").symlink_to(outside)
    good = police_csv(world.tmp / "x" / "police_cases.csv", police_rows(1, 3))
    drop(world, seal(world, [good]))
    done = receive()
    assert done.returncode == 1 and "symbolic link" in done.stderr, done.stderr
    assert list(outside.iterdir()) == []
    assert list(world.catalog.inbox.glob("*.nocta"))  # waits for the link to be fixed


def test_a_small_parquet_that_unpacks_to_gigabytes_is_refused(catalog, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 3_000_000
    notes = pa.DictionaryArray.from_arrays(
        pa.array([0] * rows, type=pa.int32()), pa.array(["x" * 1500])
    )  # 4.5 GB of text once read, a few hundred KB on disk
    path = tmp_path / "police.parquet"
    pq.write_table(pa.table({"OBSERVATII": notes}), path, compression="zstd")
    assert path.stat().st_size < 2_000_000
    done = ingest(path)
    assert done.returncode == 2, done.stderr
    assert "unpacks to more than 128 MiB" in done.stderr
    # the largest child this test process waited for, this ingest included
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 2 << 20  # under 2 GiB
