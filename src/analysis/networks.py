"""Co-offending networks from pseudonymised suspects and defendants (networkx).

Two people are linked when the same case names both: as suspects of a police case, defendants
of a prosecution case (the police case it continues is the same case) or persons named at a
seizure. From that graph: the connected networks with their markets and groups; key players
(degree, betweenness); brokers, the few people whose cases span several groups or markets and
whose betweenness is among the highest (at or above the BROKER_QUANTILE of the people in the
graph: the top 5 %); and the register's groups that the data shows are connected. Spanning two
groups or markets alone is common (more than half of the organised-crime part of a national
graph), so it does not single anyone out.

Only pseudonyms enter: every id must look like one (`k1-` + 16 hex digits), so a CNP or a
name passed by mistake is refused instead of being drawn in a network. Betweenness is exact on
networks up to `exact_limit` people and estimated from `samples` sources (fixed seed, so a
rerun gives the same ranks) on larger ones; it is not normalised, so values compare across
networks: the number of pairs of people whose shortest paths run through the person.
"""

import networkx as nx
import polars as pl

PSEUDONYM = r"^k\d+-[0-9a-f]{16}$"
BROKER_QUANTILE = 0.95  # a broker's betweenness is in the top 5 % of the graph's people


def _check_pseudonyms(persons: pl.Series) -> None:
    bad = persons.filter(~persons.str.contains(PSEUDONYM))
    if bad.len():
        raise ValueError(
            f"{bad.len()} person ids are not pseudonyms (k<version>-<16 hex>): networks take "
            "only the ids ingest wrote, never CNPs or names"
        )


