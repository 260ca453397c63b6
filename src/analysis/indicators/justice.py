"""The justice chain: police case -> prosecution -> indictment -> conviction.

Conversion is followed by cohort (the year a police case was registered), so a recent year's
low conversion reads as "not decided yet", not as a fall: `open_share` says how much of the
cohort is still open. A police case counts at a stage when at least one of its prosecution
cases reached it; a conviction is a court decision `condamnare` for at least one defendant.
Times between stages are medians and quartiles in days, each over the cases that reached both
stages. Assets: what prosecutors froze (sechestru) in cases closed by indictment, against what
the courts confiscated from those cases' defendants, final decisions shown apart.
"""

from collections.abc import Sequence

import polars as pl

INDICTED = ("rechizitoriu", "acord_recunoastere")
CONVICTED = "condamnare"


def _prosecution_stages(
    prosecution: pl.LazyFrame | pl.DataFrame, courts: pl.LazyFrame | pl.DataFrame
) -> pl.LazyFrame:
    """One row per prosecution case: indicted, convicted, first decision date."""
    verdicts = (
        courts.lazy()
        .group_by("prosecution_id")
        .agg(
            convicted=(pl.col("verdict") == CONVICTED).any(),
            decided_on=pl.col("decided_on").min(),
        )
    )
    return (
        prosecution.lazy()
        .join(verdicts, on="prosecution_id", how="left")
        .with_columns(
            indicted=pl.col("outcome").is_in(INDICTED).fill_null(False),
            convicted=pl.col("convicted").fill_null(False),
        )
    )


def justice_funnel(
    police: pl.LazyFrame | pl.DataFrame,
    prosecution: pl.LazyFrame | pl.DataFrame,
    courts: pl.LazyFrame | pl.DataFrame,
    by: Sequence[str] = ("market",),
) -> pl.DataFrame:
    """Police cases per cohort year (and `by`, police columns) at each stage, with shares.

    Columns: by..., year, registered, prosecuted, indicted, convicted, open (prosecution cases
    not closed yet), prosecuted_share (of registered), indicted_share (of prosecuted),
    convicted_share (of indicted), overall_share (convicted of registered), open_share.
    """
    stages = (
        _prosecution_stages(prosecution, courts)
        .filter(pl.col("case_id").is_not_null())
        .group_by("case_id")
        .agg(
            pl.col("indicted").any(),
            pl.col("convicted").any(),
            open=pl.col("closed_on").is_null().any(),
            prosecuted=pl.lit(True),
        )
    )
    cases = (
        police.lazy()
        .join(stages, on="case_id", how="left")
        .with_columns(
            pl.col("prosecuted", "indicted", "convicted", "open").fill_null(False),
            year=pl.col("registered_on").dt.year().cast(pl.Int32),
        )
    )
    counts = (
        cases.group_by(*by, "year")
        .agg(
            registered=pl.len().cast(pl.Int64),
            prosecuted=pl.col("prosecuted").sum().cast(pl.Int64),
            indicted=pl.col("indicted").sum().cast(pl.Int64),
            convicted=pl.col("convicted").sum().cast(pl.Int64),
            open=pl.col("open").sum().cast(pl.Int64),
        )
        .sort(*by, "year")
        .collect()
    )

    def share(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))

    return counts.with_columns(
        prosecuted_share=share("prosecuted", "registered"),
        indicted_share=share("indicted", "prosecuted"),
        convicted_share=share("convicted", "indicted"),
        overall_share=share("convicted", "registered"),
        open_share=share("open", "prosecuted"),
    )


def stage_durations(
    police: pl.LazyFrame | pl.DataFrame,
    prosecution: pl.LazyFrame | pl.DataFrame,
    courts: pl.LazyFrame | pl.DataFrame,
) -> pl.DataFrame:
    """Days between stages, by prosecution market (the first listed) and stage.

    Stages: `inregistrare_sesizare` (police registration -> prosecution opened, linked cases),
    `sesizare_solutie` (opened -> closed), `rechizitoriu_hotarare` (closed by indictment ->
    first court decision). Columns: market, stage, cases, median_days, q1_days, q3_days.
    """
    pros = _prosecution_stages(prosecution, courts).with_columns(
        market=pl.col("markets").list.first()
    )
    linked = pros.join(
        police.lazy().select("case_id", "registered_on"), on="case_id", how="inner"
    ).select(
        "market",
        stage=pl.lit("inregistrare_sesizare"),
        days=(pl.col("opened_on") - pl.col("registered_on")).dt.total_days(),
    )
    closing = pros.filter(pl.col("closed_on").is_not_null()).select(
        "market",
        stage=pl.lit("sesizare_solutie"),
        days=(pl.col("closed_on") - pl.col("opened_on")).dt.total_days(),
    )
    trial = pros.filter(pl.col("indicted") & pl.col("decided_on").is_not_null()).select(
        "market",
        stage=pl.lit("rechizitoriu_hotarare"),
        days=(pl.col("decided_on") - pl.col("closed_on")).dt.total_days(),
    )
    return (
        pl.concat([linked, closing, trial])
        .group_by("market", "stage")
        .agg(
            cases=pl.len().cast(pl.Int64),
            median_days=pl.col("days").median(),
            q1_days=pl.col("days").quantile(0.25, interpolation="linear"),
            q3_days=pl.col("days").quantile(0.75, interpolation="linear"),
        )
        .sort("market", "stage")
        .collect()
    )


def asset_recovery(
    prosecution: pl.LazyFrame | pl.DataFrame, courts: pl.LazyFrame | pl.DataFrame
) -> pl.DataFrame:
    """Frozen vs confiscated RON per year of indictment and market (the first listed).

    Columns: market, year, indictments, frozen_ron, confiscated_ron, confiscated_final_ron,
    recovery_share (confiscated / frozen).
    """
    confiscated = (
        courts.lazy()
        .group_by("prosecution_id")
        .agg(
            confiscated_ron=pl.col("confiscated_ron").sum(),
            confiscated_final_ron=pl.col("confiscated_ron").filter(pl.col("final")).sum(),
        )
    )
    return (
        prosecution.lazy()
        .filter(pl.col("outcome").is_in(INDICTED) & pl.col("closed_on").is_not_null())
        .join(confiscated, on="prosecution_id", how="left")
        .group_by(
            market=pl.col("markets").list.first(),
            year=pl.col("closed_on").dt.year().cast(pl.Int32),
        )
        .agg(
            indictments=pl.len().cast(pl.Int64),
            frozen_ron=pl.col("assets_frozen_ron").fill_null(0).sum(),
            confiscated_ron=pl.col("confiscated_ron").fill_null(0).sum(),
            confiscated_final_ron=pl.col("confiscated_final_ron").fill_null(0).sum(),
        )
        .with_columns(
            recovery_share=pl.when(pl.col("frozen_ron") > 0).then(
                pl.col("confiscated_ron") / pl.col("frozen_ron")
            )
        )
        .sort("market", "year")
        .collect()
    )
