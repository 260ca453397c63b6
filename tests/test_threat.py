"""OCG threat scores, tiers, the market matrix and priorities: hand-worked on a small method and
register, then the acceptance check on the synthetic register (planted groups in the high tier)."""

import json

import polars as pl
import pytest
import yaml

from analysis.catalog import Catalog
from analysis.ingest.pseudonymise import create_key
from analysis.ingest.run import ingest_file
from analysis.reference.markets import MARKETS
from analysis.synth import generate
from analysis.threat import market_threat_matrix, ocg_threat, priorities, threat_method
from analysis.threat_sensitivity import rank_stability

HARM = {m.code: {"level": 1, "reason": "r"} for m in MARKETS} | {
    "drugs_cocaine": {"level": 3, "reason": "violență"},
}
METHOD = {
    "version": "test.1",
    "characteristics": {
        "size": {"label": "Mărime", "column": "n_members", "thresholds": [5, 15, 50], "weight": 1},
        "structure": {"label": "Structură", "column": "structure", "weight": 2,
                      "levels": {"celula": 1, "retea": 1, "clan": 2, "ierarhica": 3}},
        "violence": {"label": "Violență", "column": "violence", "weight": 1},
    },
    "tiers": {"high": 60, "medium": 35},
    "market_matrix": {"weights": {"prevalence": 1, "trend": 1, "group_threat": 1.5, "harm": 1.5}},
    "harm": HARM,
}  # fmt: skip


def _method(**changes) -> str:
    return yaml.safe_dump(METHOD | changes, allow_unicode=True)


REGISTER = pl.DataFrame(
    {
        "ocg_id": ["GR-000001", "GR-000002", "GR-000003"],
        "home_county": ["CJ", "CT", "B"],
        "status": ["activ", "activ", "destructurat"],
        "n_members": [20, 3, 60],
        "structure": ["ierarhica", "celula", "clan"],
        "violence": [1, 0, None],
        "markets": [["drugs_cocaine"], ["cybercrime"], ["drugs_cocaine"]],
        "countries": [["NL"], [], []],
    }
)


def test_scores_and_tiers_worked_by_hand():
    scores = ocg_threat(REGISTER, threat_method(_method()))
    got = dict(zip(scores.groups["ocg_id"], scores.groups["score"], strict=True))
    # max points = 3 x (1 + 2 + 1) = 12
    # GR-1: size 20 reaches 5 and 15 -> 2; ierarhica -> 3 (x2 = 6); violence 1 -> 9 / 12 = 75.0
    # GR-2: size 3 -> 0; celula -> 1 (x2 = 2); violence 0 -> 2 / 12 = 16.7
    # GR-3: size 60 -> 3; clan -> 2 (x2 = 4); violence unknown: left out, so 7 of the 3 x (1 + 2)
    # = 9 points possible on what is known -> 77.8; between 7 / 12 = 58.3 (violence 0) and
    # (7 + 3) / 12 = 83.3 (violence 3)
    assert got == {"GR-000001": 75.0, "GR-000002": 16.7, "GR-000003": 77.8}
    gr3 = scores.groups.filter(pl.col("ocg_id") == "GR-000003").row(0, named=True)
    assert (gr3["score_low"], gr3["score_high"]) == (58.3, 83.3)
    assert (gr3["unknown"], gr3["unknown_count"]) == ("Violență", 1)
    full = scores.groups.filter(pl.col("ocg_id") == "GR-000001").row(0, named=True)
    assert full["score_low"] == full["score"] == full["score_high"] and full["unknown_count"] == 0
    tiers = dict(zip(scores.groups["ocg_id"], scores.groups["tier"], strict=True))
    assert tiers == {"GR-000001": "high", "GR-000002": "low", "GR-000003": "high"}
    assert scores.groups["method_version"].unique().to_list() == ["test.1"]


def test_every_score_is_traceable_to_its_inputs():
    scores = ocg_threat(REGISTER, threat_method(_method()))
    parts = scores.components.filter(pl.col("ocg_id") == "GR-000003")
    rows = {r["characteristic"]: r for r in parts.iter_rows(named=True)}
    assert (rows["size"]["value"], rows["size"]["level"], rows["size"]["points"]) == ("60", 3, 3)
    assert (rows["structure"]["value"], rows["structure"]["points"]) == ("clan", 4.0)
    assert rows["violence"]["value"] == "necunoscut" and rows["violence"]["level"] is None
    assert rows["violence"]["known"] is False and rows["violence"]["max_points"] is None
    total = scores.components.group_by("ocg_id").agg(
        (pl.col("points").sum() / pl.col("max_points").sum() * 100).round(1).alias("score")
    )
    back = scores.groups.select("ocg_id", "score").join(total, on="ocg_id", suffix="_again")
    assert (back["score"] == back["score_again"]).all()