def case_participants(
    police: pl.LazyFrame | pl.DataFrame,
    prosecution: pl.LazyFrame | pl.DataFrame | None = None,
    customs: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per case and person: case, person, market, ocg_id, source.

    A prosecution case continuing a police case shares its case number; one without a police
    case is its own case (its prosecution number), as is a seizure without a case.
    """
    parts = [
        police.lazy().select(
            case="case_id",
            person="suspect_ids",
            market="market",
            ocg_id="ocg_id",
            source=pl.lit("police_cases"),
        )
    ]
    if prosecution is not None:
        parts.append(
            prosecution.lazy().select(
                case=pl.coalesce("case_id", "prosecution_id"),
                person="defendant_ids",
                market=pl.col("markets").list.first(),
                ocg_id="ocg_id",
                source=pl.lit("prosecution_cases"),
            )
        )
    if customs is not None:
        parts.append(
            customs.lazy().select(
                case=pl.coalesce("case_id", "seizure_id"),
                person="person_ids",
                market="market",
                ocg_id=pl.lit(None, pl.String),
                source=pl.lit("customs_seizures"),
            )
        )
    out = (
        pl.concat(parts)
        .explode("person")
        .drop_nulls("person")
        .unique(["case", "person", "source"])
        .sort("case", "person", "source")
        .collect()
    )
    _check_pseudonyms(out["person"])
    return out


def organised_crime_cases(participants: pl.DataFrame) -> pl.DataFrame:
    """The participants of the cases that name a group, and of every other case of the people
    named in those: one step out, so a broker's links outside the groups stay in view.

    Key players are ranked on this part of the graph: on all cases, prolific offenders who are
    in no group (many petty cases, many co-offenders) would crowd the top of every centrality
    ranking and hide the people who hold organised crime together.
    """
    group_cases = participants.filter(pl.col("ocg_id").is_not_null())["case"].unique()
    people = participants.filter(pl.col("case").is_in(group_cases.implode()))["person"].unique()
    cases = participants.filter(pl.col("person").is_in(people.implode()))["case"].unique()
    return participants.filter(pl.col("case").is_in(cases.implode()))


def co_offending_edges(participants: pl.DataFrame) -> pl.DataFrame:
    """person_a < person_b and the number of cases naming both (`shared_cases`)."""
    pairs = participants.select("case", "person").unique()
    return (
        pairs.join(pairs, on="case", suffix="_b")
        .filter(pl.col("person") < pl.col("person_b"))
        .group_by(person_a="person", person_b="person_b")
        .agg(shared_cases=pl.len().cast(pl.Int64))
        .sort("person_a", "person_b")
    )


def person_profiles(participants: pl.DataFrame) -> pl.DataFrame:
    """Per person: cases, markets and groups of those cases (lists, sorted)."""
    return (
        participants.group_by("person")
        .agg(
            cases=pl.col("case").n_unique().cast(pl.Int64),
            markets=pl.col("market").drop_nulls().unique().sort(),
            groups=pl.col("ocg_id").drop_nulls().unique().sort(),
        )
        .sort("person")
    )


def co_offending_graph(participants: pl.DataFrame) -> nx.Graph:
    """Undirected graph of people linked by shared cases (edge `weight` = shared cases).

    People who never share a case are left out: a network has at least two people.
    """
    graph = nx.Graph()
    edges = co_offending_edges(participants)
    graph.add_weighted_edges_from(edges.iter_rows())
    return graph


def _networks(graph: nx.Graph) -> list[set]:
    """Connected networks, largest first (ties by smallest member), so ids are stable."""
    return sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))


def offender_networks(graph: nx.Graph, participants: pl.DataFrame) -> pl.DataFrame:
    """One row per network: network (1 = largest), persons, links, cases, markets, groups."""
    members = pl.DataFrame(
        [(p, i + 1) for i, comp in enumerate(_networks(graph)) for p in comp],
        schema={"person": pl.String, "network": pl.Int64},
        orient="row",
    )
    links = pl.DataFrame(
        {
            "network": [i + 1 for i, c in enumerate(_networks(graph))],
            "links": [graph.subgraph(c).number_of_edges() for c in _networks(graph)],
        },
        schema={"network": pl.Int64, "links": pl.Int64},
    )
    return (
        participants.join(members, on="person")
        .group_by("network")
        .agg(
            persons=pl.col("person").n_unique().cast(pl.Int64),
            cases=pl.col("case").n_unique().cast(pl.Int64),
            markets=pl.col("market").drop_nulls().unique().sort(),
            groups=pl.col("ocg_id").drop_nulls().unique().sort(),
        )
        .join(links, on="network")
        .with_columns(
            density=pl.col("links") * 2 / (pl.col("persons") * (pl.col("persons") - 1)),
            n_groups=pl.col("groups").list.len().cast(pl.Int64),
            n_markets=pl.col("markets").list.len().cast(pl.Int64),
        )
        .sort("network")
    )


def betweenness(
    graph: nx.Graph, exact_limit: int = 3_000, samples: int = 300, seed: int = 0
) -> dict[str, float]:
    """Unnormalised betweenness per person, network by network (see the module docstring)."""
    out: dict[str, float] = {}
    for comp in _networks(graph):
        if len(comp) < 3:
            out.update(dict.fromkeys(comp, 0.0))
            continue
        sub = graph.subgraph(comp)
        k = None if len(comp) <= exact_limit else min(samples, len(comp))
        out.update(nx.betweenness_centrality(sub, k=k, normalized=False, seed=seed))
    return out


def key_players(
    graph: nx.Graph,
    participants: pl.DataFrame,
    exact_limit: int = 3_000,
    samples: int = 300,
    seed: int = 0,
    broker_quantile: float = BROKER_QUANTILE,
) -> pl.DataFrame:
    """Every networked person with degree, betweenness, groups and markets, most central first.

    `broker` marks a person whose cases span at least two groups or two markets and whose
    betweenness is positive and at or above the `broker_quantile` of all the graph's people
    (`broker_threshold`, the same on every row); `role` says which ("legătură între grupuri"
    first, as the rarer and graver). `rank` orders by betweenness, then degree, then
    pseudonym (so ties are stable).
    """
    between = betweenness(graph, exact_limit, samples, seed)
    network = {p: i + 1 for i, comp in enumerate(_networks(graph)) for p in comp}
    nodes = list(graph.nodes)
    frame = pl.DataFrame(
        {
            "person": nodes,
            "network": [network[p] for p in nodes],
            "degree": [graph.degree(p) for p in nodes],
            "shared_cases": [graph.degree(p, weight="weight") for p in nodes],
            "betweenness": [between[p] for p in nodes],
        },
        schema={
            "person": pl.String,
            "network": pl.Int64,
            "degree": pl.Int64,
            "shared_cases": pl.Int64,
            "betweenness": pl.Float64,
        },
    )
    out = frame.join(person_profiles(participants), on="person", how="left").with_columns(
        n_groups=pl.col("groups").list.len().cast(pl.Int64),
        n_markets=pl.col("markets").list.len().cast(pl.Int64),
    )
    threshold = float(out["betweenness"].quantile(broker_quantile, "linear") or 0.0)
    out = out.with_columns(broker_threshold=pl.lit(threshold))
    between_others = (pl.col("betweenness") > 0) & (pl.col("betweenness") >= threshold)
    role = (
        pl.when(between_others & (pl.col("n_groups") >= 2))
        .then(pl.lit("legătură între grupuri"))
        .when(between_others & (pl.col("n_markets") >= 2))
        .then(pl.lit("legătură între piețe"))
        .otherwise(pl.lit(""))
    )
    return (
        out.with_columns(role=role)
        .with_columns(broker=pl.col("role") != "")
        .sort(["betweenness", "degree", "person"], descending=[True, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).cast(pl.Int64))
    )


def linked_groups(
    participants: pl.DataFrame, register: pl.DataFrame | None = None, show: int = 5
) -> pl.DataFrame:
    """Pairs of groups the data connects: a person named in cases of both (or a leader of one
    named in the other's cases, when the register is given).

    Columns: group_a, group_b, shared_persons, persons (up to `show` pseudonyms: the evidence),
    in_register (both groups are in the register).
    """
    ties = participants.drop_nulls("ocg_id").select("ocg_id", "person")
    if register is not None:
        leaders = register.select("ocg_id", person="leader_ids").explode("person").drop_nulls()
        _check_pseudonyms(leaders["person"])
        ties = pl.concat([ties, leaders])
    ties = ties.unique()
    known = set(register["ocg_id"]) if register is not None else set()
    pairs = (
        ties.join(ties, on="person", suffix="_b")
        .filter(pl.col("ocg_id") < pl.col("ocg_id_b"))
        .group_by(group_a="ocg_id", group_b="ocg_id_b")
        .agg(
            shared_persons=pl.col("person").n_unique().cast(pl.Int64),
            persons=pl.col("person").unique().sort().head(show),
        )
    )
    return pairs.with_columns(
        in_register=pl.col("group_a").is_in(list(known)) & pl.col("group_b").is_in(list(known))
    ).sort(["shared_persons", "group_a", "group_b"], descending=[True, False, False])
