"""Romanian number grammar for text written around the run's numbers.

Why: authors write `{{ count(...) }} dosare` once, but Romanian puts "de" between a number and
its noun when the number's last two digits are 00 or 20 and up ("19 dosare", "20 de dosare",
"101 dosare", "120 de dosare", "1.000 de dosare"), and only the value tells which. This pass
runs over a rendered Romanian text, after the numbers have been formatted once; it never
changes a number, only adds the missing "de".
"""

import re

NOUNS = (
    "dosare", "cazuri", "grupuri", "persoane", "confiscări", "capturi", "perechi", "luni",
    "ani", "județe", "piețe", "rânduri", "membri", "victime", "condamnări", "rute",
    "locuitori", "infracțiuni", "suspecți", "inculpați",
)  # fmt: skip
SPACE = "[ \u00a0\u202f]"
# an integer written with `.` or a (narrow) space between thousands, not part of a decimal,
# optionally in bold, followed by one of the nouns (possibly after an adjective-free space)
NUMBER_NOUN = re.compile(
    rf"(?<![\d,.])(\d{{1,3}}(?:[.\u00a0\u202f ]\d{{3}})*|\d+)(?![\d,])(\**)({SPACE}+)"
    rf"(?!de\b)({'|'.join(NOUNS)})\b"
)


def needs_de(value: int) -> bool:
    """True for 20-99, and for larger numbers whose last two digits are 00 or 20 and up."""
    value = abs(value)
    last = value % 100
    return last >= 20 or (value >= 100 and last == 0)


def with_de(text: str) -> str:
    """`876 dosare` -> `876 de dosare`, `**30** grupuri` -> `**30** de grupuri`."""

    def fix(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m[1])
        year = m[1].isdigit() and len(m[1]) == 4 and 1900 <= int(m[1]) <= 2100
        if not digits or year or not needs_de(int(digits)):
            return m[0]
        return f"{m[1]}{m[2]}{m[3]}de {m[4]}"

    return NUMBER_NOUN.sub(fix, text)
