"""`make hub`: demo accounts with generated passwords, then JupyterHub in the foreground.

One account of each kind: an analyst (also on the demo case's team), a portal reader, a
cleared reader, an administrator, and the demo case's collaboration account. They are written
to $NOCTA_HOME/demo/accounts.json (mode 600) and kept across runs, and printed at each start.
"""

import json
import os
import signal
import sys
from pathlib import Path

from . import keyfiles, roles
from .settings import PROJECT, load

CONFIG = PROJECT / "hub_config" / "jupyterhub_config.py"
DEMO_SETTINGS = PROJECT / "hub_config" / "settings.demo.toml"


def demo_accounts(case_id: str) -> dict[str, list[str]]:
    """Demo account -> hub groups."""
    return {
        "ana": [roles.ANALYSTS, roles.case_team(case_id)],
        "radu": [roles.READERS],
        "ioana": [roles.CLEARED],
        "admin": [roles.ADMINS],
        roles.case_account(case_id): [],
    }


def write_accounts(path: Path, groups: dict[str, list[str]]) -> dict:
    """The accounts file, keeping the passwords of accounts that already have one."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    accounts = {
        name: {"password": old.get(name, {}).get("password") or keyfiles.password(), "groups": g}
        for name, g in groups.items()
    }
    keyfiles.private_dir(path.parent)
    keyfiles.write_private(path, json.dumps(accounts, indent=2) + "\n")
    return accounts


def main() -> None:
    if os.geteuid() != 0:
        sys.exit(
            "make hub: the hub runs as root, to start each analyst's server as their own unix "
            "user (created on first spawn)"
        )
    os.environ.setdefault("NOCTA_HUB_SETTINGS", str(DEMO_SETTINGS))
    settings = load()
    case_id = (settings["cases"]["names"] or ["demo"])[0]
    accounts = write_accounts(Path(settings["demo"]["accounts_file"]), demo_accounts(case_id))
    url = settings["hub"]["public_url"]
    print(f"\nJupyterHub for nocta: {url}   (Ctrl-C stops it and every server)\n")
    for name, account in accounts.items():
        groups = ", ".join(account["groups"]) or "(collaboration account)"
        print(f"  {name:<10} {account['password']}   {groups}")
    print(f"\n  (also in {settings['demo']['accounts_file']}, mode 600)\n", flush=True)
    state = keyfiles.private_dir(settings["hub"]["state_dir"])
    os.chdir(state)
    hub = str(Path(sys.prefix) / "bin" / "jupyterhub")
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # even from a background job: Ctrl-C/SIGINT stop
    os.execv(hub, [hub, "-f", str(CONFIG)])
