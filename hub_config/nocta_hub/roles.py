"""Who may do what on the hub: roles held by groups, so group membership decides everything.

| hub group            | may                                                              |
|----------------------|------------------------------------------------------------------|
| analysts             | start their own server; read the portal                          |
| portal-readers       | read the portal (no server)                                      |
| portal-cleared       | read the portal, restricted sections included (no server)        |
| admins               | manage users and groups, see and stop servers (never enter one)  |
| case-<id>-team       | start, stop and enter the case's collaboration server            |

The built-in `user` role (every account) keeps only its own name and groups, so a person in
no group, or only in a portal group, cannot spawn. Services hold the least they need.
"""

ANALYSTS, READERS, CLEARED, ADMINS = "analysts", "portal-readers", "portal-cleared", "admins"
PORTAL_READ = "custom:portal:read"
PORTAL_RESTRICTED = "custom:portal:restricted"
PORTAL = "portal"
CULLER = "idle-culler"
OPERATOR = "operator"

CUSTOM_SCOPES = {
    PORTAL_READ: {"description": "Read the published NOCTA portal (public sections)."},
    PORTAL_RESTRICTED: {
        "description": "Read the portal's restricted sections (cleared staff).",
        "subscopes": [PORTAL_READ],
    },
}

# Every logged-in account. Service (portal) login needs the two read scopes (SETUP-NOTES).
USER_SCOPES = ["read:users:name!user", "read:users:groups!user"]
# jupyterhub-idle-culler's documented minimum when it culls servers but not users
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
ADMIN_SCOPES = [
    "admin-ui",
    "admin:users",  # create, rename, delete accounts
    "admin:groups",  # move people between groups: the only administration needed
    "read:servers",
    "delete:servers",  # stop a runaway server; never start one or enter it (no access:servers)
    "read:roles",
    "list:services",
    "read:services",
    "read:hub",
]
OPERATOR_SCOPES = [
    "admin:users",
    "admin:groups",
    "admin:servers",  # includes server state (the pid) for the tests and the bench
    "tokens",
    "read:hub",
]


def case_account(case_id: str) -> str:
    return f"case-{case_id}"


def case_team(case_id: str) -> str:
    return f"case-{case_id}-team"


def load_roles(cases: list[str], portal: bool, operator: bool) -> list[dict]:
    """JupyterHub.load_roles: the table above, a role per case, the services' roles."""
    portal_access = [f"access:services!service={PORTAL}"] if portal else []
    roles = [
        {
            "name": "user",
            "description": "Every account: its own name and groups; no server",
            "scopes": USER_SCOPES,
        },
        {
            "name": ANALYSTS,
            "description": "Start their own JupyterLab server; read the portal",
            "scopes": ["self", PORTAL_READ, *portal_access],
            "groups": [ANALYSTS],
        },
        {
            "name": READERS,
            "description": "Read the portal",
            "scopes": [PORTAL_READ, *portal_access],
            "groups": [READERS],
        },
        {
            "name": CLEARED,
            "description": "Read the portal, restricted sections included",
            "scopes": [PORTAL_RESTRICTED, *portal_access],
            "groups": [CLEARED],
        },
        {
            "name": ADMINS,
            "description": "Manage users and groups; see and stop servers",
            "scopes": ADMIN_SCOPES,
            "groups": [ADMINS],
        },
        {
            "name": CULLER,
            "description": "Stop servers idle for too long",
            "scopes": CULLER_SCOPES,
            "services": [CULLER],
        },
    ]
    if cases:
        roles.append(
            {
                "name": "collaboration-accounts",
                "description": "A case's own account: its server runs the team's shared work",
                "scopes": ["self"],
                "users": [case_account(c) for c in cases],
            }
        )
    for case_id in cases:
        account = case_account(case_id)
        roles.append(
            {
                "name": case_team(case_id),
                "description": f"Work together on case {case_id} through {account}'s server",
                "scopes": [
                    f"access:servers!user={account}",
                    f"servers!user={account}",  # start and stop it (JupyterHub 6: start:servers)
                    f"read:users:name!user={account}",
                ],  # no admin-ui: the team opens the case's server from /hub/spawn/<account>
                "groups": [case_team(case_id)],
            }
        )
    if operator:
        roles.append(
            {
                "name": OPERATOR,
                "description": "make hub, the tests and the bench: accounts and servers",
                "scopes": OPERATOR_SCOPES,
                "services": [OPERATOR],
            }
        )
    return roles


def default_url(portal_url: str | None):
    """JupyterHub.default_url: analysts to their server, readers to the portal, admins to admin.

    Without it, people who may not spawn land on a 403 after logging in (SETUP-NOTES).
    """

    def choose(handler) -> str:
        from jupyterhub.scopes import get_scopes_for

        user = handler.current_user  # set by the login handler before it redirects
        if user is None:
            return ""  # not logged in: the hub sends them to log in, then asks again
        base = handler.hub.base_url  # /hub/
        scopes = get_scopes_for(user.orm_user)
        if f"start:servers!user={user.name}" in scopes:
            return base + "spawn"
        if portal_url and PORTAL_READ in scopes:
            return portal_url
        if "admin-ui" in scopes:
            return base + "admin"
        return base + "home"

    return choose
