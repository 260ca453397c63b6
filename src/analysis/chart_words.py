"""The English words of the project's charts, for English pages and documents.

Why a translation of finished specs rather than a second set of builders: the charts are built
once, in Romanian, by the notebooks and the public view (analysis.charts); an English page shows
the same figure (same data, same marks) with every word a reader sees in English: titles,
subtitles, axis and legend titles, tooltips, the description read by screen readers, market
names and the other category labels in the data, and numbers written 1,234.5. Field names,
expressions and URLs are never touched. A Romanian string this table does not know stays as
it is, and the site's language test then names it.
"""

import re
from typing import Any

from analysis.reference.markets import MARKETS

EN_NUMBERS = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]}
EXACT = {
    "Anul": "Year",
    "Anul înregistrării": "Year of registration",
    "Cazuri": "Cases",
    "Capturi": "Seizures",
    "Județ": "County",
    "Rata": "Rate",
    "Piața": "Market",
    "Marfa": "Commodity",
    "Luna": "Month",
    "Cazuri pe lună": "Cases per month",
    "Prognoză": "Forecast",
    "Model": "Model",
    "Nivel": "Level",
    "Nivel (1-3)": "Level (1-3)",
    "Dimensiunea": "Dimension",
    "Prevalență": "Prevalence",
    "Tendință": "Trend",
    "Grupuri": "Groups",
    "Prejudiciu": "Harm",
    "Scor": "Score",
    "Prag": "Tier",
    "Etapa": "Stage",
    "ridicat": "high",
    "mediu": "medium",
    "scăzut": "low",
    "România": "Romania",
    "Mediana UE-27": "EU-27 median",
    "Locul României (1 = cea mai mare rată)": "Romania's rank (1 = highest rate)",
    "Înregistrate (poliție)": "Registered (police)",
    "Urmărite penal (DIICOT)": "Prosecuted (DIICOT)",
    "Trimise în judecată": "Indicted",
    "Cu condamnare": "Convicted",
    "La 100 000 loc.": "Per 100,000",
    "La 100.000 loc.": "Per 100,000",
    "Cazuri la 100 000 de locuitori": "Cases per 100,000 inhabitants",
    "Cazuri la 100.000 de locuitori": "Cases per 100,000 inhabitants",
    "Infracțiuni la 100.000 de locuitori": "Offences per 100,000 inhabitants",
    "Fără date publicate": "No published data",
    "Dosare înregistrate": "Recorded cases",
    "Prognoza": "Forecast",
    "modelul ales la fiecare origine": "the model chosen at each origin",
    "prognoza naivă sezonieră": "the seasonal naive forecast",
    "Eroarea prognozelor în afara eșantionului": "Out-of-sample forecast error",
    "MASE la 1-12 luni, aceleași origini (mai mic = mai bine)": (
        "MASE at 1-12 months, same origins (lower is better)"
    ),
    "Mediana statelor UE raportoare": "Median of the reporting EU states",
    "România (albastru), mediana statelor membre care raportează (linie gri) și jumătatea lor "
    "din mijloc (zona gri); linia roșie: 2014, noul Cod penal": (
        "Romania (blue), the median of the reporting Member States (grey line) and their middle "
        "half (grey band); red line: 2014, the new Criminal Code"
    ),
    "Locul (1 = prima prioritate)": "Rank (1 = first priority)",
    "Locul fiecărei piețe când ponderile variază cu ±50 %": (
        "Each market's rank when the weights vary by ±50 %"
    ),
    "Toate piețele": "All markets",
    "Grupuri active cu amenințare ridicată, după județul de bază": (
        "Active high-threat groups by home county"
    ),
    "Scor de amenințare (0-100)": "Threat score (0-100)",
    "Contramăsuri": "Countermeasures",
    "Corupție": "Corruption",
    "Expertiză de specialitate": "Specialist expertise",
    "Mărime (membri)": "Size (members)",
    "Piețe infracționale (număr)": "Crime markets (number)",
    "Prezență internațională": "International presence",
    "Prezență internațională (țări)": "International presence (countries)",
    "Spălarea banilor": "Money laundering",
    "Structuri de afaceri legale": "Legal business structures",
    "Structură": "Structure",
    "Violență": "Violence",
    "înainte de 2014": "before 2014",
    "din 2014 (noul Cod penal)": "from 2014 (the new Criminal Code)",
    "Cazuri înregistrate la 100.000 de locuitori, pe județe": (
        "Registered cases per 100,000 inhabitants by county"
    ),
    "Gri: nepublicat sau fără date": "Grey: withheld or no data",
    "România: evoluția ratei cazurilor înregistrate": "Romania: registered case rate over time",
    "Linie: rata națională anuală la 100 000 de locuitori.": (
        "Line: the national yearly rate per 100,000 inhabitants."
    ),
    "Eroarea prognozelor în testul retrospectiv": "Forecast error in the backtest",
    "MASE (sub 1: mai bun decât anul trecut, aceeași lună)": (
        "MASE (under 1: better than last year's same month)"
    ),
    "Matricea amenințării pe piețe infracționale (ordinea priorităților)": (
        "Threat matrix of crime markets (in order of priority)"
    ),
    "Rutele cu cele mai multe capturi": "Routes with the most seizures",
    "Lanțul judiciar: de la dosar la condamnare": "The justice chain: from case to conviction",
    "Toate piețele: prognoza pe 24 de luni": "All markets: the 24-month forecast",
    "Participarea la un grup infracțional organizat (ICCS 0905.1)": (
        "Participation in an organised criminal group (ICCS 0905.1)"
    ),
    "România (albastru), mediana UE-27 (linie gri) și jumătatea din mijloc a statelor membre "
    "(zona gri); linia roșie: 2014, noul Cod penal": (
        "Romania (blue), the EU-27 median (grey line) and the middle half of the Member States "
        "(grey band); red line: 2014, the new Criminal Code"
    ),
}
MARKET_NAMES = {m.name_ro: m.name_en for m in MARKETS}
PATTERNS = [
    (r"Cazuri înregistrate la 100 000 de locuitori, (\d{4})",
     r"Registered cases per 100,000 inhabitants, \1"),
    (r"Rata cazurilor de criminalitate organizată pe județe, (\d{4})",
     r"Organised crime case rate by county, \1"),
    (r"Bare orizontale: rata la 100 000 de locuitori pe județe în (\d{4}), cu intervalul de "
     r"încredere de 95 %\.",
     r"Horizontal bars: the rate per 100,000 inhabitants by county in \1, with the 95 % "
     r"confidence interval."),
    (r"Rata pe piețe infracționale, România, (\d{4})", r"Rate by crime market, Romania, \1"),
    (r"Grupurile cu cel mai mare scor \(primele (\d+)\)", r"The groups with the highest score "
     r"(top \1)"),
    (r"Cazuri înregistrate la 100\.000 de locuitori, pe județe, (\d{4})",
     r"Registered cases per 100,000 inhabitants by county, \1"),
    (r"(.+): rata națională pe ani", r"\1: national rate by year"),
    (r"(.+): cazuri la 100\.000 de locuitori, (\d{4})", r"\1: cases per 100,000 inhabitants, \2"),
    (r"(.+): cazuri la 100\.000 de locuitori", r"\1: cases per 100,000 inhabitants"),
    (r"(.+): prognoza pe 24 de luni", r"\1: the 24-month forecast"),
    (r"(.+): cazuri pe lună și prognoza pe 24 de luni",
     r"\1: cases per month and the 24-month forecast"),
    (r"(.+), (\d{4}): harta celor 42 de județe; gri: nepublicat sau fără date",
     r"\1, \2: map of the 42 counties; grey: withheld or no data"),
]  # fmt: skip
QUOTED = re.compile(r"""(['"])([^'"]*)\1""")
COMPILED = [(re.compile(f"^{p}$", re.S), r) for p, r in PATTERNS]
TECHNICAL = {"field", "type", "$schema", "url", "calculate", "as", "filter", "lookup", "key",
             "fields", "format", "scheme", "mark", "aggregate", "timeUnit", "op", "name",
             "orient", "anchor", "font", "symbolType", "property", "expr", "test"}  # fmt: skip


