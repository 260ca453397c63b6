"""The joint register of organised crime groups, the spine of the threat assessment: every
group's SOCTA-style scores, markets, countries and leaders.

Written as Parquet with list fields `|`-joined (the specification's one-field lists), dates as
ISO text (so an impossible date can be carried, as a partner could send one) and the member
count and scores as integers.
"""

import numpy as np
import polars as pl

from analysis.synth.persons import People, cnp_lists, ragged
from analysis.synth.spelling import ISO, county_text, list_text

HEADERS = ("ID_GRUP", "DATA_IDENTIFICARE", "JUDET_BAZA", "NR_MEMBRI", "STRUCTURA", "PIETE", "TARI",
           "VIOLENTA", "CORUPTIE", "STRUCTURI_LEGALE", "SPALARE_BANI", "CONTRAMASURI",
           "EXPERTIZA", "STATUS", "CNP_LIDERI")  # fmt: skip
SCORE_HEADERS = {
    "VIOLENTA": "violence", "CORUPTIE": "corruption", "STRUCTURI_LEGALE": "legal_structures",
    "SPALARE_BANI": "money_laundering", "CONTRAMASURI": "countermeasures",
    "EXPERTIZA": "expertise",
}  # fmt: skip
INTEGER_COLUMNS = ("NR_MEMBRI", *SCORE_HEADERS)
COUNTY_MIX = {"name": 0.8, "prefixed": 0.2}


def register_extract(
    groups: pl.DataFrame, people: People, rng: np.random.Generator
) -> pl.DataFrame:
    """The partner's columns: text, except NR_MEMBRI and the six scores (Int64)."""
    leaders = groups["leaders"].to_numpy()
    first = groups["first_member"].to_numpy()
    offsets = np.concatenate([[0], np.cumsum(leaders)])
    members = np.repeat(first, leaders) + (
        np.arange(leaders.sum()) - np.repeat(offsets[:-1], leaders)
    )
    return groups.select(
        ID_GRUP="ocg_id",
        DATA_IDENTIFICARE=pl.col("identified_on").dt.strftime(ISO),
        JUDET_BAZA=county_text(groups["home"].to_numpy(), COUNTY_MIX, rng),
        NR_MEMBRI="size",
        STRUCTURA="structure",
        PIETE=list_text(pl.col("markets")),
        TARI=list_text(pl.col("countries")),
        **{header: pl.col(score) for header, score in SCORE_HEADERS.items()},
        STATUS="status",
        CNP_LIDERI=cnp_lists(ragged(offsets, members.astype(np.int64)), people.cnp),
    )
