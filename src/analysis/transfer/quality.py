"""The data-quality record: per partner and source, over time, what the intake made of each
package, so administrators see which extracts get better or worse and stewards are asked
about trends, not single files.

One JSON line per package answered with feedback (opened, or refused once its sender was
authenticated), appended to `quality/record.jsonl` (folder 0750, file 0640: restricted, like
the quarantine's summaries). A line holds counts only (rows read, accepted, quarantined by rule;
files refused or rejected; days late), never a value from a row, a file name or a reason's
text: the record feeds an administrators' page and a methodology table.

Lateness is measured against the agreed schedule, the contract's `cadence` (monthly,
quarterly, yearly): a package is due one period after the previous accepted package of the
same partner and source; `days_late` is how many days after that it arrived (0 when on time,
None for a partner's first package of a source or a source without an agreed cadence).
"""

import datetime as dt
import json
import os
from pathlib import Path

import yaml

from analysis.catalog import PROJECT, Catalog
from analysis.transfer.encoding import parse_time

PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
REJECTED = ("rejected", "unreadable")  # file outcomes that published nothing


def cadence(source: str, contracts: Path = PROJECT / "data_contracts") -> str | None:
    """The agreed delivery schedule of `source` (its contract's `cadence`), if any."""
    try:
        doc = yaml.safe_load((contracts / f"{source}.yaml").read_text(encoding="utf-8"))
        props = {p["property"]: p["value"] for p in doc.get("customProperties") or []}
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError):
        return None
    value = props.get("cadence")
    return value if value in PERIOD_MONTHS else None


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later, or the month's last day when it has no such day."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def days_late(previous: str | None, received: str, schedule: str | None) -> int | None:
    """Days after the due date (previous accepted package + one period); None if unknown."""
    if previous is None or schedule is None:
        return None
    due = add_months(parse_time(previous), PERIOD_MONTHS[schedule])
    return max(0, (parse_time(received) - due).days)


def read_record(catalog: Catalog) -> list[dict]:
    """Every line of the quality record, oldest first ([] before the first package)."""
    path = catalog.quality_record
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def record_line(body: dict, previous: str | None, schedule: str | None) -> dict:
    """One record line from a feedback body: counts and codes, nothing from a row."""
    files = body.get("files", [])
    reasons: dict[str, int] = {}
    for entry in files:
        for rule, n in (entry.get("reasons") or {}).items():
            reasons[rule] = reasons.get(rule, 0) + n
    accepted = body["outcome"] == "accepted"
    return {
        "received": body["created"],
        "month": body["created"][:7],
        "partner": body["partner"],
        "source": body["source"],
        "transfer_id": body["transfer_id"],
        "outcome": body["outcome"],
        "refused_for": body.get("refused_for"),
        "files": len(files),
        "files_rejected": sum(1 for e in files if e["outcome"] in REJECTED),
        "rows_read": sum(e["rows_read"] for e in files),
        "rows_accepted": sum(e["rows_accepted"] for e in files),
        "rows_quarantined": sum(e["rows_quarantined"] for e in files),
        "reasons": dict(sorted(reasons.items())),
        "cadence": schedule,
        "days_late": days_late(previous, body["created"], schedule) if accepted else None,
    }


def record(catalog: Catalog, body: dict) -> dict:
    """Append the record line of one feedback body (the intake holds its lock)."""
    previous = None
    for line in read_record(catalog):
        if (line["partner"], line["source"], line["outcome"]) == (
            body["partner"],
            body["source"],
            "accepted",
        ):
            previous = line["received"]
    line = record_line(body, previous, cadence(body["source"]) if body.get("source") else None)
    path = catalog.quality_record
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    return line


def monthly(lines: list[dict]) -> list[dict]:
    """Per partner, source and month: packages, refused, files rejected, rows, quarantine rate
    (overall and by rule) and the worst lateness; sorted by partner, source, month."""
    groups: dict[tuple[str, str, str], dict] = {}
    for line in lines:
        key = (line["partner"], line["source"] or "-", line["month"])
        g = groups.setdefault(
            key,
            {
                "partner": key[0],
                "source": key[1],
                "month": key[2],
                "packages": 0,
                "refused": 0,
                "files_rejected": 0,
                "rows_read": 0,
                "rows_quarantined": 0,
                "reasons": {},
                "days_late": None,
            },
        )
        g["packages"] += 1
        g["refused"] += line["outcome"] == "refused"
        g["files_rejected"] += line["files_rejected"]
        g["rows_read"] += line["rows_read"]
        g["rows_quarantined"] += line["rows_quarantined"]
        for rule, n in line["reasons"].items():
            g["reasons"][rule] = g["reasons"].get(rule, 0) + n
        if line["days_late"] is not None:
            g["days_late"] = max(g["days_late"] or 0, line["days_late"])
    out = []
    for key in sorted(groups):
        g = groups[key]
        read = g["rows_read"]
        g["quarantine_rate"] = g["rows_quarantined"] / read if read else None
        g["rate_by_rule"] = {r: n / read for r, n in sorted(g["reasons"].items())} if read else {}
        out.append(g)
    return out
