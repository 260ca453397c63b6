"""Feedback to the partners: the intake answers each package with a signed, sealed feedback
package the sending partner alone can open, and keeps a data-quality record per partner.

Everything runs through the real CLI (`nocta transfer receive`, `nocta transfer feedback
open`) on real packages sealed with real keys: a partner seals a synthetic extract with planted
defects, the platform receives it, and the partner gets back exactly the planted (row, rule)
pairs, masked; nobody else can open it, and an altered feedback is refused with exit 4.
"""

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.public import SealedBox
from nacl.signing import SigningKey

from analysis.transfer import seal_package, state
from analysis.transfer.encoding import canonical_json, utc_now
from analysis.transfer.feedback import MAGIC, SIGNING_CONTEXT
from analysis.transfer.keys import init_partner, load_signing_key, read_public
from analysis.transfer.platform import init_platform
from analysis.transfer.quality import add_months, days_late, monthly, read_record
from analysis.transfer.registry import Registry
from test_transfer import World

NOCTA = str(Path(sys.executable).with_name("nocta"))
CNP_RUN = re.compile(r"(?<!\d)\d{13}(?!\d)")


def nocta(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([NOCTA, *map(str, args)], capture_output=True, text=True, env=os.environ)


def register(w: World, partner: str, sources: list[str]) -> Path:
    key, pub = init_partner(partner, w.tmp / partner)
    public, _ = read_public(pub)
    since = utc_now() - dt.timedelta(days=30)
    Registry(state.registry(w.catalog)).register(partner, public, valid_from=since, sources=sources)
    return key


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> Path:
    """Small synthetic extracts with 2% planted defects and their truth (_defects.csv)."""
    from analysis.synth import generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, seed=21, scale=0.002, defects=0.02, progress=False)
    return out


@pytest.fixture
def world(catalog, tmp_path) -> World:
    """A platform with igpr (police_cases) and ins (population) registered."""
    bundle = init_platform(state.platform_keys(catalog))
    w = World(catalog, tmp_path, bundle, Path(), [])
    w.key = register(w, "igpr", ["police_cases"])
    return w


def drop(w: World, partner: str, key: Path, source: str, files: list[Path], name: str, **kw):
    w.catalog.inbox.mkdir(parents=True, exist_ok=True)
    out = w.tmp / "sent" / name
    seal_package(partner, key, w.bundle, source, files, out, **kw)
    copy = w.catalog.inbox / name
    copy.write_bytes(out.read_bytes())
    return out


def outbox(w: World, partner: str) -> list[Path]:
    folder = w.catalog.partner_outbox(partner)
    return sorted(folder.glob("*.feedback")) if folder.is_dir() else []


def open_feedback(w: World, package: Path, key: Path, *args: object):
    return nocta(
        "transfer", "feedback", "open", package, "--key", key, "--platform", w.bundle, *args
    )


def planted(extracts: Path, name: str) -> set[tuple[int, str]]:
    with (extracts / "_defects.csv").open(encoding="utf-8") as f:
        return {(int(r["row"]), r["rule"]) for r in csv.DictReader(f) if r["file"] == name}


# --- the round trip -----------------------------------------------------------------------------
def test_the_partner_gets_back_exactly_its_planted_defects_masked(world, extracts):
    drop(world, "igpr", world.key, "police_cases", [extracts / "police_cases.csv"], "p.nocta")
    received = nocta("transfer", "receive")
    assert received.returncode == 0, received.stdout + received.stderr
    assert "feedback for the partner" in received.stderr
    [feedback] = outbox(world, "igpr")
    assert oct(feedback.stat().st_mode & 0o777) == "0o640"
    assert feedback.read_bytes().startswith(MAGIC)

    out = world.tmp / "steward"
    opened = open_feedback(world, feedback, world.key, "--out", out)
    assert opened.returncode == 0, opened.stderr
    assert "a fost primit" in opened.stdout and "police_cases.csv: publicat" in opened.stdout
    [reasons] = out.glob("*.reasons.csv")
    with reasons.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {(int(r["row"]), r["rule"]) for r in rows} == planted(extracts, "police_cases.csv")
    assert "suspect_ids:cnp" in {r["rule"] for r in rows}  # a rule whose value is a CNP
    text = reasons.read_text(encoding="utf-8")
    assert not CNP_RUN.search(text), "an identifier left the platform unmasked"
    sent_cnps = set(CNP_RUN.findall((extracts / "police_cases.csv").read_text("cp1250")))
    assert sent_cnps and not any(cnp in text for cnp in sent_cnps)

    [receipt] = out.glob("*.receipt.json")  # the same receipt the administrator would send
    checked = nocta("transfer", "verify-receipt", receipt, "--platform", world.bundle, "--package",
                    world.tmp / "sent" / "p.nocta")  # fmt: skip
    assert checked.returncode == 0 and "valid receipt" in checked.stdout, checked.stderr

    english = open_feedback(world, feedback, world.key, "--out", out, "--lang", "en")
    assert "was received" in english.stdout and "rule suspect_ids:cnp:" in english.stdout
    as_json = json.loads(open_feedback(world, feedback, world.key, "--json").stdout)
    assert as_json["receipt"]["receipt"]["transfer_id"] == as_json["transfer_id"]
    [entry] = as_json["files"]
    assert entry["rows_quarantined"] == len(planted(extracts, "police_cases.csv"))
    assert entry["rows_read"] == entry["rows_accepted"] + entry["rows_quarantined"]


