"""The administrators' guide, followed on the demo: its shell blocks, run exactly as written.

Each block the guide marks `<!-- step: NAME -->` is extracted from docs/guides/en and run with
bash (errexit) in a working folder, against a data root made by `nocta demo` (the thin-path
helper, on the small pipeline); then the outcome the guide promises is checked: a partner's
key registered and revoked (its package refused, exit 4, into inbox/rejected/), platform keys
rotated (a package sealed with the previous platform.pub opens, one two rotations old does
not), the partner's feedback listed and opened by the steward (the very rows `nocta check`
showed them), a failed night run that leaves results/current and a rerun that fixes it, a release
published and rolled back byte for byte, the audit log verified and an edit caught at its
line; with a real hub (as root), group membership and clearance as the portal sees them.

The Romanian guide must show the very same commands. The only seam: `nocta refresh` runs the
case-rates notebook alone (a wrapper adds `--config`), so the failure is deterministic and the
rerun takes seconds. The tests run in file order on one data root, each on what the one before
left, as an administrator's week would (the release published is the rerun's).
"""

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from analysis.site.releases import verify
from test_thin_path import NOCTA, SMALL, run_demo

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "docs" / "guides"
STEP = re.compile(r"<!-- step: ([a-z-]+) -->\s*```bash\n(.*?)```", re.S)
ADMIN_STEPS = {
    "add-to-group", "clear-reader", "withdraw-clearance", "publish", "rollback",
    "platform-keys", "rotate-keys", "register-partner", "revoke-partner", "audit-verify",
    "night-run-status", "night-run-fix", "night-run-rerun", "partner-feedback",
}  # fmt: skip
STEWARD_STEPS = {"steward-keys", "check", "seal", "verify-receipt", "feedback-open"}


def steps(path: Path) -> dict[str, str]:
    """The guide's marked shell blocks, by step name (a name used twice is an error)."""
    found: dict[str, str] = {}
    for name, block in STEP.findall(path.read_text(encoding="utf-8")):
        assert name not in found, f"{path.name}: step {name} twice"
        found[name] = block
    return found


ADMIN = steps(GUIDES / "en" / "administrators.md")
STEWARD = steps(GUIDES / "en" / "data-stewards.md")


def test_both_languages_show_the_same_commands():
    assert set(ADMIN) == ADMIN_STEPS and set(STEWARD) == STEWARD_STEPS
    assert steps(GUIDES / "ro" / "administratori.md") == ADMIN
    assert steps(GUIDES / "ro" / "furnizori.md") == STEWARD


class Demo:
    def __init__(self, home: Path, env: dict, work: Path):
        self.home, self.env, self.work = home, env, work

    def run(self, step: str) -> subprocess.CompletedProcess:
        """One step of a guide, as written, in the working folder."""
        block = ADMIN.get(step) or STEWARD[step]
        return subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            cwd=self.work, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def nocta(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["nocta", *args], cwd=self.work, env=self.env, capture_output=True, text=True
        )

    def receive(self, package: Path) -> subprocess.CompletedProcess:
        """The night run's intake of one package the partner dropped in the inbox."""
        (self.home / "inbox").mkdir(exist_ok=True)
        shutil.copy(package, self.home / "inbox" / package.name)
        return self.nocta("transfer", "receive")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("admin-guide")
    home, work, bin_dir = base / "var", base / "work", base / "bin"
    for folder in (work, bin_dir, base / "steward"):
        folder.mkdir()
    env = os.environ | {"NOCTA_HOME": str(home), "HOME": str(base / "steward")}
    env.pop("NOCTA_KEYS", None)
    built = run_demo(env)
    assert built.returncode == 0, built.stderr
    rates_only = base / "rates-only.yaml"
    config = Path(SMALL).read_text(encoding="utf-8")
    rates_only.write_text(re.sub(r"(?m)^notebooks: .*$", "notebooks: [case_rates]", config))
    wrapper = bin_dir / "nocta"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = refresh ]; then shift; exec {NOCTA} refresh --config {rates_only} "$@"; fi\n'
        f'exec {NOCTA} "$@"\n'
    )
    wrapper.chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    shutil.copy(home / "landing" / "synthetic" / "police_cases.csv", work / "police_cases.csv")
    return Demo(home, env, work)


def seal(demo: Demo, name: str, platform_pub: Path) -> Path:
    """The data steward's check and seal steps, with the platform.pub the partner holds at that
    time (the demo extract has 1% defective rows: the platform would accept it)."""
    checked = demo.run("check")
    assert checked.returncode == 0, checked.stderr
    assert "would be accepted" in checked.stderr and (demo.work / "reasons.csv").stat().st_size
    shutil.copy(platform_pub, demo.work / "platform.pub")
    sealed = demo.run("seal")
    assert sealed.returncode == 0, sealed.stderr
    return (demo.work / "police_2025-11.nocta").rename(demo.work / name)


