"""What a browser tab does in an analyst's server, for the tests and the bench: open a notebook
(a session, so the kernel starts in the notebook's folder, as JupyterLab does), run its cells
one by one over the kernel's websocket, type into a terminal.

Why not Papermill: it starts its own kernel in the test's process, with none of the server's
limits, user or environment; this goes through the server's own API, as JupyterLab does.
"""

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass

import nbformat
import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

DIED = ("restarting", "autorestarting", "dead")  # the kernel went away mid-cell


@dataclass
class CellResult:
    outputs: list
    status: str  # "ok", "error" or "died"


class KernelSession:
    """A notebook's kernel in `user`'s server (hub URL `hub_url`), authenticated by `token`."""

    def __init__(self, hub_url: str, user: str, token: str, path: str = "untitled.ipynb"):
        self.server = f"{hub_url}user/{user}/api"
        self.user, self.path = user, path
        self.headers = {"Authorization": f"token {token}"}
        self.session = uuid.uuid4().hex

    async def __aenter__(self) -> "KernelSession":
        reply = requests.post(
            f"{self.server}/sessions",
            json={"path": self.path, "type": "notebook", "kernel": {"name": "nocta"}},
            headers=self.headers,
            timeout=60,
        )
        reply.raise_for_status()
        self.session_id, self.kernel_id = reply.json()["id"], reply.json()["kernel"]["id"]
        ws = f"{self.server}/kernels/{self.kernel_id}/channels?session_id={self.session}"
        self.conn = await websocket_connect(
            HTTPRequest(ws.replace("http", "ws", 1), headers=self.headers)
        )
        return self

    async def __aexit__(self, *_) -> None:
        self.conn.close()
        requests.delete(f"{self.server}/sessions/{self.session_id}", headers=self.headers)

    async def execute(self, code: str, timeout: float = 300) -> CellResult:
        """Run one cell; its outputs as nbformat outputs, and how it ended."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.user, "session": self.session,
                  "version": "5.3", "msg_type": "execute_request", "date": ""}  # fmt: skip
        content = {"code": code, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}  # fmt: skip
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
                   "channel": "shell", "buffers": []}  # fmt: skip
        self.conn.write_message(json.dumps(message))
        outputs, status = [], "ok"
        deadline = time.monotonic() + timeout
        while True:
            raw = await asyncio.wait_for(self.conn.read_message(), deadline - time.monotonic())
            if raw is None:
                return CellResult(outputs, "died")
            msg = json.loads(raw)
            kind = msg["header"]["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] in DIED:
                return CellResult(outputs, "died")
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind in ("stream", "display_data", "execute_result", "error"):
                msg["msg_type"] = kind
                outputs.append(nbformat.v4.output_from_msg(msg))
                status = "error" if kind == "error" else status
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return CellResult(outputs, status)


async def run_notebook(
    hub_url: str, user: str, token: str, path: str, cell_timeout: float = 300
) -> nbformat.NotebookNode:
    """Run the notebook at `path` (in the server's root) top to bottom in its server, as "Run
    all" does, stopping at the first error or dead kernel; the notebook with its outputs and
    `metadata.nocta_run` = "ok", "error" or "died"."""
    headers = {"Authorization": f"token {token}"}
    reply = requests.get(f"{hub_url}user/{user}/api/contents/{path}", headers=headers, timeout=60)
    reply.raise_for_status()
    nb = nbformat.from_dict(reply.json()["content"])
    status = "ok"
    async with KernelSession(hub_url, user, token, path) as kernel:
        for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            result = await kernel.execute(cell.source, cell_timeout)
            cell.outputs, cell.execution_count = result.outputs, count + 1
            if result.status != "ok":
                status = result.status
                break
    nb.metadata["nocta_run"] = status
    return nb


def run_in_terminal(hub_url: str, user: str, token: str, command: str, timeout: float = 60) -> str:
    """Type `command` into a new JupyterLab terminal of `user`'s server; what the terminal
    showed until the command printed its end marker."""
    return asyncio.run(_terminal(hub_url, user, token, command, timeout))


async def _terminal(hub_url: str, user: str, token: str, command: str, timeout: float) -> str:
    headers = {"Authorization": f"token {token}"}
    server = f"{hub_url}user/{user}"
    reply = requests.post(f"{server}/api/terminals", headers=headers, timeout=30)
    reply.raise_for_status()
    name = reply.json()["name"]
    marker = uuid.uuid4().hex
    ws = f"{server}/terminals/websocket/{name}".replace("http", "ws", 1)
    conn = await websocket_connect(HTTPRequest(ws, headers=headers))
    shown = []
    try:
        conn.write_message(json.dumps(["stdin", f"{command}; echo END-{marker}-$?\r"]))
        deadline = time.monotonic() + timeout
        while not re.search(rf"END-{marker}-\d", "".join(shown)):  # the echo, not the command
            raw = await asyncio.wait_for(conn.read_message(), deadline - time.monotonic())
            if raw is None:
                break
            kind, *rest = json.loads(raw)
            if kind == "stdout":
                shown.append(rest[0])
    finally:
        conn.close()
        requests.delete(f"{server}/api/terminals/{name}", headers=headers)
    return "".join(shown)
