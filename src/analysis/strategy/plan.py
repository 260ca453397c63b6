"""The strategy's plan as its authors keep it (reports/strategy/plan.yaml), checked on load.

Authors edit YAML, not code, so every mistake must come back as a sentence that names the
file and the line ("reports/strategy/plan.yaml line 42: institution 'XYZ' is not one of
..."): the shape is checked with JSON Schema (jsonschema, a declared dependency), the cross
references (institutions, objectives, indicators) here, and the line is read from the YAML
node tree, so an error never points at a Python traceback.
"""

from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from analysis.reference import MARKETS

TEXT = {
    "type": "object",
    "properties": {
        "ro": {"type": "string", "minLength": 1},
        "en": {"type": "string", "minLength": 1},
    },
    "required": ["ro", "en"],
    "additionalProperties": False,
}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
RULE = {
    "oneOf": [
        {"const": "lower80"},
        {
            "type": "object",
            "properties": {
                "percent_below_projection": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 100,
                }
            },
            "required": ["percent_below_projection"],
            "additionalProperties": False,
        },
    ]
}
OVERRIDE = {
    "type": "object",
    "properties": {"target": {"type": "number", "minimum": 0}, "reason": TEXT},
    "required": ["target", "reason"],
    "additionalProperties": False,
}
SCHEMA = {
    "type": "object",
    "required": [
        "version",
        "period",
        "vision",
        "general_objectives",
        "institutions",
        "indicators",
        "actions",
        "risks",
        "monitoring",
    ],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "string"},
        "period": {
            "type": "object",
            "properties": {"start": YEAR, "end": YEAR},
            "required": ["start", "end"],
            "additionalProperties": False,
        },
        "vision": TEXT,
        "general_objectives": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": "^OG[0-9]+$"},
                    "ro": {"type": "string"},
                    "en": {"type": "string"},
                },
                "required": ["id", "ro", "en"],
                "additionalProperties": False,
            },
        },
        "priorities": {"type": "array", "items": {"type": "string"}},
        "institutions": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": TEXT,
        },
        "indicators": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "rule": RULE,
                    "override": OVERRIDE,
                },
                "required": ["id", "rule"],
                "additionalProperties": False,
            },
        },
        "default_rule": RULE,
        "actions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": "^A[0-9]+$"},
                    "objective": {"type": "string"},
                    "ro": {"type": "string", "minLength": 1},
                    "en": {"type": "string", "minLength": 1},
                    "lead": {"type": "string"},
                    "partners": {"type": "array", "items": {"type": "string"}},
                    "start": YEAR,
                    "deadline": YEAR,
                    "output_indicator": TEXT,
                    "outcome_indicator": {"type": "string"},
                    "funding": TEXT,
                    "restricted_detail": TEXT,
                },
                "required": [
                    "id",
                    "objective",
                    "ro",
                    "en",
                    "lead",
                    "start",
                    "deadline",
                    "output_indicator",
                    "outcome_indicator",
                    "funding",
                ],
                "additionalProperties": False,
            },
        },
        "risks": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "risk": TEXT,
                    "mitigation": TEXT,
                    "likelihood": {"enum": ["low", "medium", "high"]},
                },
                "required": ["risk", "mitigation", "likelihood"],
                "additionalProperties": False,
            },
        },
        "monitoring": {
            "type": "object",
            "properties": {"at_risk_margin_pct": {"type": "number", "exclusiveMinimum": 0}},
            "required": ["at_risk_margin_pct"],
            "additionalProperties": False,
        },
    },
}
MARKET_CODES = {m.code for m in MARKETS}
NATIONAL = "national_cases"
MARKET_PREFIX = "market_cases/"


class PlanError(ValueError):
    """A mistake in the plan, named by file and line."""


@dataclass(frozen=True)
class Override:
    target: float
    reason: dict[str, str]


@dataclass(frozen=True)
class IndicatorPlan:
    id: str
    rule: str | dict
    override: Override | None = None


@dataclass(frozen=True)
class Action:
    id: str
    objective: str
    text: dict[str, str]
    lead: str
    partners: tuple[str, ...]
    start: int
    deadline: int
    output_indicator: dict[str, str]
    outcome_indicator: str
    funding: dict[str, str]
    restricted_detail: dict[str, str] | None = None


@dataclass(frozen=True)
class Plan:
    version: str
    period: tuple[int, int]
    vision: dict[str, str]
    general_objectives: list[dict]
    institutions: dict[str, dict[str, str]]
    indicators: dict[str, IndicatorPlan]
    default_rule: str | dict
    actions: list[Action]
    risks: list[dict]
    at_risk_margin_pct: float
    priorities: tuple[str, ...] = ()  # the markets the authors adopted as priorities
    source: str = field(default="plan.yaml", compare=False)

    def indicator(self, ident: str) -> IndicatorPlan:
        """An indicator's rule and override; a priority market's indicator not listed gets the
        plan's default rule."""
        return self.indicators.get(ident) or IndicatorPlan(ident, self.default_rule)


