"""Co-offending networks on a hand-drawn graph (betweenness counted by hand), pseudonyms only,
and the acceptance check: the brokers planted in the synthetic data rank among the most
central people."""

import json

import polars as pl
import pytest

from analysis.catalog import Catalog
from analysis.ingest.pseudonymise import create_key
from analysis.ingest.run import ingest_file
from analysis.networks import (
    case_participants,
    co_offending_edges,
    co_offending_graph,
    key_players,
    linked_groups,
    offender_networks,
    organised_crime_cases,
)
from analysis.synth import generate


def p(letter: str) -> str:
    """A pseudonym as ingest writes them: k1- and 16 hex digits."""
    return "k1-" + letter.encode().hex().rjust(16, "0")


A, B, X, C, D, E, F, G = (p(c) for c in "abxcdefg")


def _participants(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [(case, person, market, group, "police_cases") for case, people, market, group in rows
         for person in people],
        schema=["case", "person", "market", "ocg_id", "source"], orient="row",
    )  # fmt: skip


# b - a - x - c - d: x is named in a case of each group
CHAIN = _participants(
    [
        ("C1", [A, X], "drugs_cocaine", "GR-000001"),
        ("C2", [A, B], "drugs_cocaine", "GR-000001"),
        ("C3", [X, C], "firearms", "GR-000002"),
        ("C4", [C, D], "firearms", "GR-000002"),
    ]
)


def test_betweenness_and_brokers_worked_by_hand():
    graph = co_offending_graph(CHAIN)
    players = key_players(graph, CHAIN)
    got = dict(zip(players["person"], players["betweenness"], strict=True))
    # pairs whose only path runs through the person:
    # a: (b,x) (b,c) (b,d) = 3; x: (a,c) (a,d) (b,c) (b,d) = 4; c: (x,d) (a,d) (b,d) = 3
    assert got == {X: 4.0, A: 3.0, C: 3.0, B: 0.0, D: 0.0}
    top = players.row(0, named=True)
    assert top["person"] == X and top["rank"] == 1 and top["degree"] == 2
    assert top["role"] == "legătură între grupuri" and top["n_groups"] == 2
    # a is central too, but within one group and one market: not a broker
    assert not players.filter(pl.col("person") == A)["broker"].item()
    # the threshold: 95th percentile of 0, 0, 3, 3, 4 = 3 + 0.8 x (4 - 3) = 3.8; only x passes
    assert players["broker_threshold"].unique().to_list() == [pytest.approx(3.8)]
    assert players.filter("broker")["person"].to_list() == [X]


def test_spanning_two_groups_without_a_high_betweenness_is_not_brokering():
    # b - a - x - c - d as before, and y named with x in a third group's case: y spans
    # two groups (its own case is in both) but no path runs through it
    y = p("y")
    more = _participants(
        [("C5", [X, y], "firearms", "GR-000003"), ("C6", [y], "drugs_cocaine", "GR-000001")]
    )
    parts = pl.concat([CHAIN, more])
    players = key_players(co_offending_graph(parts), parts)
    row = players.filter(pl.col("person") == y).row(0, named=True)
    assert row["n_groups"] == 2 and row["betweenness"] == 0.0 and not row["broker"]
    assert players.filter("broker")["person"].to_list() == [X]


def test_networks_and_linked_groups_by_hand():
    graph = co_offending_graph(CHAIN)
    nets = offender_networks(graph, CHAIN).row(0, named=True)
    assert (nets["persons"], nets["links"], nets["cases"], nets["n_groups"]) == (5, 4, 4, 2)
    assert nets["density"] == pytest.approx(4 / 10)  # 4 links of 5 x 4 / 2 possible
    register = pl.DataFrame(
        {"ocg_id": ["GR-000001", "GR-000002", "GR-000003"], "leader_ids": [[A], [], [D]]}
    )
    links = linked_groups(CHAIN, register)
    # GR-1 and GR-2 share x; GR-3's leader d is named in GR-2's case C4
    assert links.select("group_a", "group_b", "shared_persons").rows() == [
        ("GR-000001", "GR-000002", 1), ("GR-000002", "GR-000003", 1),
    ]  # fmt: skip
    assert links["persons"].to_list() == [[X], [D]] and links["in_register"].all()


