"""Indicators on small hand-made frames, expected values worked out by hand (see comments), and
the agreement of nocta's rates with Eurostat's on the real embedded files."""

import csv
import datetime as dt
import math

import polars as pl
import pytest

from analysis.indicators import eu, justice, seizures
from analysis.indicators.markets import county_market_rates, market_rates
from analysis.indicators.series import monthly_counts, national_population
from analysis.indicators.trends import annual_change_exact, year_on_year
from analysis.reference.files import reference_file
from analysis.reference.markets import MARKETS
from analysis.reference.population import county_population

D = dt.date
POPULATION = pl.DataFrame(
    {
        "county": ["CJ", "CT", "CJ", "CT"],
        "year": [2023, 2023, 2024, 2024],
        "population": [600_000, 400_000, 600_000, 400_000],
    }
)


def _cases(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"county": pl.String, "market": pl.String, "registered_on": pl.Date},
        orient="row",
    )  # fmt: skip


CASES = _cases(
    [
        ("CJ", "drugs_cocaine", D(2024, 1, 5)),
        ("CJ", "drugs_cocaine", D(2024, 2, 5)),
        ("CT", "drugs_cocaine", D(2024, 3, 5)),
        ("CT", "cybercrime", D(2023, 6, 1)),
    ]
)


def test_market_rates_per_100k_by_hand():
    rates = market_rates(CASES, POPULATION)
    row = rates.filter((pl.col("market") == "drugs_cocaine") & (pl.col("year") == 2024))
    # 3 cases / (600 000 + 400 000) * 100 000 = 0.3
    assert row["cases"].item() == 3 and row["rate"].item() == pytest.approx(0.3)
    # every market of the reference list, in every year with cases, zero where none
    assert rates.height == len(MARKETS) * 2
    assert rates.filter(pl.col("market") == "firearms")["cases"].to_list() == [0, 0]


def test_county_market_rates_by_hand():
    rates = county_market_rates(CASES, POPULATION)
    got = rates.filter(pl.col("market") == "drugs_cocaine", pl.col("year") == 2024)
    # CJ: 2 / 600 000 * 100 000 = 0.3333; CT: 1 / 400 000 * 100 000 = 0.25
    assert dict(zip(got["county"], got["rate"], strict=True)) == pytest.approx(
        {"CJ": 1 / 3, "CT": 0.25}
    )
    assert rates.height == 2 * len(MARKETS) * 2  # counties x markets x years


def test_monthly_counts_fill_the_calendar_with_zeros():
    monthly = monthly_counts(
        CASES, "registered_on", ["market"], D(2024, 1, 1), D(2024, 4, 30),
        keys=pl.DataFrame({"market": ["drugs_cocaine", "firearms"]}),
    )  # fmt: skip
    cocaine = monthly.filter(pl.col("market") == "drugs_cocaine")["cases"].to_list()
    assert cocaine == [1, 1, 1, 0]  # January, February, March, an empty April
    assert monthly.filter(pl.col("market") == "firearms")["cases"].to_list() == [0, 0, 0, 0]


def _monthly(values: dict[int, list[int]]) -> pl.DataFrame:
    rows = [("m", D(y, m + 1, 1), v) for y, vs in values.items() for m, v in enumerate(vs)]
    return pl.DataFrame(rows, schema=["market", "month", "cases"], orient="row")