def indicator_exists(ident: str) -> bool:
    """Whether the run computes this indicator (national cases, or a market's cases)."""
    if ident == NATIONAL:
        return True
    return ident.startswith(MARKET_PREFIX) and ident.removeprefix(MARKET_PREFIX) in MARKET_CODES


def _line(node: yaml.Node, path: list) -> int:
    """The 1-based line of the YAML node at `path` (as far down as the path goes)."""
    for key in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == key), None)
            if found is None:
                break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1


def load_plan(path: Path, label: str | None = None) -> Plan:
    """Read and check the plan; a `PlanError` names `label` (default: the path) and the line."""
    label = label or str(path)
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise PlanError(
            f"{label}{where}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    if root is None:
        raise PlanError(f"{label}: empty")

    def fail(where: list, message: str) -> None:
        raise PlanError(f"{label} line {_line(root, where)}: {message}")

    errors = sorted(
        jsonschema.Draft202012Validator(SCHEMA).iter_errors(data),
        key=lambda e: _line(root, list(e.absolute_path)),
    )
    if errors:
        first = errors[0]
        fail(list(first.absolute_path), _message(first))
    institutions = data["institutions"]
    known = ", ".join(sorted(institutions))
    objectives = {o["id"] for o in data["general_objectives"]}
    for i, code in enumerate(data.get("priorities", [])):
        if code not in MARKET_CODES:
            fail(
                ["priorities", i],
                f"market {code!r} is not one of {', '.join(sorted(MARKET_CODES))}",
            )
    indicators = {}
    for i, ind in enumerate(data["indicators"]):
        if not indicator_exists(ind["id"]):
            fail(
                ["indicators", i, "id"],
                f"indicator {ind['id']!r} does not exist in the run "
                f"(known: {NATIONAL}, {MARKET_PREFIX}<market code>)",
            )
        over = ind.get("override")
        indicators[ind["id"]] = IndicatorPlan(
            ind["id"],
            ind["rule"],
            Override(float(over["target"]), over["reason"]) if over else None,
        )
    actions = []
    for i, a in enumerate(data["actions"]):
        for who, where in [(a["lead"], ["actions", i, "lead"])] + [
            (p, ["actions", i, "partners", j]) for j, p in enumerate(a.get("partners", []))
        ]:
            if who not in institutions:
                fail(where, f"institution {who!r} is not one of {known}")
        target = a["objective"]
        if target not in objectives and not (
            target.startswith("market:") and target.removeprefix("market:") in MARKET_CODES
        ):
            fail(
                ["actions", i, "objective"],
                f"objective {target!r} is not one of "
                f"{', '.join(sorted(objectives))} or market:<market code>",
            )
        if not indicator_exists(a["outcome_indicator"]):
            fail(
                ["actions", i, "outcome_indicator"],
                f"indicator {a['outcome_indicator']!r} "
                f"does not exist in the run (known: {NATIONAL}, {MARKET_PREFIX}<market code>)",
            )
        if a["deadline"] < a["start"]:
            fail(
                ["actions", i, "deadline"],
                f"deadline {a['deadline']} is before the start {a['start']}",
            )
        if not data["period"]["start"] <= a["deadline"] <= data["period"]["end"]:
            fail(
                ["actions", i, "deadline"],
                f"deadline {a['deadline']} is outside the strategy's "
                f"period {data['period']['start']}–{data['period']['end']}",
            )
        actions.append(
            Action(a["id"], target, {"ro": a["ro"], "en": a["en"]}, a["lead"],
                   tuple(a.get("partners", [])), a["start"], a["deadline"],
                   a["output_indicator"], a["outcome_indicator"], a["funding"],
                   a.get("restricted_detail"))
        )  # fmt: skip
    seen: set[str] = set()
    for i, a in enumerate(actions):
        if a.id in seen:
            fail(["actions", i, "id"], f"action id {a.id!r} is used twice")
        seen.add(a.id)
    return Plan(
        version=data["version"],
        period=(data["period"]["start"], data["period"]["end"]),
        vision=data["vision"],
        general_objectives=data["general_objectives"],
        institutions=institutions,
        indicators=indicators,
        default_rule=data.get("default_rule", "lower80"),
        actions=actions,
        risks=data["risks"],
        at_risk_margin_pct=float(data["monitoring"]["at_risk_margin_pct"]),
        priorities=tuple(data.get("priorities", [])),
        source=label,
    )


def _message(error: jsonschema.ValidationError) -> str:
    """An author's sentence for a schema error (which field, what is wrong)."""
    where = ".".join(str(p) for p in error.absolute_path) or "the file"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"{where}: '{missing}' is missing"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}"
    return f"{where}: {error.message}"