def test_an_extract_sent_again_still_tells_its_partner_what_to_fix(world, extracts):
    police = extracts / "police_cases.csv"
    drop(world, "igpr", world.key, "police_cases", [police], "a.nocta")
    assert nocta("transfer", "receive").returncode == 0
    drop(world, "igpr", world.key, "police_cases", [police], "b.nocta")  # the same rows
    assert nocta("transfer", "receive").returncode == 0
    first, second = (_opened_json(world, p) for p in outbox(world, "igpr"))
    assert {first["package"], second["package"]} == {"a.nocta", "b.nocta"}
    resent = first if first["package"] == "b.nocta" else second
    [entry] = resent["files"]
    assert entry["outcome"] == "reused"
    assert entry["rows_quarantined"] == len(planted(extracts, "police_cases.csv"))
    out = world.tmp / "steward"
    feedback = next(p for p in outbox(world, "igpr") if resent["transfer_id"] in p.name)
    assert open_feedback(world, feedback, world.key, "--out", out).returncode == 0
    with next(out.glob("*.reasons.csv")).open(encoding="utf-8") as f:
        got = {(int(r["row"]), r["rule"]) for r in csv.DictReader(f)}
    assert got == planted(extracts, "police_cases.csv")


def test_a_file_the_platform_could_not_ingest_is_answered_when_the_next_run_does(world, extracts):
    from analysis.ingest.pseudonymise import KEY_FILE

    key = world.catalog.keys / KEY_FILE
    kept = key.rename(world.tmp / "pseudonym.key")  # a problem on the platform's side
    drop(world, "igpr", world.key, "police_cases", [extracts / "police_cases.csv"], "a.nocta")
    assert nocta("transfer", "receive").returncode == 1
    assert outbox(world, "igpr") == []  # nothing to tell the partner yet
    kept.rename(key)
    again = nocta("transfer", "receive")
    assert again.returncode == 0, again.stderr
    [feedback] = outbox(world, "igpr")
    [entry] = _opened_json(world, feedback)["files"]
    assert entry["outcome"] == "published"
    assert entry["rows_quarantined"] == len(planted(extracts, "police_cases.csv"))