def test_organised_crime_part_is_group_cases_and_one_step_out():
    rows = CHAIN.vstack(_participants([("C5", [E, F], "property_crime", None),
                                       ("C6", [D, G], "property_crime", None)]))  # fmt: skip
    kept = organised_crime_cases(rows)
    # C6 names d, who is in a group case: kept; C5 names nobody of the groups: left out
    assert sorted(kept["case"].unique()) == ["C1", "C2", "C3", "C4", "C6"]


def test_a_prosecution_continuing_a_police_case_is_the_same_case():
    police = pl.DataFrame(
        {"case_id": ["1/P/2024"], "suspect_ids": [[A, B]], "market": ["extortion"],
         "ocg_id": [None]}, schema_overrides={"ocg_id": pl.String},
    )  # fmt: skip
    prosecution = pl.DataFrame(
        {"prosecution_id": ["9/D/P/2024"], "case_id": ["1/P/2024"], "defendant_ids": [[B, C]],
         "markets": [["extortion"]], "ocg_id": ["GR-000001"]}
    )  # fmt: skip
    parts = case_participants(police, prosecution)
    edges = co_offending_edges(parts)
    # one case naming a, b, c: three links, each one shared case
    assert sorted(edges.select("person_a", "person_b").rows()) == sorted(
        [tuple(sorted(pair)) for pair in [(A, B), (A, C), (B, C)]]
    )
    assert edges["shared_cases"].to_list() == [1, 1, 1]


def test_only_pseudonyms_enter_a_network():
    police = pl.DataFrame(
        {"case_id": ["1/P/2024"], "suspect_ids": [[A, "1840101123456"]], "market": ["extortion"],
         "ocg_id": [None]}, schema_overrides={"ocg_id": pl.String},
    )  # fmt: skip
    with pytest.raises(ValueError, match="not pseudonyms") as err:
        case_participants(police)
    assert "1840101123456" not in str(err.value)


@pytest.fixture(scope="module")
def synthetic_people(tmp_path_factory):
    home = tmp_path_factory.mktemp("networks") / "var"
    catalog = Catalog(home)
    create_key(catalog.keys)
    out = home / "landing"
    generate(out, seed=7, scale=0.01, defects=0.01, progress=False)
    for source, name in (("police_cases", "police_cases.csv"),
                         ("prosecution_cases", "prosecution_cases.csv"),
                         ("customs_seizures", "customs_seizures.xlsx")):  # fmt: skip
        ingest_file(catalog, source, out / name)
    planted = json.loads((out / "_synth.json").read_text())["planted"]
    return catalog, planted


def test_planted_brokers_are_among_the_most_central_people(synthetic_people):
    catalog, planted = synthetic_people
    frames = {s: pl.scan_parquet(catalog.snapshot_data(s)) for s in
              ("police_cases", "prosecution_cases", "customs_seizures")}  # fmt: skip
    parts = organised_crime_cases(case_participants(*frames.values()))
    players = key_players(co_offending_graph(parts), parts)
    police = frames["police_cases"].collect()
    assert planted["brokers"]
    for broker in planted["brokers"]:  # the one pseudonym the broker's cases all name
        lists = police.filter(pl.col("case_id").is_in(broker["police_cases"]))["suspect_ids"]
        common = set.intersection(*(set(x) for x in lists.to_list()))
        assert len(common) == 1
        row = players.filter(pl.col("person") == common.pop()).row(0, named=True)
        assert row["rank"] <= 10, row
        assert row["role"] == "legătură între grupuri"
    # the label picks out a few people: at most the top 5 % by betweenness
    assert 0 < players["broker"].sum() <= 0.05 * players.height + 1
