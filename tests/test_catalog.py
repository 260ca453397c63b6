"""The catalog's reading side, as analysts use it: snapshots by source name, results by step."""

import json

import polars as pl
import pytest

from analysis.ingest.run import ingest_file
from test_ingest import police_file, valid_row


def test_a_snapshot_is_scanned_by_source_the_current_one_unless_an_id_is_given(catalog, tmp_path):
    first = ingest_file(
        catalog, "police_cases", police_file(tmp_path, [valid_row(n) for n in (1, 2, 3)])
    )
    rows = [valid_row(n) for n in range(1, 6)]
    second = ingest_file(catalog, "police_cases", police_file(tmp_path, rows, name="later.csv"))
    current = catalog.scan_snapshot("police_cases")
    assert isinstance(current, pl.LazyFrame)
    assert current.select(pl.len()).collect().item() == 5 == second.rows_accepted
    older = catalog.read_snapshot("police_cases", first.snapshot_id)
    assert older.height == 3 and older["case_id"].to_list() == ["1/P/2024", "2/P/2024", "3/P/2024"]
    assert older["suspect_ids"].explode().str.starts_with("k1-").all()  # pseudonyms, no CNP
    manifest = catalog.snapshot_manifest("police_cases")
    assert manifest["snapshot_id"] == second.snapshot_id and manifest["rows_accepted"] == 5


def test_an_unknown_source_or_snapshot_says_what_to_do(catalog, tmp_path):
    with pytest.raises(LookupError, match=r"no curated snapshot of 'police_cases'.*nocta ingest"):
        catalog.scan_snapshot("police_cases")
    ingest_file(catalog, "police_cases", police_file(tmp_path, [valid_row(1)]))
    with pytest.raises(LookupError, match="no snapshot '2019' of 'police_cases': `nocta catalog`"):
        catalog.scan_snapshot("police_cases", "2019")


def test_step_results_finds_a_step_of_the_current_or_a_named_run(catalog):
    with pytest.raises(LookupError, match="no pipeline run 'current': run `nocta refresh`"):
        catalog.step_results("indicators")
    run = catalog.results_dir("20260101T000000Z")
    for step in ("indicators", "county_profile/CJ"):
        (run / step).mkdir(parents=True)
        (run / step / "headline.json").write_text(json.dumps({"step": step}), encoding="utf-8")
    (run / "run.json").write_text("{}", encoding="utf-8")
    catalog.current_results.symlink_to(run.name)
    assert (
        catalog.step_results("county_profile/CJ") == catalog.current_results / "county_profile/CJ"
    )
    assert catalog.step_results("indicators", "20260101T000000Z") == run / "indicators"
    for missing in ("county_profile/BH", "../20260101T000000Z/indicators", "/etc", ""):
        with pytest.raises(
            LookupError, match=r"has no step .*; it has: county_profile/CJ, indicators"
        ):
            catalog.step_results(missing)
