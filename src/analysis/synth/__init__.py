"""Synthetic partner extracts for the demo and the tests: what the five partners would send for
2015-2025, in their own formats, with a known set of broken rows.

No real extract can be shared with developers, so the whole platform is built and tested on
these. They must look like the real thing to an analyst (volumes per county follow population,
markets trend, groups recur from police case to verdict) and to ingest (every encoding, date
style and spelling the specification allows), and they must be exactly reproducible: the same
seed, scale and defect ratio give byte-identical files (numpy PCG64 streams, no clock, fixed
document dates), a different seed different data.

Model, in brief (volumes.py, profiles.py, places.py hold the numbers):
- Monthly counts per county and market are proportional to county population (INS, 1 January)
  times a county effect (Bucharest, Constanța, Cluj, Timiș, Iași higher, plus a random effect
  per seed), times monthly seasonality and a trend per market (synthetic drugs +12 %/year,
  cybercrime +14 %, cocaine +7 %, excise smuggling -8 %, heroin -5 %, ...).
- ONE structural break: the first COVID-19 lockdown. In April and May 2020 the level of every
  flow (police registrations, DIICOT's own cases, border seizures) is 60 % of what the model
  gives otherwise; from June 2020 it is back on trend. Cases derived from police cases
  (prosecutions, verdicts) inherit the dip with their delays.
- All dates fall in 2015-01-01..2025-12-31 (group identification from 2008); "today" for every
  rule about the future is the fixed REFERENCE_DATE 2026-11-01, never the clock.
- A few groups are planted as the most threatening, and a few brokers outside every group
  are named in cases of several groups in different markets (plant.py).
- Organised crime groups (GR-000001..., in order of identification) have a home county,
  markets, countries and SOCTA-style scores 0-3 that rise with size (corruption,
  countermeasures) or market (violence for extortion and clans, expertise for cyber); their
  members are synthetic persons with valid CNPs who appear as suspects in the group's police
  cases, as defendants in its DIICOT cases and as rows in the court decisions.

Files written into `out` (formats where the specification leaves a choice):
- police_cases.csv: Windows-1250, `;`, CRLF, dd.mm.yyyy, decimal comma with `.` thousands on
  some rows, legacy cedilla ş ţ, DA/NU, counties in every allowed spelling.
- customs_seizures.xlsx: first sheet; dates are date cells (dd.mm.yyyy), quantities and values
  numbers, an impossible date stays a text cell; everything else text, CNP lists included.
- prosecution_cases.csv: UTF-8 with BOM, `;`, LF, dates dd.mm.yyyy or dd/mm/yyyy (per row),
  decimal point, comma-below letters.
- court_decisions.csv: UTF-8 without BOM, `,`, LF, ISO dates, 1/0, decimal point.
- ocg_register.parquet: dates as ISO text (yyyy-mm-dd) so that an impossible date can be
  carried; NR_MEMBRI and the six scores Int64; lists `|`-joined text; empty is null.
- population.csv, eurostat_crime.tsv: byte-for-byte copies of the embedded reference files.
- _defects.csv: the injected defects (see defects.py for every rule id).
- _synth.json: seed, scale, defect ratio, generator version, rows and sha256 of every file,
  and what was planted for the threat assessment to find (plant.py): the most threatening
  groups by register id, each broker by the police cases that name them (never a CNP).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from analysis.fsutil import sha256_file
from analysis.reference.files import reference_file
from analysis.synth import writers
from analysis.synth.customs import DATE_COLUMNS, NUMBER_COLUMNS
from analysis.synth.defects import inject
from analysis.synth.faults import Faults
from analysis.synth.volumes import BREAK_LEVEL, END, REFERENCE_DATE, START
from analysis.synth.world import STEPS, build_world, partner_extracts

__all__ = ["EXTRACTS", "GENERATOR_VERSION", "SynthSummary", "generate"]

# the files generate() writes, one per source, referenced sources first: ingested in this order,
# cross-source references are checked against fresh snapshots
EXTRACTS = (
    ("ocg_register", "ocg_register.parquet"),
    ("police_cases", "police_cases.csv"),
    ("customs_seizures", "customs_seizures.xlsx"),
    ("prosecution_cases", "prosecution_cases.csv"),
    ("court_decisions", "court_decisions.csv"),
    ("population", "population.csv"),
    ("eurostat_crime", "eurostat_crime.tsv"),
)

GENERATOR_VERSION = "1.1.0"
FILES = {
    "police_cases": "police_cases.csv", "customs_seizures": "customs_seizures.xlsx",
    "prosecution_cases": "prosecution_cases.csv", "court_decisions": "court_decisions.csv",
    "ocg_register": "ocg_register.parquet", "population": "population.csv",
    "eurostat_crime": "eurostat_crime.tsv", "defects": "_defects.csv",
}  # fmt: skip
COPIES = {"population": "POP105A_county_totals_2012_2025.csv", "eurostat_crime": "crim_off_cat.tsv"}
_STREAMS = ("model", "groups", "people", "police", "prosecution", "courts", "customs",
            "extracts", "defects", "plant")  # fmt: skip


@dataclass(frozen=True)
class SynthSummary:
    """What generate() wrote: data rows, path and sha256 per file (keys as in FILES)."""

    out: Path
    seed: int
    scale: float
    defects: float
    rows: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    n_defects: int = 0
    defects_by_file: dict[str, int] = field(default_factory=dict)  # rows in _defects.csv
    planted: dict = field(default_factory=dict)  # what analyses must find (plant.py), no CNPs


def generate(
    out: Path, seed: int = 0, scale: float = 0.01, defects: float = 0.0, progress: bool = True
) -> SynthSummary:
    """Write the synthetic extracts into `out` (created if missing) and return what was written.

    `scale` 1 is the national volume (1 000 000 police cases ...); `defects` the share of rows
    of each partner extract broken against one rule each (0 to 1).
    """
    if scale <= 0 or not 0 <= defects <= 1 or seed < 0:
        raise ValueError(
            f"need scale > 0, 0 <= defects <= 1, seed >= 0 (got {scale}, {defects}, {seed})"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    rng = {
        k: np.random.Generator(np.random.PCG64(s)) for k, s in zip(_STREAMS, streams, strict=True)
    }
    paths = {name: out / file for name, file in FILES.items()}
    columns = [TextColumn("{task.description:<24}"), BarColumn(), TimeElapsedColumn()]
    with Progress(*columns, disable=not progress) as bar:
        model = bar.add_task("model (groups, cases)", total=STEPS)
        world = build_world(scale, rng, lambda: bar.advance(model))
        extracts = partner_extracts(world, rng["extracts"])
        bar.advance(model)
        faults = Faults(rng["defects"], world.people.cnp, world.groups["ocg_id"])
        planted = world.planted
        del world
        truths, rows = [], {}
        for name, extract in extracts.items():
            task = bar.add_task(FILES[name], total=1.0)
            frame, truth = inject(
                FILES[name], extract.frame, extract.rules, defects, faults, extract.referenced
            )
            bar.advance(task, 0.2)
            _write(name, frame, paths[name], lambda step, t=task: bar.advance(t, 0.8 * step))
            truths.append(truth)
            rows[name] = frame.height
            bar.update(task, completed=1.0)
        for name, source in COPIES.items():
            writers.copy_file(reference_file(source), paths[name])
            rows[name] = _data_lines(paths[name])
        truth = pl.concat(truths)
        writers.write_text(truth.write_csv(), paths["defects"])
        rows["defects"] = truth.height
        summary = SynthSummary(
            out, seed, scale, defects, rows, paths,
            sha256={k: sha256_file(p) for k, p in paths.items()},
            n_defects=truth.height,
            defects_by_file={k: int((truth["file"] == FILES[k]).sum()) for k in extracts},
            planted=planted,
        )  # fmt: skip
        writers.write_text(_manifest(summary), out / "_synth.json")
    return summary


def _write(name: str, frame: pl.DataFrame, path: Path, advance: writers.Advance) -> None:
    if name == "police_cases":
        writers.write_csv(frame, path, separator=";", encoding="cp1250", crlf=True, advance=advance)
    elif name == "customs_seizures":
        writers.write_xlsx(frame, path, dates=DATE_COLUMNS, numbers=NUMBER_COLUMNS, advance=advance)
    elif name == "prosecution_cases":
        writers.write_csv(frame, path, separator=";", bom=True, advance=advance)
    elif name == "court_decisions":
        writers.write_csv(frame, path, separator=",", advance=advance)
    else:
        writers.write_parquet(frame, path)


def _data_lines(path: Path) -> int:
    """Data records of a one-header text file (blank lines not counted)."""
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip()) - 1


def _manifest(s: SynthSummary) -> str:
    record = {
        "generator": "analysis.synth",
        "version": GENERATOR_VERSION,
        "seed": s.seed,
        "scale": s.scale,
        "defects": s.defects,
        "reference_date": REFERENCE_DATE.isoformat(),
        "period": [START.isoformat(), END.isoformat()],
        "structural_break": f"April-May 2020 at {BREAK_LEVEL:.0%} of trend (COVID-19 lockdown)",
        "planted": s.planted,
        "files": {
            FILES[k]: {"rows": s.rows[k], "sha256": s.sha256[k]}
            | ({"defects": s.defects_by_file[k]} if k in s.defects_by_file else {})
            for k in FILES
        },
    }
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"
