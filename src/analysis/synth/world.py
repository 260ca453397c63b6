"""One synthetic world, from which every partner extract is cut.

The extracts refer to each other (a prosecution names a police case, a verdict a prosecution),
so they are all drawn together first; only then is each written the way its partner writes it.
Knowing which rows others refer to lets defects.py keep those rows valid.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from analysis.synth import rules
from analysis.synth.courts import court_cases, court_extract, court_rows
from analysis.synth.customs import customs_extract, seizures
from analysis.synth.defects import Rule
from analysis.synth.groups import make_groups
from analysis.synth.persons import People, make_people
from analysis.synth.plant import plant_brokers, plant_high_threat, record
from analysis.synth.police import police_cases, police_extract
from analysis.synth.prosecution import prosecution_cases, prosecution_extract
from analysis.synth.register import register_extract
from analysis.synth.volumes import county_effects, county_weights

# Rows at scale 1 (national volume 2015-2025) and the floor that keeps tiny scales usable.
NATIONAL = {"police": 1_000_000, "customs": 100_000, "prosecution": 150_000, "groups": 3_000,
            "people": 700_000}  # fmt: skip
FLOOR = {"police": 40, "customs": 20, "prosecution": 20, "groups": 10, "people": 1_000}
STEPS = 6  # progress steps of build_world


@dataclass(frozen=True)
class World:
    groups: pl.DataFrame
    people: People
    police: pl.DataFrame
    prosecution: pl.DataFrame
    courts: pl.DataFrame
    seizures: pl.DataFrame
    planted: dict  # what the acceptance tests must find (plant.py), without CNPs


@dataclass(frozen=True)
class Extract:
    """A partner extract before defects: its frame, the rules to break, the rows others name."""

    frame: pl.DataFrame
    rules: tuple[Rule, ...]
    referenced: np.ndarray | None = None


def size(kind: str, scale: float) -> int:
    """Rows (or groups, people) of one kind at a scale."""
    return max(FLOOR[kind], round(NATIONAL[kind] * scale))


def build_world(
    scale: float, rng: dict[str, np.random.Generator], step: Callable[[], object] = lambda: None
) -> World:
    """Groups, people and every case, drawn from the named random streams in `rng`."""
    weights = county_weights(county_effects(rng["model"]))
    groups = make_groups(size("groups", scale), weights[:, 0], rng["groups"])
    groups = plant_high_threat(groups, rng["plant"])
    people = make_people(groups, size("people", scale), weights[:, -1], rng["people"])
    step()
    police = police_cases(size("police", scale), weights, groups, people, rng["police"])
    outsiders = np.arange(people.members, people.cnp.len(), dtype=np.int64)
    police, brokers = plant_brokers(police, groups, outsiders, rng["plant"])
    step()
    pros = prosecution_cases(
        size("prosecution", scale), police, groups, people, weights, rng["prosecution"]
    )
    step()
    courts = court_rows(court_cases(pros, rng["courts"]), rng["courts"])
    step()
    seized = seizures(size("customs", scale), police, people, rng["customs"])
    step()
    return World(groups, people, police, pros, courts, seized, record(groups, brokers))


def partner_extracts(w: World, rng: np.random.Generator) -> dict[str, Extract]:
    """Each partner's extract as text (integers in the register), with what refers to it."""
    police_ref = (
        w.police["case_id"].is_in(w.prosecution["case_id"].drop_nulls().implode())
        | w.police["case"].is_in(w.seizures["case"].drop_nulls().implode())
    ).to_numpy()
    pros_ref = w.prosecution["prosecution_id"].is_in(w.courts["prosecution_id"].implode())
    named = pl.concat([w.police["group"], w.prosecution["group"]]).implode()
    return {
        "police_cases": Extract(
            police_extract(w.police, w.groups, w.people, police_ref, rng), rules.POLICE, police_ref
        ),
        "customs_seizures": Extract(customs_extract(w.seizures, w.people, rng), rules.CUSTOMS),
        "prosecution_cases": Extract(
            prosecution_extract(w.prosecution, w.groups, w.people, rng),
            rules.PROSECUTION,
            pros_ref.to_numpy(),
        ),
        "court_decisions": Extract(court_extract(w.courts, w.people), rules.COURTS),
        "ocg_register": Extract(
            register_extract(w.groups, w.people, rng),
            rules.REGISTER,
            w.groups["group"].is_in(named).to_numpy(),
        ),
    }