def test_only_the_sending_partner_can_open_it_and_an_altered_one_is_refused(world, extracts):
    drop(world, "igpr", world.key, "police_cases", [extracts / "police_cases.csv"], "p.nocta")
    assert nocta("transfer", "receive").returncode == 0
    [feedback] = outbox(world, "igpr")
    ins_key = register(world, "ins", ["population"])

    other = open_feedback(world, feedback, ins_key, "--out", world.tmp / "ins-out")
    assert other.returncode == 4 and "another partner's key" in other.stderr
    assert not (world.tmp / "ins-out").exists()

    data = bytearray(feedback.read_bytes())
    for at in (len(MAGIC) + 5, len(data) // 2, len(data) - 1):
        altered = world.tmp / f"altered-{at}.feedback"
        changed = bytearray(data)
        changed[at] ^= 0x01
        altered.write_bytes(bytes(changed))
        result = open_feedback(world, altered, world.key, "--out", world.tmp / "x")
        assert result.returncode == 4, result.stderr
        assert "\n" not in result.stderr.strip() and "Traceback" not in result.stderr
    cut = world.tmp / "cut.feedback"
    cut.write_bytes(bytes(data[:-20]))
    assert open_feedback(world, cut, world.key).returncode == 4
    assert not (world.tmp / "x").exists()


def test_a_feedback_forged_by_someone_who_knows_the_partners_public_key(world, extracts):
    """The sealed box alone proves nothing (anyone may seal to a public key): the platform's
    signature inside does."""
    impostor = SigningKey.generate()
    body = {"format": "nocta-feedback", "outcome": "accepted", "files": []}
    signature = impostor.sign(SIGNING_CONTEXT + canonical_json(body)).signature
    inner = canonical_json({"feedback": body, "signature": signature.hex()})
    partner = load_signing_key(world.key).verify_key.to_curve25519_public_key()
    forged = world.tmp / "forged.feedback"
    forged.write_bytes(MAGIC + SealedBox(partner).encrypt(inner))
    result = open_feedback(world, forged, world.key)
    assert result.returncode == 4 and "does not verify" in result.stderr


def test_a_feedback_checked_against_another_platforms_file_is_refused(world, extracts):
    drop(world, "igpr", world.key, "police_cases", [extracts / "police_cases.csv"], "p.nocta")
    assert nocta("transfer", "receive").returncode == 0
    [feedback] = outbox(world, "igpr")
    other = init_platform(world.tmp / "other-platform")
    result = nocta("transfer", "feedback", "open", feedback, "--key", world.key,
                   "--platform", other)  # fmt: skip
    assert result.returncode == 4 and "does not verify" in result.stderr


# --- refused packages -----------------------------------------------------------------------------
def _opened_json(w: World, feedback: Path) -> dict:
    opened = open_feedback(w, feedback, w.key, "--json")
    assert opened.returncode == 0, opened.stderr
    return json.loads(opened.stdout)


def test_refused_packages_of_a_registered_partner_are_answered_with_the_reason(world, extracts):
    police = extracts / "police_cases.csv"
    drop(world, "igpr", world.key, "police_cases", [police], "a.nocta")
    sent = drop(world, "igpr", world.key, "police_cases", [police], "b.nocta")
    (world.catalog.inbox / "c.nocta").write_bytes(sent.read_bytes())  # the same package again
    drop(world, "igpr", world.key, "population", [extracts / "population.csv"], "d.nocta")
    old = utc_now() - dt.timedelta(days=9)
    drop(world, "igpr", world.key, "police_cases", [police], "e.nocta", now=old)

    received = nocta("transfer", "receive")
    assert received.returncode == 4
    refused = {
        body["package"]: body
        for body in map(lambda p: _opened_json(world, p), outbox(world, "igpr"))
        if body["outcome"] == "refused"
    }
    assert refused["c.nocta"]["refused_for"] == "replay"
    assert refused["d.nocta"]["refused_for"] == "source"
    assert "igpr may not send population" in refused["d.nocta"]["reason"]
    assert refused["e.nocta"]["refused_for"] == "window"
    assert "the package expired on" in refused["e.nocta"]["reason"]
    assert all(body["files"] == [] and body["receipt"] is None for body in refused.values())

    [expired] = [p for p in outbox(world, "igpr") if _opened_json(world, p)["package"] == "e.nocta"]
    text = open_feedback(world, expired, world.key).stdout
    assert "a fost refuzat: the package expired on" in text


def test_an_unauthenticated_sender_gets_no_feedback(world, extracts):
    stranger, _ = init_partner("dna", world.tmp / "dna")  # never registered
    drop(world, "dna", stranger, "police_cases", [extracts / "police_cases.csv"], "s.nocta")
    received = nocta("transfer", "receive")
    assert received.returncode == 4
    assert "no feedback for s.nocta: its sender is not authenticated" in received.stderr
    assert not world.catalog.outbox.exists()
    assert read_record(world.catalog) == []


# --- the quality record ---------------------------------------------------------------------------
def test_the_quality_record_counts_by_rule_and_month_without_a_value_from_a_row(world, extracts):
    police = extracts / "police_cases.csv"
    drop(world, "igpr", world.key, "police_cases", [police], "a.nocta")
    drop(world, "igpr", world.key, "population", [extracts / "population.csv"], "b.nocta")
    nocta("transfer", "receive")
    lines = sorted(read_record(world.catalog), key=lambda x: x["outcome"])
    assert [(x["outcome"], x["refused_for"]) for x in lines] == [
        ("accepted", None),
        ("refused", "source"),
    ]
    truth = planted(extracts, "police_cases.csv")
    assert lines[0]["rows_quarantined"] == len(truth)
    by_rule: dict[str, int] = {}
    for _, rule in truth:
        by_rule[rule] = by_rule.get(rule, 0) + 1
    assert lines[0]["reasons"] == by_rule
    assert lines[0]["cadence"] == "monthly" and lines[0]["days_late"] is None  # the first
    text = world.catalog.quality_record.read_text(encoding="utf-8")
    assert not CNP_RUN.search(text) and "police_cases.csv" not in text
    assert oct(world.catalog.quality_record.stat().st_mode & 0o777) == "0o640"
    police_month, population_month = monthly(lines)  # sorted by partner, source, month
    assert (police_month["packages"], police_month["refused"]) == (1, 0)
    assert (population_month["packages"], population_month["refused"]) == (1, 1)
    rate = police_month["quarantine_rate"]
    assert rate == pytest.approx(len(truth) / lines[0]["rows_read"]) and 0.01 < rate < 0.03
    assert police_month["rate_by_rule"]["suspect_ids:cnp"] == pytest.approx(
        by_rule["suspect_ids:cnp"] / lines[0]["rows_read"]
    )


def test_a_late_package_is_recorded_with_its_days_late(catalog):
    from analysis.transfer.quality import record

    def body(created: str, outcome: str = "accepted") -> dict:
        return {"created": created, "partner": "igpr", "source": "police_cases",
                "transfer_id": "t", "outcome": outcome, "files": []}  # fmt: skip

    record(catalog, body("2026-01-10T08:00:00Z"))
    record(catalog, body("2026-02-20T08:00:00Z", "refused"))  # a refusal is not a delivery
    late = record(catalog, body("2026-02-25T08:00:00Z"))
    assert late["days_late"] == 15 and late["cadence"] == "monthly"
    assert [m["days_late"] for m in monthly(read_record(catalog))] == [None, 15]


def test_lateness_is_measured_against_the_agreed_cadence():
    assert days_late(None, "2026-03-01T00:00:00Z", "monthly") is None
    assert days_late("2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "monthly") == 0
    assert days_late("2026-01-15T00:00:00Z", "2026-02-25T00:00:00Z", "monthly") == 10
    assert days_late("2026-01-15T00:00:00Z", "2026-04-20T00:00:00Z", "quarterly") == 5
    assert days_late("2026-01-15T00:00:00Z", "2026-04-20T00:00:00Z", None) is None
    assert add_months(dt.datetime(2026, 11, 30), 3) == dt.datetime(2027, 2, 28)


# --- the methodology chapter, from the run ----------------------------------------------------
def _methodology(run_folder: Path, lang: str, public: bool) -> str:
    import jinja2

    from analysis.catalog import PROJECT
    from analysis.report.expressions import Expressions

    folder = PROJECT / "reports" / "nocta" / lang
    chapter = next(folder.glob("01-*.md"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([folder, folder.parent]),
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
    )
    exprs = Expressions(run_folder, {"run_id": "r", "snapshots": {}}, lang, "typst", public,
                        run_folder / "figures")  # fmt: skip
    return env.get_template(chapter.name).render(**exprs.context())


def test_the_methodology_chapter_summarises_the_quality_record_from_the_run(world, extracts):
    from analysis.pipeline.quality import write_quality_results

    drop(world, "igpr", world.key, "police_cases", [extracts / "police_cases.csv"], "a.nocta")
    drop(world, "igpr", world.key, "population", [extracts / "population.csv"], "b.nocta")
    nocta("transfer", "receive")
    run = world.tmp / "run"
    assert write_quality_results(world.catalog, run)
    police = next(x for x in read_record(world.catalog) if x["outcome"] == "accepted")
    share = 100 * police["rows_quarantined"] / police["rows_read"]

    ro = _methodology(run, "ro", public=False)
    assert "Registrul calității extraselor" in ro and "| igpr | police\\_cases | 1 | 0 |" in ro
    assert f"{share:.2f}".replace(".", ",") in ro  # the Romanian way
    en = _methodology(run, "en", public=False)
    assert f"{share:.2f}" in en and "| igpr | population | 1 | 1 |" in en
    assert "not in this run" not in en

    empty = world.tmp / "empty-run"
    empty.mkdir()
    assert "printed in the restricted edition" in _methodology(empty, "en", public=True)
    assert "not in this run" in _methodology(empty, "en", public=False)


# --- the administrators' page ---------------------------------------------------------------------
def _quality_page(run_folder: Path, out: Path, lang: str) -> str:
    from analysis.site import content, quality
    from analysis.site.build import Site

    data = content.SiteContent(
        run={"run_id": "r"}, run_folder=run_folder, headline={}, rates=None, national=None,
        charts={}, tables={}, documents={}, previous=None,
    )  # fmt: skip
    quality.page(Site(out, data, "rel", "now"), run_folder, lang)
    return (out / "restricted" / lang / "data-quality.html").read_text(encoding="utf-8")


def test_the_administrators_page_has_a_chart_and_a_table_per_partner(world, extracts):
    from analysis.pipeline.quality import write_quality_results

    ins_key = register(world, "ins", ["population"])
    drop(world, "igpr", world.key, "police_cases", [extracts / "police_cases.csv"], "a.nocta")
    drop(world, "igpr", world.key, "population", [extracts / "population.csv"], "b.nocta")
    drop(world, "ins", ins_key, "population", [extracts / "population.csv"], "c.nocta")
    nocta("transfer", "receive")
    run = world.tmp / "run"
    write_quality_results(world.catalog, run)
    html = _quality_page(run, world.tmp / "site", "ro")
    assert 'id="partner-igpr"' in html and 'id="partner-ins"' in html
    specs = re.findall(r'<script type="application/json" id="quality-(\w+)-spec">(.*?)</script>',
                       html, re.S)  # fmt: skip
    assert [name for name, _ in specs] == ["igpr", "ins"]
    igpr = json.loads(specs[0][1].replace("&#34;", '"'))
    labels = {v["label"] for v in igpr["data"]["values"]}
    assert "police_cases · suspect_ids:cnp" in labels
    month = read_record(world.catalog)[0]["month"]
    assert f'<th scope="row">{month}</th><td>police_cases</td><td>1</td><td>0</td>' in html
    assert f'<th scope="row">{month}</th><td>population</td><td>1</td><td>1</td>' in html
    assert 'class="marking"' in html  # the restricted banner
    assert not CNP_RUN.search(html)

    empty = world.tmp / "empty-run"
    empty.mkdir()
    assert "no package has come through" in _quality_page(empty, world.tmp / "site2", "en")


def test_both_editions_build_with_the_quality_record_and_only_the_restricted_prints_it(tmp_path):
    """The whole report build (HTML and PDF), the public one through the publication boundary
    and its scan: the table is not declared public, so the public edition says where it is."""
    from analysis.catalog import Catalog
    from analysis.pipeline.quality import write_quality_results
    from analysis.report.build import BuildSpec, build_one
    from analysis.transfer.quality import record
    from test_report_build import make_run

    run, catalog = make_run(tmp_path), Catalog(tmp_path)
    for created, quarantined in (("2026-01-10T08:00:00Z", 40), ("2026-02-25T08:00:00Z", 3)):
        record(catalog, {
            "created": created, "partner": "igpr", "source": "police_cases", "transfer_id": "t",
            "outcome": "accepted", "files": [{
                "name": "x", "outcome": "published", "rows_read": 2000,
                "rows_accepted": 2000 - quarantined, "rows_quarantined": quarantined,
                "reasons": {"county:county": quarantined},
            }],
        })  # fmt: skip
    assert write_quality_results(catalog, run)
    restricted = build_one(catalog, run, BuildSpec("nocta", "restricted", "ro"))
    html = " ".join((restricted / "nocta.html").read_text(encoding="utf-8").split())
    assert "Registrul calității extraselor, 2026-01 – 2026-02" in html and "1,07" in html
    assert (restricted / "nocta.pdf").stat().st_size > 0
    public = build_one(catalog, run, BuildSpec("nocta", "public", "ro"))
    text = " ".join((public / "nocta.html").read_text(encoding="utf-8").split())
    assert "apare în ediția restrânsă" in text and "Registrul calității extraselor" not in text
