"""What the pipeline runs, derived from its config and from the notebooks themselves.

Each notebook's parameters cell says which snapshots it reads (`police_snapshot`, …) and
whether it fans out (`county`, `market`); the plan turns that into Snakemake inputs and
parameters, so adding a notebook to the config is the whole job of wiring it in. A notebook
that declares a parameter the pipeline cannot give is refused before anything runs.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from analysis.notebook_run import declared_parameters
from analysis.pipeline.inputs import SNAPSHOT_PARAMS
from analysis.reference.counties import COUNTIES
from analysis.reference.markets import MARKETS

SOURCE_OF_PARAM = {param: source for source, param in SNAPSHOT_PARAMS.items()}
RUN_PARAMS = ("year_from", "year_to", "edition")
FANOUT = {"county": "counties", "market": "markets"}


@dataclass(frozen=True)
class Step:
    name: str  # e.g. "indicators", "county_profile/CJ"
    notebook: Path
    fanout: str | None  # "county" | "market" | None
    key: str | None  # the county or market of a fanned-out step
    sources: tuple[str, ...]
    params: dict  # what Snakemake compares between runs (no snapshot ids: see inputs.py)

    @property
    def output(self) -> str:
        return f"steps/{self.name}/step.json"

    def inputs(self) -> list[str]:
        """Pointer files (relative to the pipeline folder) and the notebook itself."""
        pointers = [f"inputs/national/{s}.json" for s in self.sources]
        if self.fanout == "county":  # county rows change -> only this county reruns
            with_county = {
                "police_cases",
                "customs_seizures",
                "prosecution_cases",
                "ocg_register",
                "population",
            }
            pointers = [
                p for s, p in zip(self.sources, pointers, strict=True) if s not in with_county
            ] + [f"inputs/county/{self.key}.json"]
        return [str(self.notebook), *pointers, "inputs/code.json", "inputs/environment.json"]

    def parameters(self, nocta_home: str, snapshots: dict) -> dict:
        """Every parameter the notebook declares, with its value for this run."""
        values = dict(self.params) | {"nocta_home": nocta_home}
        for source in self.sources:
            values[SNAPSHOT_PARAMS[source]] = snapshots[source]["snapshot_id"]
        return values


def _selection(config: dict, fanout: str) -> list[str]:
    chosen = config.get(FANOUT[fanout], "all")
    universe = [c.code for c in COUNTIES] if fanout == "county" else [m.code for m in MARKETS]
    if chosen == "all":
        return universe
    unknown = sorted(set(chosen) - set(universe))
    if unknown:
        raise ValueError(f"pipeline config: unknown {FANOUT[fanout]} {unknown}")
    return list(chosen)


def plan_steps(config: dict, notebooks: Path, snapshots: dict) -> list[Step]:
    """The steps of one refresh, in a stable order."""
    steps = []
    for name in config["notebooks"]:
        if not name or Path(name).name != name or name.startswith("."):
            raise ValueError(
                f"pipeline config: {name!r} is not a notebook of {notebooks.name}/: steps are "
                "the notebooks directly in it (subfolders such as tutorials/ never run)"
            )
        path = notebooks / f"{name}.ipynb"
        declared = declared_parameters(path)
        fanout = next((f for f in FANOUT if f in declared), None)
        sources = tuple(SOURCE_OF_PARAM[p] for p in declared if p in SOURCE_OF_PARAM)
        missing = [s for s in sources if s not in snapshots]
        if missing:
            raise ValueError(
                f"{path.name} reads {', '.join(missing)}: no snapshot yet "
                "(run `nocta ingest` first)"
            )
        known = {"nocta_home", "results_dir", *SOURCE_OF_PARAM, *RUN_PARAMS, *FANOUT}
        unknown = sorted(set(declared) - known)
        if unknown:
            raise ValueError(
                f"{path.name} declares parameters the pipeline cannot pass: {', '.join(unknown)}"
            )
        base = {p: config[p] for p in RUN_PARAMS if p in declared}
        keys = _selection(config, fanout) if fanout else [None]
        for key in keys:
            params = base | ({fanout: key} if fanout else {})
            step_name = f"{name}/{key}" if key else name
            steps.append(Step(step_name, path, fanout, key, sources, params))
    return steps


def load_snapshots(pipeline_dir: Path) -> dict:
    return json.loads((pipeline_dir / "inputs" / "snapshots.json").read_text(encoding="utf-8"))
