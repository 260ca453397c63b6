"""The hub's settings: built-in defaults (a loopback demo), then a TOML file, then the environment.

The file is `NOCTA_HUB_SETTINGS` (hub_config/settings.demo.toml for `make hub`,
hub_config/settings.example.toml shows production). Any single value can be overridden from the
environment as `NOCTA_HUB__<SECTION>__<KEY>` (a TOML literal, else a string), e.g.
`NOCTA_HUB__HUB__PUBLIC_URL=https://nocta.example.ro/`. No secret is ever a setting: settings
name the files (mode 600) that hold them.

String values may use {NOCTA_HOME} (the data root), {PROJECT} (this checkout), {VENV} (the
Python environment the hub runs in) and {STATE} (hub.state_dir).
"""

import copy
import os
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "NOCTA_HUB__"

DEFAULTS: dict = {
    "hub": {
        "public_url": "http://127.0.0.1:8000/",  # what people type; behind TLS in production
        "bind_url": "",  # where the proxy listens; empty: the public URL
        "hub_port": 8081,  # the hub's own API, loopback only
        "proxy_api_port": 8001,  # configurable-http-proxy's REST API, loopback only
        "state_dir": "{NOCTA_HOME}/hub",  # database, cookie secret, proxy token (0700)
        "proxy_command": "{PROJECT}/.hub/node_modules/.bin/configurable-http-proxy",
        "ssl_cert": "",  # both set: the proxy terminates HTTPS itself
        "ssl_key": "",
        "authenticator": "demo",  # demo | native (pilot) | ldap (production)
        "spawner": "local",  # local (unix users + rlimits/cgroups) | systemd (production)
        "log_level": "INFO",
    },
    "demo": {"accounts_file": "{NOCTA_HOME}/demo/accounts.json"},
    "native": {"admins": [], "minimum_password_length": 12},
    "ldap": {
        "server_address": "",
        "server_port": 0,  # 0: 389 with STARTTLS, 636 with on_connect
        "tls_strategy": "before_bind",  # STARTTLS before any credential is sent
        "ca_certs_file": "",  # the directory's CA bundle
        "bind_dn_template": [],  # e.g. ["{username}@mpublic.ro"] for Active Directory UPNs
        "lookup_dn": False,
        "user_search_base": "",
        "user_attribute": "sAMAccountName",
        "lookup_dn_search_user": "",
        "lookup_dn_search_password_file": "",  # mode 600
        "lookup_dn_user_dn_attribute": "cn",
        "group_search_filter": "(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))",
        "groups": {},  # directory group DN -> hub group (analysts, portal-readers, ...)
    },
    "spawner": {
        "mem_limit": "4G",  # per analyst: a memory cgroup (systemd: MemoryMax); never RLIMIT_AS
        "cpu_limit": 1.0,  # cores per analyst: cgroup CPU quota (systemd: CPUQuota)
        "nproc_limit": 512,  # processes per analyst (RLIMIT_NPROC)
        "nice": 5,
        "unix_prefix": "nocta-",  # hub user ana -> unix user nocta-ana
        "data_group": "nocta-data",  # unix group that may read curated/, results/, runs/
        "homes": "{NOCTA_HOME}/home",  # private homes (0700); production: /home
        "cases": "{NOCTA_HOME}/cases",  # one folder per case: its collaboration account's home
        # the Python environment servers run from: every analyst must be able to execute it
        # (make hub-setup builds .hub/venv on /usr/bin/python3.11; .venv lives under /root)
        "python_env": "{PROJECT}/.hub/venv",
        "start_timeout": 120,
        "http_timeout": 60,
        "light": False,  # bench only: servers without the Lab/collaboration extensions
    },
    "kernels": {"default": "nocta", "cull_idle_timeout": 3600, "cull_interval": 300},
    "culler": {"timeout": 3600, "every": 300, "concurrency": 10},
    "cases": {"names": []},  # case ids: hub user case-<id>, team group case-<id>-team
    "portal": {
        "enabled": False,  # the portal issue turns this on (make serve)
        "url": "http://127.0.0.1:8020",
        "command": [],  # empty: the portal runs on its own and uses api_token_file
        "api_token_file": "{STATE}/portal.token",
        "timeout": 5,  # seconds the hub waits at start for a portal it does not run
    },
    # A service token for make hub, the tests and the bench (create users, read server state);
    # off in production, where admins use the admin page.
    "operator": {"enabled": False, "token_file": "{STATE}/operator.token"},
}


def _merge(base: dict, extra: dict, where: str) -> None:
    for key, value in extra.items():
        if key not in base:
            raise KeyError(f"unknown hub setting {where}{key} (known: {', '.join(base)})")
        if isinstance(base[key], dict) and key != "groups":
            if not isinstance(value, dict):
                raise TypeError(f"hub setting {where}{key} must be a table")
            _merge(base[key], value, f"{where}{key}.")
        else:
            base[key] = value


def _parse_env_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _expand(value, names: dict):
    if isinstance(value, str):  # only our placeholders: LDAP templates keep {username}
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [_expand(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, names) for k, v in value.items()}
    return value


def load(path: str | os.PathLike | None = None, environ=os.environ) -> dict:
    """Defaults, then the TOML file (`path`, else $NOCTA_HUB_SETTINGS), then the environment."""
    settings = copy.deepcopy(DEFAULTS)
    path = path or environ.get("NOCTA_HUB_SETTINGS")
    if path:
        with open(path, "rb") as f:
            _merge(settings, tomllib.load(f), "")
    for name, text in sorted(environ.items()):
        if name.startswith(ENV_PREFIX):
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            _merge(settings, {section: {key: _parse_env_value(text)}}, "")
    home = Path(environ.get("NOCTA_HOME", "var")).resolve()
    names = {"NOCTA_HOME": str(home), "PROJECT": str(PROJECT), "VENV": sys.prefix}
    names["STATE"] = _expand(settings["hub"]["state_dir"], names)
    settings = _expand(settings, names)
    settings["nocta_home"] = str(home)
    return settings
