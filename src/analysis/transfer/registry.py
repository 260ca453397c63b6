"""The partner registry: which signing key may speak for which partner, and for how long.

A package is believed only if its signature verifies under a key pinned here, the key names the
same partner as the manifest, the key is not revoked, and the moment of opening falls inside
the key's validity. The dates in a manifest are the signer's own claims, so they never extend
a key's life: whoever holds a stolen key can also write any date.

A key also says which sources its partner may send: the police send police cases, not the
population figures, so a partner's key (stolen or misused) can never replace another
institution's data. A package of any other source is refused at open time. An entry without
its own list takes the platform's default for the partner id (OWNED_SOURCES); a partner not
listed there may send nothing until registered with its sources.

The registry is a YAML file (`<keys>/partners.yaml`), one entry per key, written atomically.
"""

import datetime as dt
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import yaml

from analysis.transfer.encoding import format_time, key_id, parse_time, utc_now
from analysis.transfer.errors import TransferError
from analysis.transfer.names import check_partner_id, check_source

REGISTRY = "partners.yaml"
DEFAULT_VALIDITY = dt.timedelta(days=730)
# which sources each partner may send, unless its registry entry says otherwise
OWNED_SOURCES: dict[str, tuple[str, ...]] = {
    "igpr": ("police_cases",),  # Romanian Police
    "igpf": ("customs_seizures",),  # Border Police
    "anv": ("customs_seizures",),  # customs
    "diicot": ("prosecution_cases",),
    "dna": ("prosecution_cases",),
    "mj": ("prosecution_cases", "court_decisions"),  # Ministry of Justice
    "ins": ("population",),  # National Institute of Statistics
    "nocta": ("eurostat_crime", "ocg_register"),  # the platform itself
}
HEADER = (
    "# nocta partner registry: the pinned signing key of each partner.\n"
    "# Change it with `nocta keys register` and `nocta keys revoke`, not by hand.\n"
)


@dataclass(frozen=True)
class PartnerKey:
    partner: str
    name: str
    key_id: str
    public_key: str  # hex
    valid_from: str
    valid_until: str
    revoked: str | None = None  # time of revocation
    sources: list[str] | None = None  # None: OWNED_SOURCES of the partner

    def allowed_sources(self) -> tuple[str, ...]:
        if self.sources is not None:
            return tuple(self.sources)
        return OWNED_SOURCES.get(self.partner, ())

    def problem_at(self, moment: dt.datetime) -> str | None:
        """Why this key cannot vouch for something at `moment`, or None if it can."""
        key = f"signing key {self.key_id} of {self.partner}"
        if self.revoked:
            return f"{key} was revoked on {self.revoked}"
        if moment < parse_time(self.valid_from):
            return f"{key} is valid only from {self.valid_from}"
        if moment > parse_time(self.valid_until):
            return f"{key} expired on {self.valid_until}"
        return None


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[PartnerKey]:
        if not self.path.exists():
            return []
        try:
            document = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            entries = [PartnerKey(**item) for item in document.get("keys") or []]
            for entry in entries:
                check_partner_id(entry.partner)
                for source in entry.sources or []:
                    check_source(source)
                if key_id(bytes.fromhex(entry.public_key)) != entry.key_id:
                    raise ValueError(f"key id {entry.key_id} does not match its public key")
                parse_time(entry.valid_from), parse_time(entry.valid_until)
        except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
            raise TransferError(f"{self.path} is not a valid partner registry: {exc}") from None
        return entries

    def find(self, wanted_key_id: str) -> PartnerKey | None:
        return next((e for e in self.entries() if e.key_id == wanted_key_id), None)

    def register(
        self,
        partner: str,
        public_key: bytes,
        name: str | None = None,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
        sources: list[str] | None = None,
    ) -> PartnerKey:
        """Pin a partner's public key, with the sources it may send (default: the partner's
        in OWNED_SOURCES); a key already registered (even revoked) is refused."""
        check_partner_id(partner)
        for source in sources or []:
            check_source(source)
        start = valid_from or utc_now()
        entry = PartnerKey(
            partner=partner,
            name=name or partner,
            key_id=key_id(public_key),
            public_key=public_key.hex(),
            valid_from=format_time(start),
            valid_until=format_time(valid_until or start + DEFAULT_VALIDITY),
            sources=sorted(set(sources)) if sources else None,
        )
        if parse_time(entry.valid_until) <= start:
            raise TransferError("--valid-until must be after the start of validity")
        with self._editing() as entries:
            known = next((e for e in entries if e.key_id == entry.key_id), None)
            if known is not None:
                raise TransferError(
                    f"key {entry.key_id} is already registered for {known.partner}"
                    + (" and was revoked; make a new key" if known.revoked else "")
                )
            entries.append(entry)
        return entry

    def revoke(self, partner: str, wanted_key_id: str | None = None) -> list[PartnerKey]:
        """Revoke a partner's keys (all, or one); returns the keys revoked now."""
        now = format_time(utc_now())
        revoked = []
        with self._editing() as entries:
            for i, entry in enumerate(entries):
                if entry.partner != partner or entry.revoked:
                    continue
                if wanted_key_id is None or entry.key_id == wanted_key_id:
                    entries[i] = replace(entry, revoked=now)
                    revoked.append(entries[i])
        if not revoked:
            which = f"key {wanted_key_id} of " if wanted_key_id else ""
            raise TransferError(f"no active {which}partner {partner!r} in {self.path}")
        return revoked

    @contextmanager
    def _editing(self) -> Iterator[list[PartnerKey]]:
        """Read, let the caller change, write back atomically, under an exclusive lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = os.open(self.path.with_name(f".{REGISTRY}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self.entries()
            yield entries
            text = HEADER + yaml.safe_dump(
                {"keys": [asdict(e) for e in entries]}, sort_keys=False, allow_unicode=True
            )
            fd, tmp = tempfile.mkstemp(prefix=f".{REGISTRY}.", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            os.close(lock)
