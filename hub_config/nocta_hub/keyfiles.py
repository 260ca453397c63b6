"""The hub's secrets live in files of mode 600 in a 0700 folder, never in settings or git."""

import os
import secrets
import stat
from pathlib import Path


def private_dir(path: str | Path) -> Path:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    return folder


def write_private(path: str | Path, text: str) -> None:
    """Write a file created with mode 600 (whatever the umask), replacing any previous one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(text)
    os.replace(tmp, path)


def read_secret(path: str | Path) -> str:
    """A secret's text; refused if others could read the file."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(f"{path} is readable by others (mode {mode:o}): chmod 600 {path}")
    return path.read_text(encoding="utf-8").strip()


def secret_file(path: str | Path, nbytes: int = 32) -> str:
    """The secret in `path`, generated (hex, mode 600) on first use."""
    path = Path(path)
    if not path.exists():
        write_private(path, secrets.token_hex(nbytes))
    return read_secret(path)


def password() -> str:
    """A generated password people can type: 4 groups of 5 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