def test_partner_keys_register_rotate_and_revoke(demo):
    made = demo.run("platform-keys")
    assert made.returncode == 0, made.stderr
    bundle = Path(made.stdout.strip())
    assert bundle.name == "platform.pub" and "Platform id" in made.stderr
    first_pub = shutil.copy(bundle, demo.work.parent / "platform-first.pub")

    keys = demo.run("steward-keys")
    assert keys.returncode == 0, keys.stderr
    shutil.copy(Path(keys.stdout.strip()), demo.work / "igpr.pub")
    registered = demo.run("register-partner")
    assert registered.returncode == 0, registered.stderr
    key_id = registered.stdout.splitlines()[0]
    assert f"Key id {key_id}" in keys.stderr  # what the steward compares on the phone
    assert re.search(rf"igpr\s+{key_id}\s+active", registered.stdout)

    before_rotation = seal(demo, "sealed-before-rotation.nocta", first_pub)
    rotated = demo.run("rotate-keys")
    assert rotated.returncode == 0, rotated.stderr
    opened = demo.receive(before_rotation)
    assert opened.returncode == 0, opened.stderr  # the previous platform.pub still works
    assert "opened sealed-before-rotation.nocta" in opened.stderr

    receipts = list((demo.home / "transfer" / "receipts" / "igpr").glob("*.receipt.json"))
    assert len(receipts) == 1
    shutil.copy(receipts[0], demo.work / "police_2025-11.receipt.json")
    shutil.copy(before_rotation, demo.work / "police_2025-11.nocta")
    shutil.copy(bundle, demo.work / "platform.pub")  # the new file, sent after the rotation
    checked = demo.run("verify-receipt")
    assert checked.returncode == 0 and "valid receipt" in checked.stdout, checked.stderr
    (demo.work / "police_2025-11.nocta").unlink()

    assert demo.run("rotate-keys").returncode == 0
    stale = seal(demo, "sealed-two-rotations-ago.nocta", first_pub)
    refused = demo.receive(stale)
    assert refused.returncode == 4
    assert "retired key" in refused.stderr

    current = seal(demo, "sealed-after-revocation.nocta", bundle)
    revoked = demo.run("revoke-partner")
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked igpr {key_id}" in revoked.stdout
    assert re.search(rf"igpr\s+{key_id}\s+revoked", revoked.stdout)
    refused = demo.receive(current)
    assert refused.returncode == 4, refused.stderr
    assert f"signing key {key_id} of igpr was revoked" in refused.stderr
    rejected = demo.home / "inbox" / "rejected"
    assert (rejected / current.name).is_file()
    reason = rejected / f"{current.name}.reason.txt"
    assert "was revoked" in reason.read_text(encoding="utf-8")


def test_the_steward_opens_the_feedback_the_administrator_sends(demo):
    listed = demo.run("partner-feedback")
    assert listed.returncode == 0, listed.stderr
    sent = [Path(line) for line in listed.stdout.splitlines() if line.endswith(".feedback")]
    # opened before the rotation: answered; sealed to a retired key: refused, answered; signed
    # with a revoked key: not authenticated, no answer
    assert sorted(p.name.split(".")[1] for p in sent) == ["accepted", "refused"]
    assert re.search(
        r"(?m)^igpr\s+police_cases\s+\d{4}-\d{2}\s+packages 2\s+refused 1", listed.stdout
    )

    accepted = next(p for p in sent if ".accepted." in p.name)
    shutil.copy(accepted, demo.work / "police_2025-11.feedback")
    opened = demo.run("feedback-open")
    assert opened.returncode == 0, opened.stderr
    assert "a fost primit" in opened.stdout and "regula " in opened.stdout
    [reasons] = demo.work.glob("*.police_cases.csv.reasons.csv")

    def pairs(path: Path) -> set[tuple[str, str]]:
        with path.open(encoding="utf-8") as f:
            return {(r["row"], r["rule"]) for r in csv.DictReader(f)}

    assert pairs(reasons) == pairs(demo.work / "reasons.csv")  # what `nocta check` showed

    refused = next(p for p in sent if ".refused." in p.name)
    shutil.copy(refused, demo.work / "police_2025-11.feedback")
    opened = demo.run("feedback-open")
    assert opened.returncode == 0 and "a fost refuzat" in opened.stdout, opened.stderr
    assert "retired key" in opened.stdout


