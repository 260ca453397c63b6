"""The portal's tornado application: log in through the hub, check scopes, serve site/current.

Every request: who is it (the hub's OAuth cookie; none -> the hub's login), may they read this
section (`custom:portal:read`, or `custom:portal:restricted` under restricted/; else a 403
page), which file of the current release is it (anything else, escaping paths included -> 404),
then the audit record for a restricted page or a download, then the file. Security headers go
on every response, errors and redirects included.
"""

import hashlib
import logging
import os
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import ClassVar

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from tornado import web
from tornado.ioloop import IOLoop

from analysis.audit import AuditLog
from analysis.portal.files import Found, find

log = logging.getLogger("nocta.portal")

READ = "custom:portal:read"
RESTRICTED = "custom:portal:restricted"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",  # vega-embed and Pagefind's UI set inline styles
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "private, no-cache",
}
HSTS = "max-age=31536000; includeSubDomains"
CACHE_FILE_MAX = 1 << 20  # files up to 1 MiB are kept in memory (releases never change)
CACHE_TOTAL_MAX = 256 << 20
CHUNK = 256 << 10
LANGS = ("ro", "en")
LANG_COOKIE = "nocta-lang"  # the reader's last language: the release root opens its home
MESSAGES = {
    403: (
        "Acces refuzat · Access denied",
        "Contul dumneavoastră nu are acces la această secțiune a portalului. "
        "Your account is not cleared for this section of the portal.",
    ),
    404: ("Pagina nu există · Page not found", "Nu există o astfel de pagină. No such page."),
}


@dataclass
class PortalConfig:
    current: str  # site/current (a symlink to the release being served)
    audit: AuditLog
    prefix: str  # /services/portal/


class SecureMixin:
    """Security headers on every response; every cookie HttpOnly, SameSite, Secure on HTTPS."""

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        for name, value in HEADERS.items():
            self.set_header(name, value)
        if self.request.protocol == "https":
            self.set_header("Strict-Transport-Security", HSTS)

    def set_cookie(self, name, value, **kwargs):
        kwargs.update(httponly=True, samesite=kwargs.get("samesite") or "Lax")
        if self.request.protocol == "https":
            kwargs["secure"] = True
        return super().set_cookie(name, value, **kwargs)

    def write_error(self, status_code: int, **kwargs) -> None:
        title, text = MESSAGES.get(status_code, ("Eroare · Error", f"HTTP {status_code}"))
        prefix = self.settings["portal"].prefix
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            '<!doctype html>\n<html lang="ro"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="{prefix}assets/site.css"></head>'
            f'<body><main id="main" class="error-page"><h1>{escape(title)}</h1>'
            f"<p>{escape(text)}</p>"
            f'<p><a href="{prefix}">Portalul NOCTA · NOCTA portal</a> · '
            '<a href="/hub/logout">Ieșire · Log out</a></p></main></body></html>\n'
        )


class CallbackHandler(SecureMixin, HubOAuthCallbackHandler):
    """The end of the hub's OAuth dance: sets the portal's own login cookie."""


class PrefixRedirect(SecureMixin, web.RedirectHandler):
    """`/services/portal` -> `/services/portal/`."""


class NotFoundHandler(SecureMixin, web.RequestHandler):
    def prepare(self) -> None:
        raise web.HTTPError(404)


