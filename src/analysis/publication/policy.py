"""What may cross into publication: every public table and headline value, declared here.

Default deny: a result the policy does not name stays restricted, so a new notebook output is
never published by accident. Each declaration says how its numbers are protected:
- `Counts`: count cells (cases, persons, seizures) below the threshold are hidden, with
  secondary suppression against the totals that are published beside them; a column derived
  from a count (a rate, its interval, a share, a change) is hidden with its count;
- `Aggregate`: a table of individual records (organised-crime groups) is published only as
  counts by the named dimensions, protected like `Counts`;
- `Open`: columns with no count of people or cases in them (Eurostat's published rates,
  scores, forecasts, model errors): published as they are.
Magnitudes (seized quantities and values in lei) are declared nowhere: the results carry no
largest contributions to test dominance on, so they stay in the restricted edition.

Headline values follow the same rule: `Text` (years, names, versions), `Standalone` (a count
with no published sum relation: hidden below the threshold), `Total` (a count that is a
margin of a protected table, read back from that table so the prose and the tables can never
be differenced), `Cell` (one cell of a protected table), `Beside` (a rate or share printed
next to a count: hidden with it).
"""

from dataclasses import dataclass, field
from fnmatch import fnmatch


@dataclass(frozen=True)
class Counts:
    """A long table of counts; `dims` name its cells (two dims: a cross-table with margins)."""

    dims: tuple[str, ...]
    counts: tuple[str, ...]
    keep: tuple[str, ...] = ()  # published as they are (labels, public denominators)
    derived: tuple[str, ...] = ()  # hidden in every row where a count is hidden
    where: dict = field(default_factory=dict)  # only these rows cross (column -> value)
    margins: bool = True  # the totals are published (prose, totals rows): protect against them
    cross: bool = True  # two dims make a cross-table; False: each row is a cell of one list


@dataclass(frozen=True)
class Aggregate:
    """Individual records published only as counts by `dims` (into column `count`)."""

    dims: tuple[str, ...]
    labels: tuple[str, ...] = ()  # functions of the dims, carried along (tier -> tier_ro)
    count: str = "groups"
    where: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Open:
    columns: tuple[str, ...]
    where: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MarginOf:
    """A table that repeats the totals of a protected cross-table of the same step (the national
    rows of a county x year table): its counts are those totals, hidden where they are."""

    table: str
    dim: str
    count: str
    keep: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    where: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Text:
    """A year, a name, a version, a list of market codes: no count in it."""


@dataclass(frozen=True)
class Standalone:
    """A count that no other published number sums to or from."""