def english(text: str) -> str:
    """One chart string in English (names of markets inside it too), or the string unchanged."""
    if text in EXACT:
        return EXACT[text]
    if text in MARKET_NAMES:
        return MARKET_NAMES[text]
    from analysis.report.reasons import HARM_REASONS, priority_reasons  # the documents' words

    if text.startswith(("prevalență ", "dosare înregistrate, nivel ")):  # a ranking's reasons
        return priority_reasons(text, "en")
    if text in HARM_REASONS:
        return HARM_REASONS[text]
    if ", " in text and all(part in EXACT for part in text.split(", ")):  # a list of labels
        return ", ".join(EXACT[part] for part in text.split(", "))
    for pattern, replacement in COMPILED:
        match = pattern.match(text)
        if match:  # the words a pattern captures (a title inside a sentence) translated too
            groups = [english(g) if g and not g.isdigit() else g for g in match.groups()]
            filled = re.sub(r"\\(\d)", lambda m, g=groups: g[int(m[1]) - 1], replacement)
            return english_names(filled)
    return text


def english_names(text: str) -> str:
    """Market names written in Romanian inside a sentence (`trafic de cocaină: …`)."""
    for ro, en in sorted(MARKET_NAMES.items(), key=lambda kv: -len(kv[0])):
        for name, name_en in ((ro, en), (ro[:1].upper() + ro[1:], en[:1].upper() + en[1:])):
            if name in text:
                text = text.replace(name, name_en)
    return text


def _walk(node: Any, key: str | None = None) -> Any:
    if isinstance(node, dict):
        if key == "locale":
            return node | {"number": EN_NUMBERS}
        return {k: _walk(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, key) for v in node]
    if isinstance(node, str) and key == "calculate":  # words quoted inside an expression
        return QUOTED.sub(lambda m: m[1] + english(m[2]) + m[1], node)
    if isinstance(node, str) and key not in TECHNICAL:
        return english(node)
    return node


def translate(spec: dict, lang: str) -> dict:
    """`spec` as the reader of `lang` sees it: unchanged in Romanian, every word in English."""
    if lang != "en":
        return spec
    out = _walk(spec)
    out.setdefault("config", {}).setdefault("locale", {})["number"] = EN_NUMBERS
    if "time" in out["config"]["locale"]:
        del out["config"]["locale"]["time"]  # d3's default: English month names
    return out


def without_aria(spec: dict) -> dict:
    """No ARIA descriptions generated by Vega (always in English: "X-axis titled …"): the
    figure carries one text alternative in the page's language instead."""
    out = dict(spec)
    config = spec.get("config", {})
    out["config"] = {**config, "aria": False}
    for part in ("title", "axis", "legend"):
        out["config"][part] = {**config.get(part, {}), "aria": False}
    return out
