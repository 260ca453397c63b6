"""One machine without systemd: each analyst's server runs as their own unix user.

NoctaLocalSpawner creates the unix user on first spawn (hub user `ana` -> `nocta-ana`, member
of the data group that may read curated/, results/ and runs/), a private home (0700), and
starts `jupyterhub-singleuser` with the analyst's memory and CPU limits (limits.py), the
`nocta` kernel as default, kernel culling, JupyterLab. A case's collaboration account gets its
case folder as home, with real-time collaboration on and its store kept there; analysts' own
servers have collaboration off. Production: SystemdSpawner (systemd_options in config.py).
"""

import asyncio
import grp
import os
import pwd
import re
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Int, List, Unicode

from . import data_access, limits, shell_profile

UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
# server extensions a bench server does without (it only has to answer the hub)
LIGHT_OFF = (
    "jupyterlab",
    "jupyter_collaboration",
    "jupyter_server_ydoc",
    "jupyter_lsp",
    "jupyter_server_fileid",
    "jupyter_server_terminals",
    "notebook_shim",
)


class NoctaLocalSpawner(LocalProcessSpawner):
    unix_prefix = Unicode("nocta-", config=True, help="Prefix of the analysts' unix user names")
    data_group = Unicode("nocta-data", config=True, help="Unix group that reads curated data")
    homes_root = Unicode(config=True, help="Parent of the private homes")
    cases_root = Unicode(config=True, help="Parent of the case folders")
    case_accounts = List(Unicode(), config=True, help="Hub users that are case accounts")
    nocta_home = Unicode(config=True, help="The data root (NOCTA_HOME)")
    nproc_limit = Int(512, config=True)
    nice = Int(5, config=True)
    kernel_args = List(Unicode(), config=True, help="Arguments for every server's kernels")
    light = List(Unicode(), config=True, help="Server extensions to switch off (bench)")

    _accounts_lock = asyncio.Lock()  # useradd locks /etc/passwd: one at a time

    @property
    def unix_name(self) -> str:
        name = self.unix_prefix + self.user.name
        if not UNIX_NAME.match(name):
            raise ValueError(f"hub user {self.user.name!r} makes no valid unix name ({name!r})")
        return name

    @property
    def is_case(self) -> bool:
        return self.user.name in self.case_accounts

    @property
    def home(self) -> Path:
        if self.is_case:
            return Path(self.cases_root) / self.user.name.removeprefix("case-")
        return Path(self.homes_root) / self.unix_name

    async def ensure_unix_user(self) -> pwd.struct_passwd:
        """The analyst's unix user, in the data group, with a private home (0700)."""
        name, home = self.unix_name, self.home
        async with self._accounts_lock:
            await _run("groupadd", "-f", self.data_group)
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                await _run(
                    "useradd", "--no-create-home", "--home-dir", str(home), "--user-group",
                    "--groups", self.data_group, "--shell", "/usr/sbin/nologin",
                    "--comment", f"nocta hub user {self.user.name}", name,
                )  # fmt: skip
                entry = pwd.getpwnam(name)
            if entry.pw_uid == 0:
                raise PermissionError(f"hub user {self.user.name!r} maps to root: refused")
            if name not in grp.getgrnam(self.data_group).gr_mem:
                await _run("usermod", "--append", "--groups", self.data_group, name)
        home.parent.mkdir(parents=True, exist_ok=True)
        home.parent.chmod(0o711)  # reach your own home; list nobody's
        home.mkdir(exist_ok=True)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        home.chmod(0o700)
        return entry

    async def start(self):
        await self.ensure_unix_user()
        data_access.secure_zones(Path(self.nocta_home), self.data_group)
        self.notebook_dir = str(self.home)
        self._limits = limits.Limits(
            mem_bytes=self.mem_limit, cpu=self.cpu_limit, nproc=self.nproc_limit, nice=self.nice
        )
        self._cgroups = limits.prepare_cgroups(self.unix_name, self._limits)
        return await super().start()

    async def stop(self, now=False):
        await super().stop(now=now)
        limits.remove_cgroups(getattr(self, "_cgroups", []))

    def make_preexec_fn(self, name):
        apply_limits = limits.preexec(self._limits, self._cgroups)
        become_user = set_user_setuid(self.unix_name, chdir=True)

        def preexec():
            apply_limits()  # as root: join cgroups, rlimits, nice
            become_user()  # then drop to the analyst's uid, gid and groups

        return preexec

    def user_env(self, env):
        env.update(USER=self.unix_name, HOME=str(self.home), SHELL="/bin/bash")
        server_bin = str(Path(self.cmd[0]).parent)  # terminals and !pip find the servers' env
        env["PATH"] = f"{server_bin}:/usr/local/bin:/usr/bin:/bin"
        env[shell_profile.ENV_NAME] = server_bin  # login shells put it back (shell_profile.py)
        env.pop("VIRTUAL_ENV", None)
        env["NOCTA_HOME"] = self.nocta_home
        env.pop("NOCTA_KEYS", None)  # never: keys are for transfer and ingest only
        return env

    def get_args(self):
        args = super().get_args() + list(self.kernel_args)
        store = self.home / ".jupyter_ystore.db"
        if self.is_case:  # the case's edits stay in the case folder, under its retention
            args += [f"--SQLiteYStore.db_path={store}"]
        else:
            args += ["--YDocExtension.disable_rtc=True"]
        for extension in self.light:
            args.append(f"--ServerApp.jpserver_extensions={extension}=False")
        return args


async def _run(*cmd: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode().strip()}")
