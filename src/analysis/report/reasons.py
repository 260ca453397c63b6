"""The methods' reasons (written by the analysis modules in Romanian) in the reader's language.

Why here and not in the methods: the results keep one wording, which runs and their checks
compare; a document only presents it. A reason this module does not know is shown as written.
"""

import re

NUM = r"([+-]?[\d.]+(?:,\d+)?)"  # a number written the Romanian way: 1.234,5
LEVEL = {"ridicată": "high", "medie": "medium", "redusă": "low"}
HARM = {"severe": "severe", "importante": "significant", "limitate": "limited"}
HARM_REASONS = {  # threat_weights.yaml's harm reasons, as the assessors would write them
    "violență asociată, rute internaționale, venituri mari":
        "associated violence, international routes, high proceeds",
    "decese prin supradoză, boli transmisibile": "overdose deaths, communicable diseases",
    "prejudiciu direct mai redus": "lower direct harm",
    "substanțe noi cu toxicitate imprevizibilă, consum în creștere la tineri":
        "new substances of unpredictable toxicity, rising use among young people",
    "exploatarea victimelor, inclusiv minori": "exploitation of victims, minors included",
    "riscuri pentru viața migranților, presiune la frontieră":
        "risks to migrants' lives, pressure at the border",
    "alimentează violența celorlalte piețe": "fuels the violence of the other markets",
    "pierderi mari la bugetul de stat": "large losses to the state budget",
    "prejudiciu economic, risc limitat pentru sănătate": "economic harm, limited health risk",
    "victime numeroase, infrastructuri critice": "many victims, critical infrastructure",
    "pierderi bugetare și fonduri europene": "losses to the budget and to EU funds",
    "permite reinvestirea profiturilor în economia legală":
        "lets profits be reinvested in the legal economy",
    "subminează instituțiile și aplicarea legii": "undermines institutions and law enforcement",
    "violență și intimidare asupra afacerilor locale":
        "violence and intimidation against local businesses",
    "daune ireversibile asupra pădurilor și mediului":
        "irreversible damage to forests and the environment",
    "prejudicii individuale, volum mare": "individual losses, high volume",
}  # fmt: skip


def _en_number(text: str) -> str:
    """1.234,5 -> 1,234.5"""
    return text.replace(".", "\0").replace(",", ".").replace("\0", ",")


def _priority_part(part: str) -> str:
    """One clause of analysis.threat's reasons for a market's rank, in English."""
    rules = [
        (rf"dosare înregistrate, nivel (\w+): {NUM} la 100\.000 locuitori în (\d{{4}}) "
         rf"\(locul (\d+) din (\d+)\)",
         lambda m: f"recorded cases, {LEVEL.get(m[1], m[1])} level: {_en_number(m[2])} per "
                   f"100,000 inhabitants in {m[3]} (rank {m[4]} of {m[5]})"),
        (rf"prevalență (\w+): {NUM} cazuri la 100\.000 locuitori în (\d{{4}}) "
         rf"\(locul (\d+) din (\d+)\)",
         lambda m: f"prevalence {LEVEL.get(m[1], m[1])}: {_en_number(m[2])} cases per 100,000 "
                   f"inhabitants in {m[3]} (rank {m[4]} of {m[5]})"),
        (r"tendință: date insuficiente pentru test", lambda m: "trend: too little data to test"),
        (rf"tendință stabilă: {NUM} % față de (\d{{4}}) \(nesemnificativ, p = {NUM}\)",
         lambda m: f"stable trend: {_en_number(m[1])} % against {m[2]} (not significant, "
                   f"p = {_en_number(m[3])})"),
        (rf"tendință (în creștere|în scădere): {NUM} % față de (\d{{4}}) "
         rf"\(semnificativ, p = {NUM}\)",
         lambda m: f"{'rising' if m[1] == 'în creștere' else 'falling'} trend: "
                   f"{_en_number(m[2])} % against {m[3]} (significant, p = {_en_number(m[4])})"),
        (rf"grupuri: (\d+) (?:grup activ|grupuri active), dintre care (\d+) cu amenințare "
         rf"ridicată \(indice {NUM}, locul (\d+) din (\d+)\)",
         lambda m: f"groups: {m[1]} active, {m[2]} of them high-threat (index "
                   f"{_en_number(m[3])}, rank {m[4]} of {m[5]})"),
        (r"grupuri: niciun grup activ în registru",
         lambda m: "groups: no active group in the register"),
        (r"prejudicii (\w+) \((.+)\)",
         lambda m: f"{HARM.get(m[1], m[1])} harm ({HARM_REASONS.get(m[2], m[2])})"),
    ]  # fmt: skip
    for pattern, write in rules:
        if found := re.fullmatch(pattern, part):
            return write(found)
    return part


def priority_reasons(text: str, lang: str) -> str:
    """analysis.threat's sentence next to a market's rank, in the reader's language."""
    if lang != "en" or not text:
        return text
    return "; ".join(_priority_part(p) for p in text.split("; "))


PATTERNS = {
    "en": [
        (r"serie prea scurtă \((\d+) luni, minimum (\d+)\)",
         r"series too short (\1 months, at least \2 needed)"),
        (r"prea puține dosare \((\d+),(\d+) pe lună, sub minimul de (\d+)\)",
         r"too few cases (\1.\2 a month, under the minimum of \3)"),
        (r"serie prea rară \((\d+) % din luni fără niciun dosar, peste (\d+) %\)",
         r"series too sparse (\1 % of months without a case, over \2 %)"),
        (r"serie prea scurtă \((\d+) luni < (\d+)\)", r"series too short (\1 months < \2)"),
        (r"prea puține cazuri \((\d+),(\d) pe lună, minimum (\d+)\)",
         r"too few cases (\1.\2 a month, at least \3 needed)"),
    ],
}  # fmt: skip


def reason(text: str, lang: str) -> str:
    """`text` (a method's reason) as a reader of `lang` reads it."""
    for pattern, replacement in PATTERNS.get(lang, []):
        if re.fullmatch(pattern, text):
            return re.sub(pattern, replacement, text)
    return priority_reasons(text, lang)
