"""`nocta ingest`, `nocta catalog` and `nocta audit verify` as a data steward runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOCTA = str(Path(sys.executable).with_name("nocta"))
HEADER = (
    "NR_DOSAR;DATA_INREGISTRARE;JUDET;PIATA;ART_INCADRARE;GRUP_INFRACTIONAL;ID_GRUP;"
    "NR_SUSPECTI;CNP_SUSPECTI;PREJUDICIU_RON;STADIU;OBSERVATII"
)


def row(n: int, county: str = "Cluj") -> str:
    return f"{n}/P/2024;15.03.2024;{county};drugs_cannabis;L143/2000 art. 2;NU;;0;;;in_lucru;"


@pytest.fixture
def env(tmp_path):
    environment = os.environ | {"NOCTA_HOME": str(tmp_path / "var")}
    environment.pop("NOCTA_KEYS", None)
    subprocess.run(
        [NOCTA, "keys", "init", "--pseudonym"], env=environment, check=True, capture_output=True
    )
    return environment


def nocta(env, *args):
    return subprocess.run([NOCTA, *args], env=env, capture_output=True, text=True)


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "police.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1250"))
    return path


def test_json_summary_and_exit_0_when_published(env, tmp_path):
    path = write(tmp_path, [row(n) for n in range(1, 100)] + [row(100, "Ilfof")])
    done = nocta(env, "ingest", "--source", "police_cases", str(path), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {k: summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined")} == {
        "rows_read": 100,
        "rows_accepted": 99,
        "rows_quarantined": 1,
    }
    assert summary["reasons"] == {"county:county": 1} and summary["snapshot_id"]
    again = nocta(env, "ingest", "--source", "police_cases", str(path))
    assert again.returncode == 0 and "already ingested" in again.stderr
    listing = nocta(env, "catalog")
    assert "police_cases" in listing.stdout and "current" in listing.stdout


def test_exit_3_when_too_many_rows_break_the_contract(env, tmp_path):
    path = write(tmp_path, [row(1), row(2, "Ilfof"), row(3, "Atlantis")])
    done = nocta(env, "ingest", "--source", "police_cases", str(path))
    assert done.returncode == 3
    assert "2 of 3 rows" in done.stderr and "nothing was published" in done.stderr


def test_exit_2_for_a_file_of_another_source_naming_the_file(env, tmp_path):
    path = write(tmp_path, [row(1)])
    done = nocta(env, "ingest", "--source", "court_decisions", str(path))
    assert done.returncode == 2
    assert "police.csv is not a court_decisions extract: missing column(s)" in done.stderr


def test_audit_verify_passes_then_names_the_edited_line(env, tmp_path):
    for n in (1, 2):
        nocta(
            env,
            "ingest",
            "--source",
            "police_cases",
            str(write(tmp_path, [row(i) for i in range(1, 20 + n)])),
        )
    ok = nocta(env, "audit", "verify")
    assert ok.returncode == 0 and "2 records, chain intact" in ok.stdout
    log = Path(env["NOCTA_HOME"]) / "audit" / "audit.jsonl"
    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace('"published"', '"rejected"')
    log.write_text("\n".join(lines) + "\n")
    bad = nocta(env, "audit", "verify")
    assert bad.returncode == 1 and "line 2" in bad.stderr


def test_a_steward_checks_a_file_before_sealing_it_and_nothing_is_kept(tmp_path):
    home = tmp_path / "steward"  # no key, no data root: a partner's own machine
    env = os.environ | {"NOCTA_HOME": str(home)}
    path = write(tmp_path, [row(n) for n in range(1, 40)] + [row(40, county="Ilfof")])
    out = tmp_path / "reasons.csv"
    checked = nocta(env, "check", "--source", "police_cases", str(path), "--reasons", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "39 would be accepted, 1 quarantined" in checked.stderr
    reasons = out.read_text()
    assert '40,county:county,JUDET,Ilfof,"JUDET ""Ilfof"" is not a county (did you mean' in reasons
    assert not home.exists()
    too_many = write(tmp_path, [row(1), row(2, "Ilfof"), row(3, "Ilfof")])
    refused = nocta(env, "check", "--source", "police_cases", str(too_many), "--json")
    assert refused.returncode == 3 and "fix them before sending" in refused.stderr
    assert json.loads(refused.stdout)["reasons"] == {"county:county": 2}
