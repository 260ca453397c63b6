"""`nocta portal serve`: the server staff use, as a JupyterHub OAuth client.

Locally the hub runs it as a managed service (hub setting portal.command) and gives it every
JUPYTERHUB_* variable it needs. In production it is an externally managed client on its own
hostname: set JUPYTERHUB_API_URL, JUPYTERHUB_CLIENT_ID (service-portal),
JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_OAUTH_CALLBACK_URL (absolute, on the portal's host),
JUPYTERHUB_HOST (the hub's origin, so logins redirect there) and pass --api-token-file.
"""

import os
import signal
from pathlib import Path
from urllib.parse import urlparse

import click


@click.group()
def portal() -> None:
    """The portal server that serves the published site to logged-in staff."""


@portal.command()
@click.option(
    "--ip",
    default=None,
    help="Address to listen on (default: from JUPYTERHUB_SERVICE_URL, else 127.0.0.1).",
)
@click.option(
    "--port", type=int, default=None, help="Port (default: from JUPYTERHUB_SERVICE_URL, else 8020)."
)
@click.option(
    "--api-token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The service's hub API token (mode 600), when the hub does not start the portal.",
)
@click.option(
    "--cookie-secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Secret for the login cookie (default: a new one per start, which logs everyone out).",
)
def serve(ip, port, api_token_file, cookie_secret_file) -> None:
    """Serve site/current to hub users whose scopes allow it (Ctrl-C or SIGTERM stops it)."""
    import logging

    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    from analysis.audit import AuditLog
    from analysis.catalog import Catalog
    from analysis.portal.server import make_app

    logging.basicConfig(level=logging.INFO, format="[portal %(asctime)s] %(message)s")
    if api_token_file:
        os.environ["JUPYTERHUB_API_TOKEN"] = api_token_file.read_text(encoding="utf-8").strip()
    if not os.environ.get("JUPYTERHUB_API_TOKEN"):
        raise click.ClickException(
            "no hub API token: run it as a hub service or pass --api-token-file"
        )
    service = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8020"))
    ip = ip or service.hostname or "127.0.0.1"
    port = port or service.port or 8020
    secret = cookie_secret_file.read_bytes().strip() if cookie_secret_file else None
    catalog = Catalog.from_env()
    app = make_app(catalog.current_site, AuditLog(catalog.audit_log), secret)
    server = HTTPServer(app, xheaders=True)
    server.listen(port, ip)
    loop = IOLoop.current()

    def stop(signum, frame):
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"portal: serving {catalog.current_site} on http://{ip}:{port}", err=True)
    loop.start()
    server.stop()
