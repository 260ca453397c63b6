"""The analysis notebooks: committed clean, parameters the pipeline can pass, and every one runs
under Papermill on a tiny synthetic data root, writing tables, charts (spec, SVG, PNG) and its
headline numbers into the results folder it is given, and nowhere else."""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import polars as pl
import pytest

from analysis.catalog import Catalog
from analysis.ingest.pseudonymise import create_key
from analysis.ingest.run import ingest_file
from analysis.notebook_run import NotebookFailed, declared_parameters, run_notebook
from analysis.pipeline.inputs import SNAPSHOT_PARAMS
from analysis.pipeline.plan import FANOUT, RUN_PARAMS
from analysis.synth import FILES, generate

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ANALYSIS = ("indicators", "threat_assessment", "networks", "forecasts", "county_profile",
            "market_profile")  # fmt: skip
# the busiest market of the tiny data root: enough cases a month to be forecast
OVERRIDE = {"market_profile": {"market": "property_crime"}}
PIPELINE_PARAMS = {"nocta_home", "results_dir", *SNAPSHOT_PARAMS.values(), *RUN_PARAMS, *FANOUT}


@pytest.mark.parametrize("name", ANALYSIS)
def test_committed_notebooks_are_clean_and_declare_what_the_pipeline_passes(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "nocta"
    assert nb.cells[0].cell_type == "markdown" and "parameters" in nb.cells[0].source.lower()
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs"
    declared = declared_parameters(NOTEBOOKS / f"{name}.ipynb")  # literal defaults only
    assert {"nocta_home", "results_dir"} <= set(declared)
    assert set(declared) <= PIPELINE_PARAMS, set(declared) - PIPELINE_PARAMS


def test_every_notebook_in_the_folder_is_committed_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Catalog:
    """Every source ingested from the generator's tiny scale, made once for the module."""
    home = tmp_path_factory.mktemp("notebooks") / "var"
    catalog = Catalog(home)
    create_key(catalog.keys)
    extracts = home / "landing"
    generate(extracts, seed=2, scale=0.002, defects=0.01, progress=False)
    for source, name in FILES.items():
        if source != "defects":
            ingest_file(catalog, source, extracts / name)
    return catalog


def _parameters(name: str, catalog: Catalog, results: Path) -> dict:
    """Every declared parameter: the defaults, with this data root, latest snapshots."""
    return declared_parameters(NOTEBOOKS / f"{name}.ipynb") | {
        "nocta_home": str(catalog.home),
        "results_dir": str(results),
    }


def test_every_notebook_runs_and_writes_its_results(data_root, tmp_path):
    def run(name: str) -> str:
        results = tmp_path / "results" / name
        run_notebook(
            NOTEBOOKS / f"{name}.ipynb",
            tmp_path / "runs" / f"{name}.ipynb",
            _parameters(name, data_root, results) | OVERRIDE.get(name, {}),
            cwd=tmp_path / "runs",
        )
        return name

    (tmp_path / "runs").mkdir()
    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(run, ANALYSIS)) == sorted(ANALYSIS)
    for name in ANALYSIS:
        folder = tmp_path / "results" / name
        headline = json.loads((folder / "headline.json").read_text(encoding="utf-8"))
        assert headline, name
        assert list(folder.glob("*.parquet")), name
        specs = list(folder.glob("chart_*.vl.json"))
        assert specs, name
        for spec in specs:
            stem = spec.name.removesuffix(".vl.json")
            assert (folder / f"{stem}.svg").stat().st_size > 0, stem
            assert (folder / f"{stem}.png").read_bytes()[:4] == b"\x89PNG", stem
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(
        f"{n}.ipynb" for n in ANALYSIS
    )  # the executed copies, and nothing else written there
    threat = json.loads((tmp_path / "results/threat_assessment/headline.json").read_text())
    assert threat["method_version"] and threat["groups"] > 0
    # one forecast per series: the market profile's is the forecasts step's, number for number
    market = OVERRIDE["market_profile"]["market"]
    profile = pl.read_parquet(tmp_path / "results/market_profile/market_forecast.parquet")
    step = pl.read_parquet(tmp_path / "results/forecasts/forecasts_national.parquet")
    assert profile.height == 24
    assert profile.equals(step.filter(pl.col("market") == market).select(profile.columns))


def test_an_unknown_or_missing_parameter_is_an_error(data_root, tmp_path):
    nb = NOTEBOOKS / "county_profile.ipynb"
    params = _parameters("county_profile", data_root, tmp_path / "r")
    with pytest.raises(ValueError, match="unknown: countie"):
        run_notebook(nb, tmp_path / "x.ipynb", params | {"countie": "CJ"})
    with pytest.raises(ValueError, match="not passed: county"):
        run_notebook(nb, tmp_path / "x.ipynb", {k: v for k, v in params.items() if k != "county"})


def test_an_unknown_county_stops_the_notebook(data_root, tmp_path):
    params = _parameters("county_profile", data_root, tmp_path / "r") | {"county": "Ilfof"}
    with pytest.raises(NotebookFailed, match="not a two-letter county code"):
        run_notebook(NOTEBOOKS / "county_profile.ipynb", tmp_path / "x.ipynb", params)
    assert not (tmp_path / "r").exists()
