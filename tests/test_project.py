"""What a newcomer relies on: the README's promise, the commands' help, pins that agree."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NOCTA = str(Path(sys.executable).with_name("nocta"))


def test_readme_opens_with_demo_and_test():
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:8]
    text = "\n".join(head)
    assert text.index("make demo") < text.index("make test")


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_make_help_lists_every_target_with_its_purpose():
    out = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for target in ("demo", "test", "bench", "lint", "setup", "lock", "clean"):
        assert re.search(rf"make {target}\s+\S", out), target


def test_cli_help_names_the_stages():
    out = subprocess.run([NOCTA, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("synth", "ingest", "refresh", "report", "site", "portal", "demo"):
        assert command in out
    synth = subprocess.run(
        [NOCTA, "synth", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--out", "--seed", "--scale", "--defects"):
        assert option in synth


def test_conda_environment_pins_the_same_versions_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = dict(
        p.split("==") for p in project["dependencies"] + project["optional-dependencies"]["dev"]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            name, _, version = item.replace("==", "=").partition("=")
            if name not in ("python", "pip"):
                listed[name] = version
    assert listed == pins


def test_lock_file_pins_every_direct_dependency():
    lock = (ROOT / "requirements.lock").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for pin in project["dependencies"]:
        bare = re.sub(r"\[.*\]", "", pin)  # extras are not written in the lock
        assert re.search(rf"^{re.escape(bare)}$", lock, re.M | re.I), pin


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name
