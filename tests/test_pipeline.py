"""The refresh pipeline: incremental reruns, the run record, strict notebook parameters."""

import json
import os
import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest
import yaml

from analysis.catalog import Catalog
from analysis.ingest.run import ingest_file
from analysis.pipeline.plan import plan_steps
from analysis.pipeline.runner import refresh
from analysis.synth import generate

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "case_rates.ipynb"


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """A tiny governed data root (police and population snapshots), made once."""
    home = tmp_path_factory.mktemp("pipeline") / "var"
    catalog = Catalog(home)
    from analysis.ingest.pseudonymise import create_key

    create_key(catalog.keys)
    extracts = home / "landing" / "synthetic"
    generate(extracts, seed=21, scale=0.002, progress=False)
    for source, name in (("police_cases", "police_cases.csv"), ("population", "population.csv")):
        ingest_file(catalog, source, extracts / name)
    return catalog


@pytest.fixture
def config(tmp_path) -> Path:
    """A pipeline config over a copy of the notebooks, which a test may edit."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy2(NOTEBOOK, notebooks / NOTEBOOK.name)
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "edition": "test",
                "year_from": 2015,
                "year_to": 2025,
                "counties": "all",
                "markets": "all",
                "notebooks_dir": str(notebooks),
                "notebooks": ["case_rates"],
            }
        )
    )
    return path


def test_a_refresh_makes_a_run_and_a_second_one_does_nothing(data_root, config):
    first = refresh(data_root, config, cores=1)
    assert not first.skipped and first.planned == [
        "case_rates: Missing output files: steps/case_rates/step.json"
    ]
    record = json.loads((data_root.current_results / "run.json").read_text())
    assert record["run_id"] == first.run_id
    assert [s["step"] for s in record["steps"]] == ["case_rates"]
    assert record["steps"][0]["status"] == "ok" and record["steps"][0]["outputs"]
    for source in ("police_cases", "population"):
        assert len(record["snapshots"][source]["sha256"]) == 64
    assert (data_root.current_results / "case_rates" / "case_rates.parquet").is_file()
    assert (data_root.run_dir(first.run_id) / "case_rates" / "executed.ipynb").is_file()
    # the refresh records the strategy's indicators: the national one from case_rates
    monitoring = pl.read_parquet(data_root.current_results / "strategy" / "monitoring.parquet")
    national = monitoring.filter(pl.col("indicator") == "national_cases").row(0, named=True)
    rates = pl.read_parquet(
        data_root.current_results / "case_rates" / "case_rates_national.parquet"
    )
    assert national["latest"] == rates.sort("year")["cases"][-1]

    second = refresh(data_root, config, cores=1)
    assert second.skipped and second.planned == [] and second.run_id == first.run_id
    assert len(list(data_root.runs.iterdir())) == 1


def test_a_changed_notebook_is_rerun_and_the_dry_run_says_why(data_root, config):
    refresh(data_root, config, cores=1)
    notebook = config.parent / "notebooks" / NOTEBOOK.name
    os.utime(notebook)  # saved again, unchanged: content decides, not the file's time
    assert refresh(data_root, config, cores=1, dry_run=True).planned == []
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source += "\n\nEdited by an analyst."
    nbformat.write(nb, notebook)
    planned = refresh(data_root, config, cores=1, dry_run=True).planned
    assert len(planned) == 1 and planned[0].startswith("case_rates: Updated input files")
    assert "case_rates.ipynb" in planned[0]


def test_a_new_snapshot_reruns_the_steps_that_read_it(data_root, config, tmp_path):
    refresh(data_root, config, cores=1)
    tempo = data_root.home / "landing" / "synthetic" / "population.csv"
    changed = tmp_path / "population.csv"
    lines = tempo.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ", 575732"  # one county-year, one person more
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_file(data_root, "population", changed)
    planned = refresh(data_root, config, cores=1, dry_run=True).planned
    assert planned and planned[0].startswith("case_rates: Updated input files")
    assert "inputs/national/population.json" in planned[0]


def _notebook(folder: Path, name: str, parameters: str) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "nocta", "display_name": "nocta", "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_the_plan_fans_out_per_county_and_market_from_the_parameters_cell(tmp_path):
    _notebook(
        tmp_path,
        "profile",
        'nocta_home = ""\nresults_dir = ""\ncounty = "CJ"\n'
        'police_snapshot = ""\npopulation_snapshot = ""',
    )
    _notebook(
        tmp_path, "markets", 'nocta_home = ""\nresults_dir = ""\nmarket = ""\nyear_from = 2015'
    )
    snapshots = {"police_cases": {"snapshot_id": "a"}, "population": {"snapshot_id": "b"}}
    steps = plan_steps(
        {
            "notebooks": ["profile", "markets"],
            "counties": ["CJ", "B"],
            "markets": "all",
            "year_from": 2016,
        },
        tmp_path,
        snapshots,
    )
    assert [s.name for s in steps][:3] == ["profile/CJ", "profile/B", "markets/drugs_cocaine"]
    assert len(steps) == 2 + 16
    cluj = steps[0]
    assert cluj.parameters("/data", snapshots) == {
        "county": "CJ",
        "nocta_home": "/data",
        "police_snapshot": "a",
        "population_snapshot": "b",
    }
    assert "inputs/county/CJ.json" in cluj.inputs()
    assert "inputs/national/police_cases.json" not in cluj.inputs()  # its rows are in CJ.json
    assert steps[2].params == {"market": "drugs_cocaine", "year_from": 2016}


def test_a_notebook_asking_for_what_the_pipeline_cannot_give_is_refused(tmp_path):
    _notebook(tmp_path, "odd", 'nocta_home = ""\nresults_dir = ""\nthreshold = 3')
    with pytest.raises(
        ValueError, match=r"odd\.ipynb declares parameters the pipeline cannot pass: threshold"
    ):
        plan_steps({"notebooks": ["odd"]}, tmp_path, {})
    _notebook(tmp_path, "profile", 'nocta_home = ""\nresults_dir = ""\ncounty = ""')
    with pytest.raises(ValueError, match="unknown counties"):
        plan_steps({"notebooks": ["profile"], "counties": ["XX"]}, tmp_path, {})


def test_a_change_in_one_county_reruns_only_that_county(data_root, tmp_path):
    """A new Cluj case: Cluj's profile and the national steps rerun, Bucharest's does not."""
    import polars as pl

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    config = tmp_path / "counties.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "edition": "test",
                "year_from": 2015,
                "year_to": 2025,
                "counties": ["CJ", "B"],
                "markets": [],
                "notebooks_dir": str(notebooks),
                "notebooks": ["case_rates", "county_profile"],
            }
        )
    )
    for source, name in (
        ("customs_seizures", "customs_seizures.xlsx"),
        ("prosecution_cases", "prosecution_cases.csv"),
        ("ocg_register", "ocg_register.parquet"),
    ):
        ingest_file(data_root, source, data_root.home / "landing" / "synthetic" / name)
    refresh(data_root, config, cores=2)
    assert refresh(data_root, config, cores=1, dry_run=True).planned == []

    police = data_root.home / "landing" / "synthetic" / "police_cases.csv"
    text = police.read_bytes().decode("cp1250").splitlines()
    header, rows = text[0], text[1:]
    cluj = next(i for i, r in enumerate(rows) if r.split(";")[2] in ("CJ", "Cluj", "Judeţul Cluj"))
    fields = rows[cluj].split(";")
    fields[0] = "9999999/P/2025"  # one more Cluj case, everything else as it was
    changed = tmp_path / "police_cases.csv"
    changed.write_bytes("\r\n".join([header, *rows, ";".join(fields)]).encode("cp1250") + b"\r\n")
    ingest_file(data_root, "police_cases", changed)
    assert pl.read_parquet(data_root.snapshot_data("police_cases")).height == len(rows) + 1

    planned = refresh(data_root, config, cores=1, dry_run=True).planned
    steps = sorted(p.split(":")[0] for p in planned)
    assert steps == ["case_rates", "county_profile/CJ"]