class SiteHandler(SecureMixin, HubOAuthenticated, web.RequestHandler):
    """Serves the current release to users whose scopes cover the section asked for."""

    cache: ClassVar["OrderedDict[str, tuple[bytes, str]]"] = OrderedDict()
    cache_bytes = 0

    def check_hub_user(self, model):
        return model  # logged in is enough here; scopes are checked per section in get()

    async def prepare(self) -> None:
        """Who is asking, without blocking the loop: HubAuth's synchronous path waits on a
        background thread (and on the hub, when its cache misses) while every other
        request waits too."""
        model = await self.hub_auth.get_user(self, sync=False)
        self._hub_auth_user_cache = self.check_hub_user(model) if model else None

    def check_xsrf_cookie(self) -> None:
        return None  # GET and HEAD only: nothing changes state

    async def head(self, path: str) -> None:
        await self.get(path, include_body=False)

    async def get(self, path: str, include_body: bool = True) -> None:
        user = self.current_user
        if not user:
            self.redirect(self.get_login_url())
            return
        scopes = set(user.get("scopes", ()))
        if not scopes & {READ, RESTRICTED}:
            raise web.HTTPError(403)
        config: PortalConfig = self.settings["portal"]
        if path in ("", "index.html"):  # the release root is the portal's home, in a language
            self.redirect(f"{config.prefix}{self._language()}/")
            return
        self._remember_language(path)
        found = find(config.current, path)
        if found is None:
            raise web.HTTPError(404)
        if found.folder and not path.endswith("/") and path:
            self.redirect(f"{config.prefix}{path}/")
            return
        if found.restricted and RESTRICTED not in scopes:
            raise web.HTTPError(403)
        if (found.restricted and found.is_page) or found.is_download:
            await IOLoop.current().run_in_executor(None, self._audit, user["name"], found)
        await self._send(found, include_body)

    def _language(self) -> str:
        """The language the reader last read in, else the first of RO/EN their browser asks for
        (Accept-Language, by weight), else Romanian."""
        chosen = self.get_cookie(LANG_COOKIE)
        if chosen in LANGS:
            return chosen
        asked = []
        for item in self.request.headers.get("Accept-Language", "").split(","):
            tag, _, weight = item.strip().partition(";q=")
            try:
                q = float(weight) if weight else 1.0
            except ValueError:
                continue
            asked.append((-q, tag.split("-")[0].lower()))
        for _, tag in sorted(asked):
            if tag in LANGS:
                return tag
        return "ro"

    def _remember_language(self, path: str) -> None:
        """A page read in a language makes it the reader's choice (cookie set only on change)."""
        parts = path.split("/")
        lang = next((p for p in parts[:2] if p in LANGS), None)
        if lang and path.endswith((".html", "/")) and self.get_cookie(LANG_COOKIE) != lang:
            self.set_cookie(LANG_COOKIE, lang, path=self.settings["portal"].prefix,
                            expires_days=365)  # fmt: skip

    def _audit(self, name: str, found: Found) -> None:
        self.settings["portal"].audit.append(
            operation="consultation",
            dataset="portal",
            outcome="served",
            purpose="portal consultation",
            actor=name,
            path=found.relative,
            release=found.release_id,
            section="restricted" if found.restricted else "public",
            kind="download" if found.is_download else "page",
        )

    async def _send(self, found: Found, include_body: bool) -> None:
        etag = (
            '"'
            + hashlib.sha1(f"{found.path}:{found.size}:{found.mtime}".encode()).hexdigest()
            + '"'
        )
        self.set_header("Content-Type", found.content_type)
        self.set_header("Etag", etag)
        if found.restricted:
            self.set_header("Cache-Control", "private, no-store")
        if found.is_download:
            name = os.path.basename(found.relative)
            self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        self.set_header("Content-Length", found.size)
        if not include_body:
            self.finish()
            return
        if found.size <= CACHE_FILE_MAX:
            self.finish(self._cached(found))
            return
        with open(found.path, "rb") as f:
            while block := f.read(CHUNK):
                self.write(block)
                await self.flush()
        self.finish()

    def compute_etag(self):
        return None  # set from the file above, not hashed from the body

    @classmethod
    def _cached(cls, found: Found) -> bytes:
        key = f"{found.path}:{found.size}:{found.mtime}"
        hit = cls.cache.get(key)
        if hit is not None:
            cls.cache.move_to_end(key)
            return hit[0]
        data = Path(found.path).read_bytes()
        cls.cache[key] = (data, key)
        cls.cache_bytes += len(data)
        while cls.cache_bytes > CACHE_TOTAL_MAX and cls.cache:
            _, (old, _k) = cls.cache.popitem(last=False)
            cls.cache_bytes -= len(old)
        return data


def log_request(handler: web.RequestHandler) -> None:
    """Access log for refusals and errors only: successful reads are in the audit log when
    they matter (restricted pages, downloads), and logging each one halves throughput."""
    status = handler.get_status()
    if status >= 400:
        log.warning("%d %s %s", status, handler.request.method, handler.request.uri)


def make_app(current: Path, audit: AuditLog, cookie_secret: bytes | None = None) -> web.Application:
    """The application, configured for the hub from the JUPYTERHUB_* environment it is given."""
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/portal/")
    config = PortalConfig(current=str(current), audit=audit, prefix=prefix)
    auth = HubOAuth.instance()  # JUPYTERHUB_API_TOKEN, _API_URL, _CLIENT_ID, _OAUTH_CALLBACK_URL
    return web.Application(
        [
            (rf"{prefix}oauth_callback", CallbackHandler),
            (rf"{prefix}(.*)", SiteHandler),
            (prefix.rstrip("/"), PrefixRedirect, {"url": prefix}),
        ],
        default_handler_class=NotFoundHandler,
        cookie_secret=cookie_secret or secrets.token_bytes(32),
        hub_auth=auth,
        portal=config,
        xsrf_cookie_kwargs={"httponly": True, "samesite": "Strict"},
        login_url=auth.login_url,
        log_function=log_request,
    )
