"""References between sources (a court row's prosecution case, a group id), checked against the
latest snapshot of the referenced source. A miss is a warning with a count, not a rejection:
partners export on different schedules, so the other side may simply not have arrived yet.
"""

import polars as pl

from analysis.catalog import Catalog
from analysis.contracts.model import Contract


def reference_warnings(catalog: Catalog, contract: Contract, accepted: pl.LazyFrame) -> dict:
    """`{"ocg_id -> ocg_register.ocg_id": {"unmatched": n, "checked_against": id}}` and the like."""
    warnings: dict[str, dict] = {}
    for f in contract.fields:
        if not f.references:
            continue
        target_source, target_field = f.references.split(".", 1)
        label = f"{f.name} -> {f.references}"
        values = accepted.select(pl.col(f.name).drop_nulls().unique()).collect().to_series()
        if not values.len():
            continue
        if target_source == contract.source:
            known = accepted.select(target_field).collect().to_series()
            against = "this extract"
        else:
            try:
                against = catalog.latest_snapshot(target_source)
            except LookupError:
                warnings[label] = {
                    "unmatched": None,
                    "note": f"not checked: no {target_source} snapshot yet",
                }
                continue
            known = pl.read_parquet(
                catalog.snapshot_data(target_source, against), columns=[target_field]
            )[target_field]
        unmatched = int((~values.is_in(known.implode())).sum())
        if unmatched:
            warnings[label] = {"unmatched": unmatched, "checked_against": against}
    return warnings
