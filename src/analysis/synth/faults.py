"""Values that break exactly one rule of the specification, the raw material of defects.py.

Each value is chosen so that no reasonable reading of the rule lets it pass and no other rule
trips on it: no text a CSV reader could take for a null (`NA`, `N/A`), no case tricks a lenient
reader might undo, broken keys derived from the row's own unique key so they stay unique.
"""

import datetime as dt

import numpy as np
import polars as pl

from analysis.reference.cnp import check_digit
from analysis.synth.spelling import DMY, DMY_SLASH, ISO

BAD_COUNTIES = ("Ilfof", "Județul Atlantis", "Cluj-Napoca", "Sectorul 3", "RO-XX",
                "Jud. Necunoscut", "Timișoara", "Brasovv", "Constanta Sud", "București Sector 7",
                "Mun. Iasi", "Moldova")  # fmt: skip
BAD_MARKETS = ("droguri", "trafic_droguri", "drugs", "cocaina", "tigari", "contrabanda", "altele")
NOT_SEIZABLE = ("cybercrime", "corruption", "financial_crime", "extortion")
BAD_COUNTRIES = ("ROM", "Olanda", "Turcia", "TUR", "Germania", "U.K.", "12")
BAD_YES_NO = ("POATE", "X", "?", "2", "da?", "nu stiu")
BAD_UNITS = ("grame", "tone", "cutii", "pachete", "saci", "litri", "bucati")
BAD_MODES = ("camion", "avion", "vapor", "tren", "auto")
BAD_POLICE_STATUS = ("suspendat", "arhivat", "necunoscut", "in curs", "închis")
BAD_OUTCOMES = ("trimitere_judecata", "suspendare", "arhivare", "in_lucru")
BAD_VERDICTS = ("condamnat", "achitat", "suspendare", "amanare")
BAD_STRUCTURES = ("piramidala", "familiala", "mixta", "necunoscuta")
BAD_GROUP_STATUS = ("dizolvat", "suspendat", "necunoscut", "arestat")
BAD_SCORES = (4, 5, 9, -1)
# (day, month) pairs no calendar has; 29 February (first) only in a non-leap year.
_IMPOSSIBLE = ((29, 2), (31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11), (0, 5), (15, 13),
               (32, 1))  # fmt: skip


def write_date(day: int, month: int, year: int, fmt: str) -> str:
    """A day-month-year (possibly impossible) in one of the three date styles."""
    if fmt == ISO:
        return f"{year:04d}-{month:02d}-{day:02d}"
    sep = "/" if fmt == DMY_SLASH else "."
    return f"{day:02d}{sep}{month:02d}{sep}{year:04d}"


def date_style(text: str) -> str:
    """Which of the three styles a date text is written in."""
    return ISO if "-" in text else DMY_SLASH if "/" in text else DMY


def read_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, date_style(text)).date()


class Faults:
    """Draws broken values from one random stream; `cnps` are valid CNPs to fill lists with."""

    def __init__(self, rng: np.random.Generator, cnps: pl.Series, group_ids: pl.Series) -> None:
        self.rng = rng
        self._cnps = cnps
        self._groups = group_ids

    def choice(self, values: tuple) -> object:
        return values[int(self.rng.integers(len(values)))]

    def cnps(self, k: int) -> list[str]:
        """k distinct valid CNPs (of people who may appear elsewhere too)."""
        return self._cnps.gather(self.rng.choice(self._cnps.len(), k, replace=False)).to_list()

    def group_id(self) -> str:
        return self._groups[int(self.rng.integers(self._groups.len()))]

    def bad_cnp(self, cnp: str | None = None, injective: bool = False) -> str:
        """An invalid CNP made from a valid one: wrong check digit, 12 or 14 digits, or (not
        `injective`) an impossible month, an unknown county code or serial 000 with the check
        digit recomputed, so only that part is wrong."""
        cnp = cnp or self.cnps(1)[0]
        kind = int(self.rng.integers(3 if injective else 6))
        if kind == 0:
            return cnp[:12] + str((int(cnp[12]) + int(self.rng.integers(1, 10))) % 10)
        if kind == 1:
            return cnp[:12]
        if kind == 2:
            return cnp + str(int(self.rng.integers(10)))
        first12 = {
            3: cnp[:3] + "13" + cnp[5:12],
            4: cnp[:7] + "99" + cnp[9:12],
            5: cnp[:9] + "000",
        }[kind]
        return first12 + str(check_digit(first12))

    def bad_in_list(self, text: str | None) -> tuple[str, int]:
        """A `|` list with one CNP broken (a one-CNP list if it was empty), and its length."""
        ids = text.split("|") if text else self.cnps(1)
        at = int(self.rng.integers(len(ids)))
        ids[at] = self.bad_cnp(ids[at])
        return "|".join(ids), len(ids)

    def bad_item(self, text: str | None, bad: tuple) -> str:
        """A `|` list with one item replaced by (or, if empty, made of) an invalid value."""
        items = text.split("|") if text else [""]
        items[int(self.rng.integers(len(items)))] = str(self.choice(bad))
        return "|".join(items)

    def bad_county(self) -> str:
        return str(self.choice(BAD_COUNTIES))

    def impossible_date(self, fmt: str, like: str | None = None) -> str:
        """A day that no calendar has, in the year of `like` (the date it replaces) if any."""
        try:
            year = read_date(like).year if like else None
        except ValueError:
            year = None
        year = year or int(self.choice((2015, 2017, 2018, 2019, 2021, 2022, 2023, 2025)))
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day, month = self.choice(_IMPOSSIBLE[1:] if leap else _IMPOSSIBLE)
        return write_date(day, month, year, fmt)

    def future_date(self, fmt: str) -> str:
        """A real date in 2040-2099: in the future for any run of this code for decades."""
        r = self.rng.integers((2040, 1, 1), (2100, 13, 29))
        return write_date(int(r[2]), int(r[1]), int(r[0]), fmt)

    def ancient_date(self, fmt: str) -> str:
        """A real date in 1900-1989 (typed 1919 for 2019, say)."""
        r = self.rng.integers((1900, 1, 1), (1990, 13, 29))
        return write_date(int(r[2]), int(r[1]), int(r[0]), fmt)

    def bad_money(self, text: str | None, decimal: str) -> str:
        """A negative amount, or one with three decimals and no thousands mark (unambiguous)."""
        if self.rng.random() < 0.5:
            return "-" + (text or f"{int(self.rng.integers(1, 100_000))}{decimal}00")
        whole, frac = int(self.rng.integers(1_000, 1_000_000)), int(self.rng.integers(1, 1000))
        frac = frac + 1 if frac % 10 == 0 else frac  # a real third decimal
        return f"{whole}{decimal}{frac:03d}"

    def broken_key(self, key: str, kind: int | None = None) -> str:
        """An identifier that no longer matches its pattern but stays unique in the file."""
        kind = int(self.rng.integers(3)) if kind is None else kind
        if kind == 0:
            return "nr. " + key
        if kind == 1:
            return key + "/A"
        return key.replace("/", " ").replace("-", " ")
