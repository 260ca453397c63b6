"""The authenticator switch: the directory (LDAP/AD) in production, NativeAuthenticator with
admin approval for a pilot, a local accounts file for the demo.

Groups come from the directory (group DNs mapped to hub groups, refreshed at every login) or,
for the pilot and the demo, from the hub's own groups, which admins edit on the admin page.
"""

import json
from hmac import compare_digest
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Dict, Unicode, default


class DemoAuthenticator(Authenticator):
    """Accounts and generated passwords from a JSON file (mode 600) that `make hub` writes:
    `{"name": {"password": "...", "groups": ["..."]}}`. For the demo only: the file holds the
    passwords in clear, readable by root alone.
    """

    accounts_file = Unicode(config=True, help="The demo accounts file (mode 600)")

    def accounts(self) -> dict:
        return json.loads(Path(self.accounts_file).read_text(encoding="utf-8"))

    async def authenticate(self, handler, data):
        account = self.accounts().get(data.get("username", ""))
        given = data.get("password", "").encode()
        if account and compare_digest(account["password"].encode(), given):
            return {"name": data["username"]}
        return None


def demo_groups(accounts_file: str) -> dict:
    """JupyterHub.load_groups from the demo accounts: {group: {"users": [...]}}."""
    accounts = json.loads(Path(accounts_file).read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = {}
    for name, account in sorted(accounts.items()):
        for group in account.get("groups", []):
            groups.setdefault(group, []).append(name)
    return {group: {"users": users} for group, users in groups.items()}


def pilot_authenticator_class():
    """NativeAuthenticator (sign-up, then an admin approves), patched for JupyterHub 6.

    NativeAuthenticator 1.3.0's login handler times logins with `self.statsd`, which
    JupyterHub 6 removed (500 on every login): give its handler a timer that does nothing.
    """
    from nativeauthenticator import NativeAuthenticator
    from nativeauthenticator.handlers import LoginHandler

    class _NoTimer:
        def timer(self, *args, **kwargs):
            return self

        def start(self):
            return self

        def stop(self, *args, **kwargs):
            return None

    class PilotLoginHandler(LoginHandler):
        statsd = _NoTimer()

    class PilotAuthenticator(NativeAuthenticator):
        def get_handlers(self, app):
            return [
                (url, PilotLoginHandler if handler is LoginHandler else handler)
                for url, handler in super().get_handlers(app)
            ]

    return PilotAuthenticator


def directory_authenticator_class():
    """LDAPAuthenticator that turns the directory groups it finds into hub groups."""
    from ldapauthenticator import LDAPAuthenticator

    class DirectoryAuthenticator(LDAPAuthenticator):
        group_map = Dict(
            config=True, help="Directory group DN -> hub group; only these groups may log in"
        )

        @default("allowed_groups")
        def _allowed_groups_default(self):
            return sorted(self.group_map)

        async def authenticate(self, handler, data):
            model = await super().authenticate(handler, data)
            if model:
                found = (model.get("auth_state") or {}).get("ldap_groups", [])
                model["groups"] = sorted(
                    {self.group_map[dn] for dn in found if dn in self.group_map}
                )
            return model

    return DirectoryAuthenticator


def configure_authenticator(c, settings: dict, read_secret) -> None:
    """Set c.JupyterHub.authenticator_class and its options from settings.hub.authenticator."""
    kind = settings["hub"]["authenticator"]
    if kind == "demo":
        accounts = settings["demo"]["accounts_file"]
        c.JupyterHub.authenticator_class = DemoAuthenticator
        c.DemoAuthenticator.accounts_file = accounts
        c.Authenticator.allowed_users = set(json.loads(Path(accounts).read_text()))
        c.JupyterHub.load_groups = demo_groups(accounts)
    elif kind == "native":
        native = settings["native"]
        c.JupyterHub.authenticator_class = pilot_authenticator_class()
        c.NativeAuthenticator.open_signup = False  # an admin approves each sign-up
        c.NativeAuthenticator.minimum_password_length = native["minimum_password_length"]
        c.NativeAuthenticator.check_common_password = True
        c.NativeAuthenticator.allow_all = True  # sign-up + approval is the allow list
        c.Authenticator.admin_users = set(native["admins"])  # approve sign-ups (hub admins)
    elif kind == "ldap":
        ldap = settings["ldap"]
        c.JupyterHub.authenticator_class = directory_authenticator_class()
        c.Authenticator.manage_groups = True  # the directory decides; re-read at each login
        c.Authenticator.refresh_pre_spawn = True
        c.LDAPAuthenticator.server_address = ldap["server_address"]
        if ldap["server_port"]:
            c.LDAPAuthenticator.server_port = ldap["server_port"]
        c.LDAPAuthenticator.tls_strategy = ldap["tls_strategy"]
        if ldap["tls_strategy"] == "insecure":
            raise ValueError("hub setting ldap.tls_strategy: passwords never cross in clear")
        if ldap["ca_certs_file"]:
            c.LDAPAuthenticator.tls_kwargs = {
                "ca_certs_file": ldap["ca_certs_file"],
                "validate": 2,  # ssl.CERT_REQUIRED
            }
        c.LDAPAuthenticator.bind_dn_template = ldap["bind_dn_template"]
        c.LDAPAuthenticator.lookup_dn = ldap["lookup_dn"]
        c.LDAPAuthenticator.user_search_base = ldap["user_search_base"]
        c.LDAPAuthenticator.user_attribute = ldap["user_attribute"]
        if ldap["lookup_dn"]:
            c.LDAPAuthenticator.lookup_dn_search_user = ldap["lookup_dn_search_user"]
            c.LDAPAuthenticator.lookup_dn_search_password = read_secret(
                ldap["lookup_dn_search_password_file"]
            )
            c.LDAPAuthenticator.lookup_dn_user_dn_attribute = ldap["lookup_dn_user_dn_attribute"]
        c.LDAPAuthenticator.group_search_filter = ldap["group_search_filter"]
        c.DirectoryAuthenticator.group_map = ldap["groups"]
    else:
        raise ValueError(f"hub setting hub.authenticator: {kind!r} is not demo, native or ldap")
