"""Load an ODCS v3 data contract into the few facts ingest needs, once, with clear errors.

The YAML is parsed by the `open-data-contract-standard` models (so a contract that is not valid
ODCS is refused), then flattened into `Contract` and `Field`: the partner header, the canonical
name, the nocta type, the rules. Nothing else in the code knows the contract's YAML layout.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty

from analysis.catalog import PROJECT

CONTRACTS = PROJECT / "data_contracts"
# ODCS logical types -> nocta types, unless a property names its own `nocta_type`
LOGICAL = {
    "string": "text",
    "date": "date",
    "integer": "integer",
    "number": "decimal",
    "boolean": "yesno",
}
PII = ("direct_identifier", "quasi_identifier", "none")


@dataclass(frozen=True)
class Field:
    name: str  # canonical snake_case
    header: str  # the partner's column
    ntype: str  # text, date, county, market, markets, integer, decimal, money, yesno, cnp,
    #             cnp_list, country, country_list, enum
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    pii: str = "none"
    references: str | None = None  # "<source>.<field>"

    @property
    def is_list(self) -> bool:
        return self.ntype in ("markets", "cnp_list", "country_list")


@dataclass(frozen=True)
class CrossRule:
    rule_id: str
    description: str
    kind: str
    args: dict


@dataclass(frozen=True)
class Limits:
    """What one extract of a source may hold at most, checked before anything is allocated
    for it: a file over a limit is refused whole (a bomb, or not this source's extract).
    A contract sets them as customProperties max_rows, max_columns, max_unpacked_mib."""

    max_rows: int = 10_000_000
    max_columns: int = 1_000
    max_unpacked_bytes: int = 128 << 20  # XLSX and Parquet, once decompressed (~10x in memory)


@dataclass(frozen=True)
class Contract:
    source: str
    contract_id: str
    version: str
    owner: str
    max_reject_ratio: float
    layout: str  # partner: one record per row; tempo / eurostat: the statistical bulk layouts
    fields: tuple[Field, ...]
    keys: tuple[tuple[str, ...], ...] = ()  # composite uniqueness keys
    cross_rules: tuple[CrossRule, ...] = ()
    limits: Limits = Limits()
    sheet: str | None = None  # the XLSX sheet to read; None: the one with the header

    def by_header(self) -> dict[str, Field]:
        return {f.header: f for f in self.fields}

    def get(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


class ContractError(ValueError):
    """A contract file that is not valid ODCS or not usable by nocta; names file and property."""


def _custom(prop: SchemaProperty | OpenDataContractStandard) -> dict:
    return {c.property: c.value for c in (prop.customProperties or [])}


def _field(prop: SchemaProperty, path: Path) -> Field:
    custom = _custom(prop)
    options = prop.logicalTypeOptions or {}
    enum = tuple(str(e.value) for e in (prop.enum or []))
    ntype = custom.get("nocta_type") or ("enum" if enum else LOGICAL.get(prop.logicalType or ""))
    if not ntype or not prop.name or not prop.physicalName:
        raise ContractError(
            f"{path.name}: property {prop.name!r} needs name, physicalName and a type"
        )
    pii = custom.get("pii", "none")
    if pii not in PII:
        raise ContractError(f"{path.name}: property {prop.name!r} has pii {pii!r}; one of {PII}")
    refs = [r.to for r in (prop.relationships or []) if r.type == "foreignKey"]
    return Field(
        name=prop.name,
        header=prop.physicalName.upper(),
        ntype=ntype,
        required=bool(prop.required),
        unique=bool(prop.unique),
        pattern=options.get("pattern"),
        enum=enum,
        minimum=options.get("minimum"),
        maximum=options.get("maximum"),
        exclusive_minimum=options.get("exclusiveMinimum"),
        pii=pii,
        references=str(refs[0]) if refs else None,
    )


def load_contract_file(path: Path) -> Contract:
    try:
        doc = OpenDataContractStandard.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except Exception as exc:  # pydantic's message names the property
        raise ContractError(f"{path.name}: not a valid ODCS contract: {exc}") from None
    if not doc.schema_ or len(doc.schema_) != 1:
        raise ContractError(f"{path.name}: needs exactly one schema object")
    obj = doc.schema_[0]
    custom = _custom(doc)
    keys, cross = [], []
    for q in obj.quality or []:
        impl = q.implementation if isinstance(q.implementation, dict) else {}
        if q.metric == "duplicateValues":
            keys.append(tuple((q.arguments or {})["properties"]))
        elif q.type == "custom" and q.engine == "nocta":
            cross.append(
                CrossRule(
                    q.id or "",
                    q.description or "",
                    impl["rule"],
                    {k: v for k, v in impl.items() if k != "rule"},
                )
            )
    return Contract(
        source=doc.name or path.stem,
        contract_id=doc.id or "",
        version=doc.version or "",
        owner=str(custom.get("owner", "")),
        max_reject_ratio=float(custom.get("max_reject_ratio", 0.0)),
        layout=str(custom.get("layout", "partner")),
        fields=tuple(_field(p, path) for p in obj.properties or []),
        keys=tuple(keys),
        cross_rules=tuple(cross),
        limits=_limits(custom, path),
        sheet=str(custom["sheet"]) if custom.get("sheet") else None,
    )


def _limits(custom: dict, path: Path) -> Limits:
    try:
        default = Limits()
        return Limits(
            max_rows=int(custom.get("max_rows", default.max_rows)),
            max_columns=int(custom.get("max_columns", default.max_columns)),
            max_unpacked_bytes=int(custom.get("max_unpacked_mib", 0)) << 20
            or default.max_unpacked_bytes,
        )
    except (TypeError, ValueError) as exc:
        raise ContractError(f"{path.name}: a limit is not a whole number ({exc})") from None


@cache
def load_contract(source: str) -> Contract:
    """The contract of a source, from data_contracts/<source>.yaml."""
    path = CONTRACTS / f"{source}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in CONTRACTS.glob("*.yaml")))
        raise ContractError(f"no contract for source {source!r}; known sources: {known}")
    return load_contract_file(path)


def sources() -> list[str]:
    return sorted(p.stem for p in CONTRACTS.glob("*.yaml"))
