"""hub_config/k8s/values.yaml: valid for the Zero to JupyterHub chart, same rules as one machine.

Helm merges the chart's defaults with our values (dicts recursively, ours win, lists replaced)
and validates the result against the chart's schema, refusing unknown keys; so do we.
"""

import copy
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "hub_config" / "k8s"
sys.path.insert(0, str(ROOT / "hub_config"))

from nocta_hub import roles  # noqa: E402


def merge(defaults, values):
    if not isinstance(defaults, dict) or not isinstance(values, dict):
        return copy.deepcopy(values)
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        merged[key] = merge(defaults.get(key), value) if key in defaults else value
    return merged


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((K8S / "values.yaml").read_text())


@pytest.fixture(scope="module")
def validate():
    schema = yaml.safe_load((K8S / "z2jh" / "chart-values.schema.yaml").read_text())
    defaults = yaml.safe_load((K8S / "z2jh" / "chart-values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)

    def check(values):
        validator.validate(merge(defaults, values))

    return check


def test_values_are_valid_for_the_chart(values, validate):
    validate(values)


def test_an_unknown_key_is_refused(values, validate):
    wrong = copy.deepcopy(values)
    wrong["singleuser"]["memory"]["maximum"] = "8G"  # not a chart key: Helm would refuse it
    with pytest.raises(jsonschema.ValidationError):
        validate(wrong)


def test_same_roles_and_scopes_as_one_machine(values):
    expected = {
        role.pop("name"): role
        for role in roles.load_roles(cases=[], portal=True, operator=False)
        if role["name"] != roles.CULLER  # the chart defines the culler's role itself
    }
    assert values["hub"]["loadRoles"] == expected
    assert values["hub"]["config"]["JupyterHub"]["custom_scopes"] == roles.CUSTOM_SCOPES
    portal = values["hub"]["services"]["portal"]
    assert portal["oauth_client_allowed_scopes"] == [roles.PORTAL_READ, roles.PORTAL_RESTRICTED]


def test_servers_are_limited_offline_read_only_on_data_and_culled(values):
    single = values["singleuser"]
    assert single["cpu"]["limit"] and single["memory"]["limit"]
    rules = single["networkPolicy"]["egressAllowRules"]
    assert single["networkPolicy"]["enabled"]
    assert not any(v for k, v in rules.items() if k != "dnsPortsKubeSystemNamespace")
    mounts = {m["mountPath"]: m for m in single["storage"]["extraVolumeMounts"]}
    assert set(mounts) == {"/srv/nocta/curated", "/srv/nocta/results"}
    assert all(m["readOnly"] for m in mounts.values())
    assert all(v["persistentVolumeClaim"]["readOnly"] for v in single["storage"]["extraVolumes"])
    assert values["cull"] == {
        "enabled": True, "users": False, "timeout": 3600, "every": 300, "concurrency": 10,
    }  # fmt: skip
    args = values["hub"]["config"]["KubeSpawner"]["args"]
    assert "--MappingKernelManager.cull_idle_timeout=3600" in args
    assert "--MappingKernelManager.default_kernel_name=nocta" in args


def test_no_secret_is_written_in_the_values(values):
    assert "cookieSecret" not in values["hub"]
    assert "secretToken" not in values.get("proxy", {})
    assert all(
        "api_token" not in s and "apiToken" not in s for s in values["hub"]["services"].values()
    )
