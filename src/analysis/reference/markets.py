"""The crime markets of the partner specification, with their ICCS codes and legal basis.

Market codes are what partners put in `PIATA`, `PIETE` and `MARFA`; the ICCS code is how the
same market is found in Eurostat's crim_off_cat for the comparison with the EU.
"""

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Market:
    code: str
    name_en: str
    name_ro: str
    iccs: str
    law: str
    seizable: bool  # may appear in customs seizures (MARFA)


MARKETS: tuple[Market, ...] = (
    Market(
        "drugs_cocaine",
        "cocaine trafficking",
        "trafic de cocaină",
        "0601",
        "Law 143/2000 art. 2-3",
        True,
    ),
    Market(
        "drugs_heroin",
        "heroin trafficking",
        "trafic de heroină",
        "0601",
        "Law 143/2000 art. 2-3",
        True,
    ),
    Market(
        "drugs_cannabis",
        "cannabis trafficking",
        "trafic de canabis",
        "0601",
        "Law 143/2000 art. 2-3",
        True,
    ),
    Market(
        "drugs_synthetic",
        "synthetic drugs and NPS",
        "droguri sintetice și NSP",
        "0601",
        "Law 143/2000 art. 2-3",
        True,
    ),
    Market(
        "human_trafficking",
        "trafficking in human beings",
        "trafic de persoane",
        "0204",
        "Criminal Code art. 210-211",
        False,
    ),
    Market(
        "migrant_smuggling",
        "smuggling of migrants",
        "trafic de migranți",
        "08051",
        "Criminal Code art. 263",
        True,
    ),
    Market(
        "firearms", "firearms trafficking", "trafic de arme de foc", "09012", "Law 295/2004", True
    ),
    Market(
        "excise_goods",
        "cigarette and excise smuggling",
        "contrabandă cu țigări și accize",
        "08041",
        "Law 86/2006 (customs)",
        True,
    ),
    Market(
        "counterfeit_goods",
        "counterfeit goods",
        "mărfuri contrafăcute",
        "0702",
        "IP legislation",
        True,
    ),
    Market(
        "cybercrime",
        "cyber-dependent crime",
        "criminalitate informatică",
        "0903",
        "Criminal Code art. 360-366",
        False,
    ),
    Market(
        "financial_crime",
        "fraud and tax evasion",
        "fraudă și evaziune fiscală",
        "0701",
        "Law 241/2005",
        False,
    ),
    Market(
        "money_laundering",
        "money laundering",
        "spălarea banilor",
        "07041",
        "Law 129/2019 art. 49",
        False,
    ),
    Market("corruption", "corruption", "corupție", "0703", "Criminal Code art. 289-292", False),
    Market(
        "extortion",
        "extortion and racketeering",
        "șantaj și racket",
        "02",
        "Criminal Code art. 207",
        False,
    ),
    Market(
        "environmental",
        "waste, logging and wildlife crime",
        "criminalitate de mediu (deșeuri, tăieri ilegale, faună)",
        "10",
        "Forest Code, waste law",
        True,
    ),
    Market(
        "property_crime",
        "organised property crime",
        "criminalitate organizată contra patrimoniului",
        "05",
        "Criminal Code art. 228-229, 233-234",
        False,
    ),
)

BY_CODE: dict[str, Market] = {m.code: m for m in MARKETS}


def market_table() -> pl.DataFrame:
    """The markets as a frame keyed by `market`."""
    return pl.DataFrame(
        {
            "market": [m.code for m in MARKETS],
            "market_name_en": [m.name_en for m in MARKETS],
            "market_name_ro": [m.name_ro for m in MARKETS],
            "iccs": [m.iccs for m in MARKETS],
            "law": [m.law for m in MARKETS],
        }
    )