def test_a_failed_night_run_keeps_current_and_a_rerun_fixes_it(demo):
    current = demo.home / "results" / "current"
    before = os.readlink(current)
    population = demo.home / "landing" / "synthetic" / "population.csv"
    header, *rows = population.read_text(encoding="utf-8").splitlines()
    broken = demo.work.parent / "population_without_cluj.csv"
    broken.write_text("\n".join([header, *(r for r in rows if ", Cluj, " not in r)]) + "\n")
    assert demo.nocta("ingest", "--source", "population", str(broken)).returncode == 0
    night = demo.nocta("refresh")  # what the night run does after the intake
    assert night.returncode == 1 and "results/current is unchanged" in night.stderr
    assert os.readlink(current) == before

    status = demo.run("night-run-status")
    assert status.returncode == 1
    assert re.search(rf"(?m)^{before} .* current$", status.stdout), status.stdout
    assert "FAILED case_rates" in status.stdout and "no INS population" in status.stdout
    executed = status.stdout.split("executed notebook (with the full traceback): ")[1].split()[0]
    assert Path(executed).is_file()

    # the partner's corrected extract: a new export of the full file (rows in another order)
    corrected = "\n".join([header, *reversed(rows)]) + "\n"
    (demo.work / "population.csv").write_text(corrected, encoding="utf-8")
    fixed = demo.run("night-run-fix")
    assert fixed.returncode == 0, fixed.stderr
    rerun = demo.run("night-run-rerun")
    assert rerun.returncode == 0, rerun.stderr
    run_id = rerun.stdout.splitlines()[0]
    assert os.readlink(current) == run_id != before
    assert "FAILED" not in rerun.stdout
    assert re.search(rf"(?m)^{run_id} .* current$", rerun.stdout)
    # the run carries the intake's quality record (the packages of the first test)
    quality = demo.home / "results" / run_id / "data_quality" / "quality_by_source.parquet"
    assert quality.is_file()


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


def test_publish_then_roll_back_byte_for_byte(demo):
    site = demo.home / "site" / "current"
    old = os.readlink(site)
    served = site_files(site.resolve())
    published = demo.run("publish")
    assert published.returncode == 0, published.stderr
    new = published.stdout.splitlines()[0]
    assert f"releases/{new}" == os.readlink(site) != old  # the rerun's results, released
    assert re.search(rf"(?m)^{new} .*current$", published.stdout)
    page = (site.resolve() / "restricted" / "ro" / "data-quality.html").read_text("utf-8")
    assert 'id="partner-igpr"' in page and "police_cases" in page  # the administrators' page

    back = demo.run("rollback")
    assert back.returncode == 0, back.stderr
    assert os.readlink(site) == old
    assert site_files(site.resolve()) == served and verify(site.resolve()) == []
    assert re.search(rf"(?m)^{Path(old).name} .*current$", back.stdout)
    assert not re.search(rf"(?m)^{new} .*current$", back.stdout)


def test_the_audit_log_verifies_and_an_edit_is_caught_where_it_was_made(demo):
    ok = demo.run("audit-verify")
    assert ok.returncode == 0 and "chain intact" in ok.stdout, ok.stderr
    log = demo.home / "audit" / "audit.jsonl"
    original = log.read_bytes()
    lines = original.decode("utf-8").splitlines(keepends=True)
    assert len(lines) > 3
    edited = re.sub(
        r'"rows_accepted": (\d+)', lambda m: f'"rows_accepted": {int(m[1]) + 1}', lines[2]
    )
    assert edited != lines[2]  # someone "corrects" a count on line 3
    lines[2] = edited
    log.write_text("".join(lines), encoding="utf-8")
    try:
        caught = demo.run("audit-verify")
        assert caught.returncode == 1
        assert f"{log} line 4:" in caught.stderr  # line 3's edit breaks line 4's link
        assert "compare lines 3 and 4 with a backup" in caught.stderr
    finally:
        log.write_bytes(original)
    assert demo.run("audit-verify").returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root")
@pytest.mark.skipif(shutil.which("curl") is None, reason="the guide's commands use curl")
def test_groups_and_clearance_on_a_real_hub(tmp_path):
    sys.path.insert(0, str(ROOT / "hub_config"))
    from nocta_hub import testing

    from test_portal import hand_made_site, portal_session, start_portal_hub

    hub = start_portal_hub({"admin": ["admins"], "radu": []}, hand_made_site)
    try:
        env = os.environ | {"HUB": hub.url.rstrip("/"), "TOKEN": testing.user_token(hub, "admin")}
        portal = f"{hub.url}services/portal/"

        def run(step: str) -> subprocess.CompletedProcess:
            command = ["bash", "-e", "-o", "pipefail", "-c", ADMIN[step]]
            return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)

        def status(path: str) -> int:  # a fresh login, as the guide asks
            return portal_session(hub, "radu").get(portal + path, timeout=30).status_code

        assert status("ro/") == 403  # in no group yet
        added = run("add-to-group")
        assert added.returncode == 0, added.stderr
        assert '"portal-readers"' in added.stdout.replace(" ", "")
        assert requests.get(
            f"{hub.url}hub/api/users/radu", headers={"Authorization": f"token {hub.token}"}
        ).json()["groups"] == ["portal-readers"]
        assert (status("ro/"), status("restricted/ro/")) == (200, 403)
        assert run("clear-reader").returncode == 0
        assert status("restricted/ro/") == 200
        assert run("withdraw-clearance").returncode == 0
        assert status("restricted/ro/") == 403
    finally:
        testing.stop_hub(hub)