def test_year_on_year_poisson_by_hand():
    monthly = _monthly({2023: [10] * 12, 2024: [15] * 12})
    pop = pl.DataFrame({"year": [2023, 2024], "population": [1_000_000, 1_000_000]})
    row = year_on_year(monthly, pop, ["market"]).row(0, named=True)
    # ratio 180 / 120 = 1.5; the months vary less than Poisson (not at all): Poisson model.
    # SE of log ratio = sqrt(1/120 + 1/180) = 0.117851; z = ln 1.5 / 0.117851 = 3.44050
    se = math.sqrt(1 / 120 + 1 / 180)
    z = math.log(1.5) / se
    assert row["model"] == "poisson"
    assert row["rate_ratio"] == pytest.approx(1.5)
    assert row["change_pct"] == pytest.approx(50.0)
    assert row["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-4)
    assert row["ratio_low"] == pytest.approx(math.exp(math.log(1.5) - 1.959964 * se), rel=1e-4)
    assert row["significant"] and row["direction"] == "creștere"


def test_year_on_year_adjusts_for_population():
    monthly = _monthly({2023: [20] * 12, 2024: [20] * 12})
    pop = pl.DataFrame({"year": [2023, 2024], "population": [1_000_000, 2_000_000]})
    row = year_on_year(monthly, pop, ["market"]).row(0, named=True)
    # the same 240 cases among twice the people: the rate halves
    assert row["rate_ratio"] == pytest.approx(0.5) and row["direction"] == "scădere"


def test_overdispersed_months_get_the_negative_binomial_variance():
    swing = [1, 40, 2, 38, 1, 35, 3, 40, 2, 39, 1, 37]  # 239 cases, months far from Poisson
    monthly = _monthly({2023: [20] * 12, 2024: swing})
    pop = pl.DataFrame({"year": [2023, 2024], "population": [1_000_000, 1_000_000]})
    row = year_on_year(monthly, pop, ["market"]).row(0, named=True)
    assert row["model"] == "negative_binomial" and row["dispersion_alpha"] > 0
    assert row["rate_ratio"] == pytest.approx(239 / 240)  # still the ratio of the totals
    # Poisson would claim SE = sqrt(1/240 + 1/239) = 0.0914 for the log ratio; NB knows better
    se = (math.log(row["ratio_high"]) - math.log(row["ratio_low"])) / (2 * 1.959964)
    assert se > 1.5 * math.sqrt(1 / 240 + 1 / 239)
    assert not row["significant"]


def test_year_on_year_refuses_a_year_without_population():
    monthly = _monthly({2030: [1] * 12})
    with pytest.raises(ValueError, match="no INS population"):
        year_on_year(monthly, pl.DataFrame({"year": [2024], "population": [1]}), ["market"])


def test_exact_conditional_test_by_hand():
    rates = pl.DataFrame(
        {"market": ["m", "m", "z", "z"], "year": [2023, 2024, 2023, 2024],
         "cases": [10, 30, 0, 0], "population": [1_000, 1_000, 1_000, 1_000]}
    )  # fmt: skip
    out = annual_change_exact(rates, ["market"]).sort("market")
    m = out.row(0, named=True)
    # Given 40 cases and equal populations, 2024's count is binomial(40, 1/2) if nothing changed:
    # p = 2 * P(X >= 30) = 2 * sum_{k=30}^{40} C(40, k) / 2^40
    tail = sum(math.comb(40, k) for k in range(30, 41)) / 2**40
    assert m["rate_ratio"] == pytest.approx(3.0)
    assert m["p_value"] == pytest.approx(2 * tail)
    assert m["significant"] and m["direction"] == "creștere"
    z = out.row(1, named=True)  # no case in either year: nothing to test
    assert z["p_value"] is None and z["rate_ratio"] is None and not z["significant"]


SEIZURES = pl.DataFrame(
    [
        (D(2020, 1, 1), "drugs_cocaine", 2.0, "kg", 100.0, "CO", "RO", "Port Constanța", "CT",
         "maritim"),
        (D(2020, 5, 1), "drugs_cocaine", 1.5, "kg", None, "CO", "RO", "Port Constanța", "CT",
         "maritim"),
        (D(2020, 6, 1), "excise_goods", 10_000.0, "fire", 1_200.0, "UA", "HU", "Siret", "SV",
         "rutier"),
    ],
    schema=["seized_on", "market", "quantity", "unit", "value_ron", "origin_country",
            "destination_country", "border_point", "county", "transport_mode"],
    orient="row",
)  # fmt: skip


def test_seizures_add_up_within_a_unit_only():
    by = seizures.seizures_by_commodity(SEIZURES)
    cocaine = by.filter(pl.col("market") == "drugs_cocaine").row(0, named=True)
    # 2.0 + 1.5 = 3.5 kg; one of the two has a value (100 RON)
    assert (cocaine["seizures"], cocaine["quantity"], cocaine["value_ron"], cocaine["valued"]) == (
        2, 3.5, 100.0, 1,
    )  # fmt: skip
    assert by.filter(pl.col("market") == "excise_goods")["unit"].to_list() == ["fire"]
    routes = seizures.seizures_by_route(SEIZURES)
    assert routes["route"].to_list() == ["CO → RO", "UA → HU"]  # busiest first
    points = seizures.seizures_by_border_point(SEIZURES)
    assert points.row(0, named=True)["border_point"] == "Port Constanța"
    modes = seizures.seizures_by_transport_mode(SEIZURES)
    assert set(modes["transport_mode"]) == {"maritim", "rutier"}


POLICE = pl.DataFrame(
    {
        "case_id": ["1/P/2020", "2/P/2020", "3/P/2021"],
        "registered_on": [D(2020, 1, 10), D(2020, 3, 1), D(2021, 5, 5)],
        "market": ["drugs_cocaine"] * 3,
    }
)
PROSECUTION = pl.DataFrame(
    {
        "prosecution_id": ["1/D/P/2020", "2/D/P/2020", "3/D/P/2021"],
        "case_id": ["1/P/2020", "2/P/2020", None],
        "opened_on": [D(2020, 2, 9), D(2020, 3, 11), D(2021, 1, 1)],
        "closed_on": [D(2020, 12, 5), None, D(2021, 6, 30)],
        "outcome": ["rechizitoriu", None, "clasare"],
        "markets": [["drugs_cocaine"], ["drugs_cocaine"], ["cybercrime"]],
        "assets_frozen_ron": [1_000.0, None, None],
    }
)
COURTS = pl.DataFrame(
    {
        "prosecution_id": ["1/D/P/2020", "1/D/P/2020"],
        "decided_on": [D(2021, 2, 3), D(2021, 2, 3)],
        "verdict": ["condamnare", "achitare"],
        "confiscated_ron": [400.0, None],
        "final": [True, False],
    }
)


def test_justice_funnel_by_hand():
    funnel = justice.justice_funnel(POLICE, PROSECUTION, COURTS, by=())
    y2020, y2021 = funnel.row(0, named=True), funnel.row(1, named=True)
    # 2020: two cases registered, both prosecuted, one indicted, convicted; one still open
    assert [y2020[k] for k in ("registered", "prosecuted", "indicted", "convicted", "open")] == [
        2, 2, 1, 1, 1,
    ]  # fmt: skip
    assert (y2020["prosecuted_share"], y2020["indicted_share"], y2020["convicted_share"]) == (
        1.0, 0.5, 1.0,
    )  # fmt: skip
    assert y2020["overall_share"] == 0.5 and y2020["open_share"] == 0.5
    # 2021: registered, never prosecuted: later shares have no denominator
    assert y2021["registered"] == 1 and y2021["indicted_share"] is None


def test_stage_durations_by_hand():
    d = justice.stage_durations(POLICE, PROSECUTION, COURTS)
    got = {(r["market"], r["stage"]): r["median_days"] for r in d.iter_rows(named=True)}
    # registration -> opening: 30 days (10 Jan -> 9 Feb) and 10 days (1 -> 11 Mar): median 20
    # opening -> closing: 9 Feb -> 5 Dec 2020 = 300 days; 1 Jan -> 30 Jun 2021 = 180 days
    # indictment -> decision: 5 Dec 2020 -> 3 Feb 2021 = 60 days
    assert got == {
        ("drugs_cocaine", "inregistrare_sesizare"): 20.0,
        ("drugs_cocaine", "sesizare_solutie"): 300.0,
        ("drugs_cocaine", "rechizitoriu_hotarare"): 60.0,
        ("cybercrime", "sesizare_solutie"): 180.0,
    }


def test_assets_frozen_against_confiscated_by_hand():
    row = justice.asset_recovery(PROSECUTION, COURTS).row(0, named=True)
    # one indictment in 2020: 1 000 RON frozen, 400 RON confiscated (final): 40 %
    assert (row["market"], row["year"], row["indictments"]) == ("drugs_cocaine", 2020, 1)
    assert (row["frozen_ron"], row["confiscated_ron"], row["confiscated_final_ron"]) == (
        1_000.0, 400.0, 400.0,
    )  # fmt: skip
    assert row["recovery_share"] == pytest.approx(0.4)


def _eurostat(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["geo", "iccs", "unit", "year", "value"], orient="row")


def test_romania_rate_check_and_eu_comparison_by_hand():
    data = _eurostat(
        [
            ("RO", "ICCS0601", "NR", 2020, 200.0), ("RO", "ICCS0601", "P_HTHAB", 2020, 1.0),
            ("RO", "ICCS0601", "NR", 2011, 100.0), ("RO", "ICCS0601", "P_HTHAB", 2011, 0.5),
            ("BE", "ICCS0601", "P_HTHAB", 2020, 2.0), ("BG", "ICCS0601", "P_HTHAB", 2020, 0.5),
            ("NO", "ICCS0601", "P_HTHAB", 2020, 9.0),  # not in the EU: left out
        ]
    )  # fmt: skip
    pop = pl.DataFrame({"county": ["B", "CJ"], "year": [2020, 2020],
                        "population": [12_000_000, 8_000_000]})  # fmt: skip
    check = eu.romania_rate_check(data, pop).sort("year")
    # 2020: 200 / 20 000 000 * 100 000 = 1.0, Eurostat 1.0: agrees; 2011: no INS population
    assert check["nocta_rate"].to_list()[1] == pytest.approx(1.0)
    assert check["agrees"].to_list() == [None, True]
    assert "no INS population" in check["reason"][0]
    comp = eu.eu_comparison(data).filter(pl.col("year") == 2020).row(0, named=True)
    # EU rates 2.0, 1.0 (RO), 0.5: median 1.0, Romania second highest
    assert (comp["eu_median_rate"], comp["romania_rank"], comp["countries"]) == (1.0, 2, 3)
    assert comp["period"].startswith("din 2014")


def _embedded_eurostat() -> pl.DataFrame:
    """The embedded crim_off_cat.tsv read with the csv module (not with ingest's reader)."""
    rows = []
    with reference_file("crim_off_cat.tsv").open(encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t")
        years = [int(h.strip()) for h in next(reader)[1:]]
        for rec in reader:
            _, iccs, unit, geo = rec[0].split(",")
            for year, cell in zip(years, rec[1:], strict=True):
                value = cell.strip().split(" ")[0]
                if value != ":":
                    rows.append((geo, iccs, unit, year, float(value)))
    return _eurostat(rows)


def test_nocta_rates_agree_with_eurostat_on_the_real_files():
    data = _embedded_eurostat()
    check = eu.romania_rate_check(data, county_population())
    comparable = check.filter(pl.col("reason").is_null())
    # every year both cover (2012-2022: the INS file starts in 2012) agrees within 3 %
    assert sorted(comparable["year"].unique()) == list(range(2012, 2023))
    assert comparable["agrees"].all(), comparable.filter(~pl.col("agrees"))
    assert comparable["relative_difference"].max() < 0.01
    # years before 2012 cannot be checked, and say why
    early = check.filter(pl.col("year") < 2012)
    assert early["reason"].str.contains("no INS population").all()
    # Eurostat divides by 1 January population: the year-average is further off
    ro = data.filter((pl.col("geo") == "RO") & (pl.col("unit") == "NR"))
    jan = national_population(county_population()).with_columns(
        average=(pl.col("population") + pl.col("population").shift(-1)) / 2
    )
    rates = data.filter((pl.col("geo") == "RO") & (pl.col("unit") == "P_HTHAB"))
    both = ro.join(rates, on=["iccs", "year"], suffix="_rate").join(
        jan.with_columns(pl.col("year").cast(pl.Int64)), on="year"
    )
    diff = both.select(
        first=(pl.col("value") / pl.col("population") * 1e5 / pl.col("value_rate") - 1).abs(),
        average=(pl.col("value") / pl.col("average") * 1e5 / pl.col("value_rate") - 1).abs(),
    ).drop_nulls()
    assert diff["first"].median() < diff["average"].median()