def test_the_method_is_checked_when_loaded():
    packaged = threat_method()
    assert packaged.version and len(packaged.characteristics) == 10
    harm = {k: v for k, v in HARM.items() if k != "firearms"}
    with pytest.raises(ValueError, match="harm"):
        threat_method(_method(harm=harm))
    with pytest.raises(ValueError, match="tiers"):
        threat_method(_method(tiers={"high": 30, "medium": 40}))
    with pytest.raises(ValueError, match="no level"):
        ocg_threat(REGISTER.with_columns(structure=pl.lit("mafie")), threat_method(_method()))


def test_market_matrix_levels_score_and_reasons_by_hand():
    method = threat_method(_method())
    codes = [m.code for m in MARKETS]
    # rates 16, 15, ..., 1 in the order of MARKETS: cocaine first, heroin second
    rates = pl.DataFrame({"market": codes, "year": [2025] * 16, "cases": [100] * 16,
                          "rate": [float(16 - i) for i in range(16)]})  # fmt: skip
    changes = pl.DataFrame(
        {"market": ["drugs_cocaine", "drugs_heroin"], "year": [2025, 2025],
         "rate_ratio": [1.4, 0.6], "change_pct": [40.0, -40.0], "p_value": [0.001, 0.01],
         "significant": [True, True]}
    )  # fmt: skip
    groups = ocg_threat(REGISTER, method).groups
    matrix = market_threat_matrix(rates, changes, groups, method, 2025)
    cocaine = matrix.filter(pl.col("market") == "drugs_cocaine").row(0, named=True)
    # prevalence rank 1 of 16 (top third: ranks 1-6) -> 3; significant rise -> 3;
    # groups: only GR-1 active in cocaine (GR-3 is dismantled): index 0.75, rank 1 -> 3;
    # harm 3. Score = 100 x (1x3 + 1x3 + 1.5x3 + 1.5x3) / (3 x 5) = 100
    levels = ("prevalence_level", "trend_level", "group_level", "harm_level")
    assert [cocaine[k] for k in levels] == [3, 3, 3, 3]
    assert cocaine["score"] == 100.0 and cocaine["priority"] == 1
    assert cocaine["active_groups"] == 1 and cocaine["high_tier_groups"] == 1
    heroin = matrix.filter(pl.col("market") == "drugs_heroin").row(0, named=True)
    # rank 2 -> 3; significant fall -> 1; no active group -> 1; harm 1:
    # 100 x (3 + 1 + 1.5 + 1.5) / 15 = 46.7
    assert heroin["score"] == pytest.approx(46.7)
    assert "0,75" in cocaine["reasons"] and "+40,0 %" in cocaine["reasons"]
    assert "locul 1 din 16" in cocaine["reasons"] and "1 grup activ" in cocaine["reasons"]
    ranked = priorities(matrix)
    assert ranked["priority"].to_list() == list(range(1, 17))
    # the sensitivity analysis starts from the same order, ties broken the same way
    stability, _ = rank_stability(matrix, method.matrix_weights, draws=50)
    assert stability.sort("market")["priority"].equals(matrix.sort("market")["priority"])
    assert ranked["method_version"].unique().to_list() == ["test.1"]


@pytest.fixture(scope="module")
def synthetic_register(tmp_path_factory):
    home = tmp_path_factory.mktemp("threat") / "var"
    catalog = Catalog(home)
    create_key(catalog.keys)
    out = home / "landing"
    generate(out, seed=3, scale=0.01, progress=False)
    ingest_file(catalog, "ocg_register", out / "ocg_register.parquet")
    planted = json.loads((out / "_synth.json").read_text())["planted"]
    return pl.read_parquet(catalog.snapshot_data("ocg_register")), planted


def test_planted_most_threatening_groups_are_in_the_high_tier(synthetic_register):
    register, planted = synthetic_register
    scores = ocg_threat(register, threat_method()).groups
    high = set(scores.filter(pl.col("tier") == "high")["ocg_id"])
    assert planted["high_threat_groups"] and set(planted["high_threat_groups"]) <= high
    top = scores.head(len(planted["high_threat_groups"]))["ocg_id"]
    assert set(top) == set(planted["high_threat_groups"])  # and they lead the ranking
