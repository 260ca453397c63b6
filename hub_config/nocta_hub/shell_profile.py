"""The servers' environment in login shells: `nocta`, `python` and `jupyter` in every terminal.

JupyterLab's terminals run `bash -l`, and Debian's /etc/profile (like most distributions')
resets PATH for every user who is not root, dropping the servers' Python environment that the
spawner put first. /etc/profile then sources /etc/profile.d/*.sh, so one small file there puts
the environment named by `NOCTA_SERVER_BIN` (set by the spawner, for servers only) back in
front. Nothing changes for shells that are not a hub server's. The hub installs the file at
start, as root; a host where the hub may not write /etc gets it from its deployment.
"""

import logging
import os
from pathlib import Path

PROFILE = Path("/etc/profile.d/nocta-servers.sh")
ENV_NAME = "NOCTA_SERVER_BIN"
TEXT = f"""\
# Installed by the nocta hub (hub_config/nocta_hub/shell_profile.py): in a JupyterLab terminal,
# put the servers' Python environment (nocta, python, jupyter) back at the front of PATH.
if [ -n "${{{ENV_NAME}:-}}" ]; then
  case ":$PATH:" in
    *":${ENV_NAME}:"*) ;;
    *) PATH="${ENV_NAME}:$PATH"; export PATH ;;
  esac
fi
"""
log = logging.getLogger("nocta_hub")


def install(path: Path = PROFILE) -> bool:
    """Write the profile snippet if it is missing or differs; False where /etc is not ours."""
    try:
        if path.is_file() and path.read_text() == TEXT:
            return True
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(TEXT)
        tmp.chmod(0o644)
        tmp.replace(path)
        return True
    except OSError as e:
        log.warning("terminals' login shells will lack the servers' PATH: %s (%s)", path, e)
        return False
