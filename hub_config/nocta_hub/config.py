"""Everything jupyterhub_config.py sets, from the settings (settings.py): proxy, secrets,
authenticator, roles, spawner, services. Read top to bottom, it is the hub's whole configuration.
"""

import sys
from pathlib import Path

from . import data_access, keyfiles, roles, shell_profile
from .auth import configure_authenticator
from .settings import load

VENV_BIN = Path(sys.prefix) / "bin"


def configure(c, settings: dict | None = None) -> dict:
    settings = settings or load()
    hub, spawner = settings["hub"], settings["spawner"]
    state = keyfiles.private_dir(hub["state_dir"])
    c.JupyterHub.log_level = hub["log_level"]

    # network: the proxy listens for people; the hub and the proxy's API stay on loopback ----
    c.JupyterHub.public_url = hub["public_url"]
    c.JupyterHub.bind_url = hub["bind_url"] or hub["public_url"]
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub['hub_port']}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"
    c.ConfigurableHTTPProxy.command = [hub["proxy_command"]]
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
    if hub["ssl_cert"] and hub["ssl_key"]:  # else TLS ends at the reverse proxy in front
        c.JupyterHub.ssl_cert = hub["ssl_cert"]
        c.JupyterHub.ssl_key = hub["ssl_key"]

    # state and secrets: 0700 folder, 600 files, generated on first start -------------------
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "cookie_secret")
    keyfiles.secret_file(state / "cookie_secret")
    c.ConfigurableHTTPProxy.auth_token = keyfiles.secret_file(state / "proxy_token")
    c.JupyterHub.cleanup_servers = True  # stopping the hub stops the servers (and the proxy)

    # who: authenticator, groups, roles ------------------------------------------------------
    configure_authenticator(c, settings, keyfiles.read_secret)
    cases = list(settings["cases"]["names"])
    portal, operator = settings["portal"], settings["operator"]
    c.JupyterHub.custom_scopes = roles.CUSTOM_SCOPES
    c.JupyterHub.load_roles = roles.load_roles(cases, portal["enabled"], operator["enabled"])
    portal_url = "/services/portal/" if portal["enabled"] else None
    c.JupyterHub.default_url = roles.default_url(portal_url)
    c.JupyterHub.template_paths = [str(Path(__file__).resolve().parents[1] / "templates")]

    # services: idle culler, the portal, the operator token ----------------------------------
    culler = settings["culler"]
    services = [
        {
            "name": roles.CULLER,
            "command": [
                str(VENV_BIN / "python"),
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={culler['timeout']}",
                f"--cull-every={culler['every']}",
                f"--concurrency={culler['concurrency']}",
            ],
            "api_token": keyfiles.secret_file(state / "culler.token"),
        }
    ]
    if portal["enabled"]:
        entry = {
            "name": roles.PORTAL,
            "url": portal["url"],
            "display": True,
            "oauth_no_confirm": True,
            "oauth_client_allowed_scopes": [roles.PORTAL_READ, roles.PORTAL_RESTRICTED],
        }
        if portal["command"]:
            entry["command"] = portal["command"]
            entry["environment"] = {"NOCTA_HOME": settings["nocta_home"]}
        else:
            entry["api_token"] = keyfiles.secret_file(portal["api_token_file"])
            entry["timeout"] = portal["timeout"]
        services.append(entry)
    if operator["enabled"]:
        token = keyfiles.secret_file(operator["token_file"])
        services.append({"name": roles.OPERATOR, "api_token": token})
    c.JupyterHub.services = services

    # spawning --------------------------------------------------------------------------------
    data_access.ensure_group(spawner["data_group"])
    data_access.secure_zones(Path(settings["nocta_home"]), spawner["data_group"], recursive=True)
    kernels = settings["kernels"]
    kernel_args = [
        f"--MappingKernelManager.default_kernel_name={kernels['default']}",
        f"--MappingKernelManager.cull_idle_timeout={kernels['cull_idle_timeout']}",
        f"--MappingKernelManager.cull_interval={kernels['cull_interval']}",
        "--MappingKernelManager.cull_connected=False",
        f"--KernelSpecManager.allowed_kernelspecs={kernels['default']}",  # one kernel for all
        "--LabApp.news_url=None",  # the intranet has no internet: no news, no update checks
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    c.Spawner.cmd = [str(Path(spawner["python_env"]) / "bin" / "jupyterhub-singleuser")]
    shell_profile.install()  # terminals' login shells keep the servers' environment
    c.Spawner.default_url = "/lab"
    mem = spawner["mem_limit"]  # "4G", or bytes
    c.Spawner.mem_limit = int(mem) if str(mem).isdigit() else mem
    c.Spawner.cpu_limit = float(spawner["cpu_limit"])
    c.Spawner.start_timeout = spawner["start_timeout"]
    c.Spawner.http_timeout = spawner["http_timeout"]
    c.JupyterHub.concurrent_spawn_limit = 100
    if hub["spawner"] == "local":
        from .spawner import LIGHT_OFF, NoctaLocalSpawner

        c.JupyterHub.spawner_class = NoctaLocalSpawner
        c.NoctaLocalSpawner.unix_prefix = spawner["unix_prefix"]
        c.NoctaLocalSpawner.data_group = spawner["data_group"]
        c.NoctaLocalSpawner.homes_root = spawner["homes"]
        c.NoctaLocalSpawner.cases_root = spawner["cases"]
        c.NoctaLocalSpawner.case_accounts = [roles.case_account(x) for x in cases]
        c.NoctaLocalSpawner.nocta_home = settings["nocta_home"]
        c.NoctaLocalSpawner.nproc_limit = spawner["nproc_limit"]
        c.NoctaLocalSpawner.nice = spawner["nice"]
        c.NoctaLocalSpawner.kernel_args = kernel_args
        c.NoctaLocalSpawner.light = list(LIGHT_OFF) if spawner["light"] else []
        c.NoctaLocalSpawner.interrupt_timeout = 5
        c.NoctaLocalSpawner.term_timeout = 5
    elif hub["spawner"] == "systemd":
        configure_systemd(c, settings, cases, kernel_args)
    else:
        raise ValueError(f"hub setting hub.spawner: {hub['spawner']!r} is not local or systemd")
    return settings


def configure_systemd(c, settings: dict, cases: list[str], kernel_args: list[str]) -> None:
    """Production on one large server: a transient systemd unit per analyst, with the zones
    mounted read-only or made inaccessible by systemd itself. Unix users come from the
    directory (SSSD), so hub names are unix names; case folders are the case accounts' homes."""
    from analysis.catalog import Catalog

    spawner = settings["spawner"]
    catalog = Catalog(Path(settings["nocta_home"]))
    shared, private = data_access.zones(catalog)
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.username_template = "{USERNAME}"
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
    c.SystemdSpawner.readonly_paths = [str(p) for p in shared]
    c.SystemdSpawner.unit_extra_properties = {
        "InaccessiblePaths": [str(p) for p in private],
        "TasksMax": str(spawner["nproc_limit"]),
        "Nice": str(spawner["nice"]),
    }
    c.SystemdSpawner.slice = "nocta-analysts.slice"
    case_accounts = {roles.case_account(x) for x in cases}

    def pre_spawn(spawner_):
        spawner_.args = list(kernel_args)
        if spawner_.user.name in case_accounts:
            spawner_.args.append("--SQLiteYStore.db_path=.jupyter_ystore.db")  # in its home
        else:
            spawner_.args.append("--YDocExtension.disable_rtc=True")
        server_bin = str(Path(spawner["python_env"]) / "bin")
        spawner_.environment = {
            "NOCTA_HOME": settings["nocta_home"],
            "PATH": f"{server_bin}:/usr/local/bin:/usr/bin:/bin",
            shell_profile.ENV_NAME: server_bin,  # login shells put it back (shell_profile.py)
        }

    c.Spawner.pre_spawn_hook = pre_spawn
