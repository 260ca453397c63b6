"""CNP (cod numeric personal) rules: check digit, embedded birth date, county code.

A CNP is SAALLZZJJNNNC: S sex and century, AALLZZ birth date, JJ county, NNN serial, C check.
Only ingest sees CNPs; it uses these rules to quarantine impossible ones and may derive birth
year and sex before replacing the CNP with a pseudonym.
"""

import datetime as dt

WEIGHTS = (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)
CENTURY = {
    "1": 1900,
    "2": 1900,
    "3": 1800,
    "4": 1800,
    "5": 2000,
    "6": 2000,
    "7": 1900,
    "8": 1900,
    "9": 1900,
}  # first digit -> century of birth; 7-9: residents and foreigners, century not coded
# JJ: 01-40 and 51-52 counties (SIRUTA order), 41-48 Bucharest sectors (47, 48 historical),
# 70 any county (issued since 2024), 80-83 Romanians living abroad.
_BUCHAREST_SECTORS = {f"{n}" for n in range(41, 49)}
_OTHER_VALID = {"70", "80", "81", "82", "83"}


class CnpError(ValueError):
    """An invalid CNP; the message says which rule it breaks, without repeating the number."""


def check_digit(first12: str) -> int:
    """The 13th digit for the first twelve: weighted sum mod 11, with 10 written as 1."""
    rest = sum(int(d) * w for d, w in zip(first12, WEIGHTS, strict=True)) % 11
    return 1 if rest == 10 else rest


def _county_codes() -> dict[str, str]:
    from analysis.reference.counties import COUNTIES  # late: counties imports polars

    codes = {c.cnp_code: c.code for c in COUNTIES}
    codes.update({s: "B" for s in _BUCHAREST_SECTORS})
    return codes


def cnp_problem(cnp: str, today: dt.date | None = None) -> str | None:
    """Why this CNP is invalid, or None when it is valid. Never echoes the number itself."""
    if len(cnp) != 13 or not cnp.isascii() or not cnp.isdigit():
        return "CNP must be 13 digits"
    if cnp[0] == "0":
        return "CNP first digit (sex and century) cannot be 0"
    try:
        born = _birth_date(cnp)
    except ValueError:
        return "CNP embeds an impossible birth date"
    if born > (today or dt.date.today()):
        return "CNP embeds a birth date in the future"
    jj = cnp[7:9]
    if jj not in _county_codes() and jj not in _OTHER_VALID:
        return f"CNP county code {jj} does not exist"
    if cnp[9:12] == "000":
        return "CNP serial number cannot be 000"
    if int(cnp[12]) != check_digit(cnp[:12]):
        return "CNP check digit is wrong"
    return None


def _birth_date(cnp: str) -> dt.date:
    return dt.date(CENTURY[cnp[0]] + int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7]))


def _valid(cnp: str) -> str:
    problem = cnp_problem(cnp)
    if problem:
        raise CnpError(problem)
    return cnp


def cnp_birth_date(cnp: str) -> dt.date:
    """Birth date embedded in a valid CNP."""
    return _birth_date(_valid(cnp))


def cnp_sex(cnp: str) -> str:
    """`M` or `F` from the first digit (odd = male)."""
    return "M" if int(_valid(cnp)[0]) % 2 == 1 else "F"


def cnp_county(cnp: str) -> str | None:
    """Two-letter county of registration, or None for codes not tied to a county (70, 80-83)."""
    return _county_codes().get(_valid(cnp)[7:9])


def make_cnp(sex: str, born: dt.date, county_cnp_code: str, serial: int) -> str:
    """A valid CNP for synthetic persons: tests and the generator build them, never read them."""
    if born.year >= 2000:
        s = "5" if sex == "M" else "6"
    elif born.year >= 1900:
        s = "1" if sex == "M" else "2"
    else:
        s = "3" if sex == "M" else "4"
    first12 = f"{s}{born:%y%m%d}{county_cnp_code}{serial:03d}"
    return first12 + str(check_digit(first12))
