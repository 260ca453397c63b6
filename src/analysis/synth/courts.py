"""Court decisions on DIICOT's indictments, one row per defendant as the courts' system exports
them: the end of the path a group member takes through the extracts.

Only cases closed by indictment (`rechizitoriu`) or plea agreement (`acord_recunoastere`) reach a
court, after a delay; those not decided by the end of 2025 are simply not in the extract yet.
The extract is UTF-8 without BOM, `,`, ISO dates, 1/0.
"""

import numpy as np
import polars as pl

from analysis.synth import places
from analysis.synth.persons import People
from analysis.synth.police import case_numbers
from analysis.synth.prosecution import INDICTED
from analysis.synth.spelling import ISO, lognormal_cents, money_text, yes_no
from analysis.synth.volumes import COUNTY_CODES, END

HEADERS = ("NR_DOSAR_INSTANTA", "NR_DOSAR_PARCHET", "INSTANTA", "DATA_HOTARARE", "CNP_INCULPAT",
           "SOLUTIE", "PEDEAPSA_LUNI", "CONFISCARE_RON", "DEFINITIVA")  # fmt: skip
VERDICTS = ("condamnare", "achitare", "incetare", "amanare_aplicare", "renuntare_aplicare")


def court_cases(pros: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per court case decided by the end of 2025: court_case_id, prosecution_id, court,
    decided, final, county, group, plea, defendants."""
    cases = pros.filter(
        pl.col("outcome").is_in(INDICTED) & (pl.col("defendants").list.len() > 0)
    ).select(
        "prosecution_id",
        "county",
        "group",
        "closed",
        "defendants",
        plea=pl.col("outcome") == "acord_recunoastere",
    )
    n = cases.height
    plea = cases["plea"].to_numpy()
    registered = cases["closed"].to_numpy() + rng.integers(5, 40, n).astype("timedelta64[D]")
    median = np.where(plea, 90.0, 330.0)
    wait = np.rint(np.exp(rng.normal(np.log(median), 0.5))).astype("timedelta64[D]")
    decided = registered + wait
    age = (np.datetime64(END) - decided).astype("timedelta64[D]").astype(int)
    final = rng.random(n) < np.clip(age / 540, 0.3, 0.97)
    appeal = final & (rng.random(n) < 0.45) & ~plea
    county = [COUNTY_CODES[c] for c in cases["county"]]
    court = np.where(
        appeal, [places.appeal_court(c) for c in county], [places.tribunal(c) for c in county]
    )
    code = np.array([places.tribunal_code(c) for c in county], dtype=np.int64)
    reg = pl.Series(registered).cast(pl.Date)
    cases = cases.with_columns(
        court_case_id=pl.format(
            "{}/{}/{}", pl.Series(case_numbers(reg, rng)), pl.Series(code), reg.dt.year()
        ),
        court=pl.Series(court),
        decided=pl.Series(decided).cast(pl.Date),
        final=pl.Series(final),
    )
    return cases.filter(pl.col("decided") <= END).sort("decided", "court_case_id")


def court_rows(cases: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per defendant with verdict, sentence (months) and confiscation (bani)."""
    rows = cases.explode("defendants").rename({"defendants": "person"})
    n = rows.height
    plea = rows["plea"].to_numpy()
    verdict = np.where(
        plea,
        np.where(rng.random(n) < 0.9, "condamnare", "amanare_aplicare"),
        np.array(VERDICTS)[rng.choice(5, n, p=[0.78, 0.07, 0.05, 0.06, 0.04])],
    )
    convicted = verdict == "condamnare"
    median = np.where((rows["group"] >= 0).to_numpy(), 54.0, 40.0)
    months = np.clip(np.rint(np.exp(rng.normal(np.log(median), 0.55))), 6, 360).astype(np.int64)
    confiscated = lognormal_cents(rng, 80_000, 1.3, n)
    return rows.with_columns(
        verdict=pl.Series(verdict),
        months=pl.Series(np.where(convicted, months, 0)),
        confiscated=pl.Series(np.where(convicted & (rng.random(n) < 0.4), confiscated, -1)),
    ).with_columns(pl.col("confiscated").replace(-1, None))


def court_extract(rows: pl.DataFrame, people: People) -> pl.DataFrame:
    """The partner's columns as the courts' export writes them."""
    return rows.select(
        NR_DOSAR_INSTANTA="court_case_id",
        NR_DOSAR_PARCHET="prosecution_id",
        INSTANTA="court",
        DATA_HOTARARE=pl.col("decided").dt.strftime(ISO),
        CNP_INCULPAT=people.cnp.gather(rows["person"]),
        SOLUTIE="verdict",
        PEDEAPSA_LUNI=pl.col("months").cast(pl.String),
        CONFISCARE_RON=money_text(pl.col("confiscated"), "."),
        DEFINITIVA=yes_no(pl.col("final"), "1", "0"),
    )
