"""Execute one parameterised notebook with Papermill on the `nocta` kernel, strictly.

Papermill only warns about unknown parameters; a typo there would silently run on defaults, so
parameters are checked against the notebook's `parameters` cell first. On failure the error
names the notebook, the cell and the exception, and points to the executed copy (the log).
"""

import ast
import shutil
import tempfile
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode, default

KERNEL = "nocta"


class IpcKernelManager(AsyncKernelManager):
    """Kernels on Unix sockets in a private folder, not on loopback TCP ports.

    On a shared hub any local user can connect to a TCP port; a socket in a 0700 folder is
    reachable by its owner only (and ipykernel no longer warns about unencrypted TCP).
    """

    transport = Unicode("ipc")

    @default("ip")
    def _private_socket_prefix(self) -> str:
        self._socket_dir = tempfile.mkdtemp(prefix="nocta-kernel-")
        return str(Path(self._socket_dir) / "k")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_socket_dir", None):
            shutil.rmtree(self._socket_dir, ignore_errors=True)


class NotebookFailed(RuntimeError):
    """A notebook cell raised; the message is the one screen an analyst needs."""


def declared_parameters(notebook: Path) -> dict[str, object]:
    """Names and literal defaults of the cell tagged `parameters`."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{notebook.name}: needs exactly one cell tagged 'parameters'")
    params: dict[str, object] = {}
    for node in ast.parse(cells[0].source).body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            raise ValueError(f"{notebook.name}: the parameters cell may hold only `name = literal`")
        params[node.targets[0].id] = ast.literal_eval(node.value)
    return params


def run_notebook(
    notebook: Path, executed: Path, parameters: dict[str, object], cwd: Path | None = None
) -> None:
    """Run `notebook` into `executed` with every declared parameter passed explicitly."""
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    missing = sorted(set(declared) - set(parameters))
    if unknown or missing:
        raise ValueError(
            f"{notebook.name}: parameters do not match its parameters cell"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; not passed: {', '.join(missing)}" if missing else "")
        )
    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=str(cwd) if cwd else None,
            progress_bar=False,
            log_output=False,
            kernel_manager_class=IpcKernelManager,
        )
    except pm.PapermillExecutionError as exc:
        raise NotebookFailed(
            f"{notebook.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
            f"  executed notebook (with the full traceback): {executed}"
        ) from None
