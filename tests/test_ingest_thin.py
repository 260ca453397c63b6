"""Thin ingest of a police extract: every row accepted or quarantined, CNPs never kept."""

import datetime as dt
import json
import stat

import polars as pl

from analysis.ingest.run import ingest_file

TODAY = dt.date(2026, 11, 29)


def test_every_row_is_accepted_or_quarantined_with_its_reasons(catalog, fixtures):
    result = ingest_file(catalog, "police_cases", fixtures / "police_small.csv", today=TODAY)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (6, 3, 3)
    assert result.reasons == {
        "county:county": 1,
        "market:enum": 1,
        "registered_on:date": 1,
        "suspect_ids:cnp": 1,
    }
    assert result.read_as == {"format": "csv", "encoding": "cp1250", "separator": ";"}

    rejected = pl.read_csv(
        catalog.quarantine / "police_cases" / result.snapshot_id / "rejected_rows.csv"
    )
    assert rejected["row"].to_list() == [3, 4, 5]
    reasons = dict(zip(rejected["row"], rejected["reasons"], strict=True))
    assert '"31.02.2024" is not a date' in reasons[3]
    assert '"Ilfof" is not a county (did you mean "Ilfov"?)' in reasons[4]
    assert "market:enum" in reasons[5] and "suspect_ids:cnp" in reasons[5]
    assert "check digit" in reasons[5]


def test_snapshot_is_normalised_and_pseudonymised(catalog, fixtures):
    result = ingest_file(catalog, "police_cases", fixtures / "police_small.csv", today=TODAY)
    snap = pl.read_parquet(catalog.snapshot_data("police_cases", result.snapshot_id))
    assert snap["case_id"].to_list() == ["1/P/2024", "2/P/2024", "6/P/2023"]
    assert snap["county"].to_list() == ["CJ", "CT", "B"]
    assert snap["registered_on"].to_list() == [
        dt.date(2024, 3, 15),
        dt.date(2024, 4, 1),
        dt.date(2023, 10, 10),
    ]
    assert snap["notes"].to_list() == ["Percheziție la domiciliu", "=SUM(A1)", "țeapă online"]
    ids = snap["suspect_ids"].to_list()
    assert [len(x) for x in ids] == [2, 1, 0]
    assert all(p.startswith("k1-") and len(p) == 19 for x in ids for p in x)
    raw = (catalog.snapshot_dir("police_cases", result.snapshot_id) / "data.parquet").read_bytes()
    for cnp in (b"1800101221144", b"2990312400013", b"1800101221541"):
        assert cnp not in raw


def test_the_same_person_gets_the_same_pseudonym_across_ingests(catalog, fixtures, tmp_path):
    first = ingest_file(catalog, "police_cases", fixtures / "police_small.csv", today=TODAY)
    again = tmp_path / "police_again.csv"
    again.write_bytes((fixtures / "police_small.csv").read_bytes() + b"\r\n")
    second = ingest_file(catalog, "police_cases", again, today=TODAY)
    assert second.snapshot_id != first.snapshot_id
    a = pl.read_parquet(catalog.snapshot_data("police_cases", first.snapshot_id))
    b = pl.read_parquet(catalog.snapshot_data("police_cases", second.snapshot_id))
    assert a["suspect_ids"].to_list() == b["suspect_ids"].to_list()


def test_key_is_private_and_outside_the_snapshot(catalog, fixtures):
    ingest_file(catalog, "police_cases", fixtures / "police_small.csv", today=TODAY)
    key = catalog.keys / "pseudonym.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not list(catalog.curated.rglob("*.key"))


def test_reingesting_the_same_file_reuses_its_snapshot(catalog, fixtures):
    first = ingest_file(catalog, "police_cases", fixtures / "police_small.csv", today=TODAY)
    second = ingest_file(catalog, "police_cases", fixtures / "police_small.csv", today=TODAY)
    assert second.reused and second.snapshot_id == first.snapshot_id
    assert len(list((catalog.curated / "police_cases").iterdir())) == 1
    manifest = catalog.snapshot_manifest("police_cases")
    assert manifest["rows_quarantined"] == 3 and manifest["source_file"] == "police_small.csv"
    assert json.dumps(manifest)  # serialisable, no stray objects