@dataclass(frozen=True)
class Total:
    """A margin of a protected table: `at` fixes dims ({"year": "latest_year"} reads the
    headline's own latest_year); dims not in `at` are summed over."""

    table: str
    column: str
    at: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One cell (or a derived column of its row) of a protected table."""

    table: str
    column: str
    at: dict = field(default_factory=dict)  # dim -> headline key or literal
    step: str | None = None  # a table of another step (a county page cites case_rates)


@dataclass(frozen=True)
class Beside:
    """A value computed from the counts named in `of`: hidden when any of them is."""

    of: tuple[str, ...]


Policy = Counts | Aggregate | Open | MarginOf
Rule = Text | Standalone | Total | Cell | Beside

RATE = ("rate", "rate_low", "rate_high")
EU = (
    "iccs", "year", "period", "romania_rate", "eu_median_rate", "eu_q1_rate", "eu_q3_rate",
    "eu_min_rate", "eu_max_rate", "countries", "romania_rank", "ratio_to_median",
)  # fmt: skip
LEVELS = ("prevalence_level", "trend_level", "group_level", "harm_level")
STRATEGY_COUNTS = ("baseline", "projection", "proj_lo80", "proj_hi80", "proposed", "target")
FORECAST = ("market", "month", "forecast", "model", "lo95", "lo80", "hi80", "hi95")
# model errors and interval coverage, out of sample: no count in them; a skipped series' reason
# names months and means, never a count of cases
SELECTION = (
    "market", "model", "mase", "mase_naive", "beats_naive", "skipped", "origins",
    "mase_13_24", "mase_naive_13_24", "beats_naive_13_24", "origins_13_24",
    "coverage80", "coverage95", "coverage80_13_24", "coverage95_13_24",
)  # fmt: skip
STABILITY = (
    "market", "market_name", "score", "priority", "best_rank", "worst_rank", "rank_p05",
    "rank_p95", "same_rank_share", "top_share", "robust",
)  # fmt: skip

TABLES: dict[str, dict[str, Policy]] = {
    "case_rates": {
        "case_rates": Counts(("county", "year"), ("cases",), ("population", "county_name"), RATE),
        "case_rates_national": MarginOf("case_rates", "year", "cases", ("population",), ("rate",)),
    },
    "indicators": {
        "county_rates": Counts(("county", "year"), ("cases",), ("population", "county_name"), RATE),
        "market_rates": Counts(("market", "year"), ("cases",), ("population",), RATE),
        "eu_comparison": Open(EU),  # Eurostat's own published rates
    },
    "threat_assessment": {
        "ocg_threat_scores": Aggregate(("tier", "status"), ("tier_ro",)),
        "ocg_threat_components": Aggregate(("characteristic", "level"), ("label",)),
        "market_threat_matrix": Counts(
            ("market",),
            ("cases",),
            ("market_name", "score", "priority", "year", *LEVELS, "method_version"),
            ("rate", "change_pct", "rate_ratio"),
        ),
        "priorities": Open(
            ("priority", "market", "market_name", "score", *LEVELS, "method_version")
        ),
        "priority_stability": Open(STABILITY),  # ranks under other weights
    },
    "networks": {
        "networks": Counts(("network",), ("persons", "cases"), (), ("density",)),
    },
    "forecasts": {
        "forecasts_national": Open(FORECAST),
        "forecast_selection": Open(SELECTION, where={"county": None}),
        "forecast_accuracy": Open(
            ("market", "band", "model", "origins", "mase", "coverage80", "coverage95"),
            where={"county": None},
        ),
        "forecast_anomalies": Counts(
            ("market", "month"),
            ("cases",),
            (),
            ("expected", "lo95", "hi95", "direction"),  # they would bound a withheld count
            where={"county": None},
            margins=False,
            cross=False,
        ),
    },
    # the strategy's record (written by the refresh): indicator values are counts of cases,
    # and so are the baselines, projections and targets beside them: each under the threshold
    # is hidden on its own (no totals are published)
    "strategy": {
        "targets": Counts(
            ("indicator",),
            STRATEGY_COUNTS,
            ("baseline_year", "target_year", "rule_ro", "rule_en", "override_ro", "override_en"),
            margins=False,
            cross=False,
        ),
        "monitoring": Counts(
            ("indicator",),
            ("baseline", "target", "latest", "expected"),
            ("objective", "baseline_year", "target_year", "latest_year", "status"),
            margins=False,
            cross=False,
        ),
        "monitoring_series": Counts(("indicator", "year"), ("value",), margins=False, cross=False),
        "objectives": Open(("objective", "market", "priority", "score", "indicator", "dropped")),
    },
    "market_profile/*": {
        "market_rates": Counts(("year",), ("cases",), ("market", "population"), RATE),
        "market_county_rates": Counts(
            ("county", "year"), ("cases",), ("market", "population"), RATE
        ),
        "market_seizures": Counts(("route", "unit"), ("seizures",), cross=False),
        "market_forecast": Open(FORECAST),
    },
}

HEADLINE: dict[str, dict[str, Rule]] = {
    "case_rates": {
        "latest_year": Text(),
        "year_from": Text(),
        "cases_latest_year": Total("case_rates", "cases", {"year": "latest_year"}),
        "national_rate_latest_year": Beside(("cases_latest_year",)),
        "cases_total": Total("case_rates", "cases"),
        "top_county": Beside(("top_county_rate",)),
        "top_county_rate": Cell(
            "case_rates", "rate", {"county_name": "top_county", "year": "latest_year"}
        ),
    },
    "indicators": {
        "latest_year": Text(),
        "year_from": Text(),
        "cases_latest_year": Total("market_rates", "cases", {"year": "latest_year"}),
        "national_rate_latest_year": Beside(("cases_latest_year",)),
        "top_market": Beside(("top_market_rate",)),
        "top_market_rate": Cell(
            "market_rates", "rate", {"market": "top_market", "year": "latest_year"}
        ),
        "markets_up": Text(),
        "markets_down": Text(),
        "seizures_total": Standalone(),
        "conviction_share_of_indicted": Text(),  # national shares of thousands of cases
        "eurostat_years_compared": Text(),
        "eurostat_max_relative_difference": Text(),
    },
    "threat_assessment": {
        "edition": Text(),
        "assessed_year": Text(),
        "method_version": Text(),
        "groups": Total("ocg_threat_scores", "groups"),
        "groups_active": Total("ocg_threat_scores", "groups", {"status": "activ"}),
        "groups_high": Total("ocg_threat_scores", "groups", {"tier": "high"}),
        "groups_medium": Total("ocg_threat_scores", "groups", {"tier": "medium"}),
        "groups_low": Total("ocg_threat_scores", "groups", {"tier": "low"}),
        "top_priorities": Text(),
        "robust_priorities": Text(),
        "fragile_priorities": Text(),
    },
    "networks": {
        "persons_networked": Total("networks", "persons"),
        "networks": Standalone(),
        "largest_network": Standalone(),
        "organised_crime_persons": Standalone(),
        "brokers_between_groups": Standalone(),
        "brokers_between_markets": Standalone(),
        "linked_group_pairs": Standalone(),
        "broker_quantile": Text(),
        "broker_threshold": Text(),  # a betweenness, not a count
    },
    "forecasts": {
        "horizon_months": Text(),
        "last_month": Text(),
        "national_series_forecast": Text(),
        "national_share_beating_naive": Text(),
        "county_series_forecast": Text(),
        "total_breaks": Text(),
        "anomalies_national": Text(),
        "national_series_beating_naive": Text(),  # counts of series, not of cases
        "national_series_beating_naive_13_24": Text(),
        "national_share_beating_naive_13_24": Text(),
        "national_series_skipped": Text(),
        "total_model": Text(),
        "total_beats_naive": Text(),
        "total_coverage80": Text(),
        "total_coverage95": Text(),
    },
    "strategy": {
        "plan_version": Text(),
        "indicators": Text(),  # how many indicators the strategy follows, not people
        "indicators_on_track": Text(),
        "indicators_at_risk": Text(),
        "indicators_off_track": Text(),
        "indicators_no_data": Text(),
        "at_risk_margin_pct": Text(),
    },
    "market_profile/*": {
        "market": Text(),
        "market_name": Text(),
        "latest_year": Text(),
        "cases_latest_year": Cell("market_rates", "cases", {"year": "latest_year"}),
        "rate_latest_year": Cell("market_rates", "rate", {"year": "latest_year"}),
        "cases_previous_year": Cell("market_rates", "cases", {"year": ("latest_year", -1)}),
        "change_pct_latest_year": Beside(("cases_latest_year", "cases_previous_year")),
        "change_significant": Beside(("cases_latest_year", "cases_previous_year")),
        "active_groups": Standalone(),
        "active_groups_high_tier": Standalone(),
        "seizures": Total("market_seizures", "seizures"),
        "forecast_model": Text(),
        "forecast_skipped": Text(),
    },
    "county_profile/*": {
        "county": Text(),
        "county_name": Text(),
        "latest_year": Text(),
        "cases_latest_year": Cell(
            "case_rates", "cases", {"county": "county", "year": "latest_year"}, "case_rates"
        ),
        "rate_latest_year": Cell(
            "case_rates", "rate", {"county": "county", "year": "latest_year"}, "case_rates"
        ),
        "national_rate_latest_year": Text(),  # of ~900 cases a year nationally
        "top_market": Text(),
        "groups_based": Standalone(),
        "groups_high_tier": Standalone(),
        "seizures": Standalone(),
    },
}


def _match(declared: dict, step: str) -> dict:
    return next((rules for pattern, rules in declared.items() if fnmatch(step, pattern)), {})


def tables_for(step: str) -> dict[str, Policy]:
    """The public tables of a step folder (`market_profile/drugs_cocaine` matches
    `market_profile/*`)."""
    return _match(TABLES, step)


def headline_for(step: str) -> dict[str, Rule]:
    return _match(HEADLINE, step)
