"""What each crime market looks like in the partners' data: its share of cases, where it
concentrates, how often a group is behind it, who is caught, what it costs, which law applies.

The numbers are plausible orders of magnitude for Romania 2015-2025, chosen so the demo's
indicators tell the stories analysts expect; they are not estimates of anything.
"""

POLICE_SHARES = {
    "property_crime": 0.22, "financial_crime": 0.16, "drugs_cannabis": 0.09,
    "drugs_synthetic": 0.06, "drugs_cocaine": 0.035, "drugs_heroin": 0.02, "cybercrime": 0.08,
    "excise_goods": 0.07, "corruption": 0.045, "environmental": 0.06, "counterfeit_goods": 0.025,
    "money_laundering": 0.03, "extortion": 0.025, "human_trafficking": 0.02,
    "migrant_smuggling": 0.02, "firearms": 0.012,
}  # fmt: skip

# DIICOT's own (unlinked) cases: organised crime, drugs, cyber, trafficking.
DIICOT_SHARES = {
    "drugs_cannabis": 0.2, "drugs_synthetic": 0.14, "drugs_cocaine": 0.08, "drugs_heroin": 0.04,
    "cybercrime": 0.12, "human_trafficking": 0.08, "migrant_smuggling": 0.06, "firearms": 0.03,
    "excise_goods": 0.07, "financial_crime": 0.08, "money_laundering": 0.06, "extortion": 0.04,
}  # fmt: skip

SEIZURE_SHARES = {
    "excise_goods": 0.40, "counterfeit_goods": 0.15, "drugs_cannabis": 0.12,
    "drugs_synthetic": 0.06, "drugs_cocaine": 0.04, "drugs_heroin": 0.03,
    "migrant_smuggling": 0.10, "firearms": 0.03, "environmental": 0.07,
}  # fmt: skip

_BORDER_EAST = {"SV": 4, "SM": 3, "MM": 3, "BT": 3, "IS": 2.5, "VS": 3, "GL": 2, "TL": 1.5}
_FORESTS = {"SV": 3, "MM": 2.5, "NT": 2, "HR": 2, "CS": 2, "AB": 1.5, "HD": 1.5, "VL": 1.5,
            "AG": 1.5, "BN": 1.5, "CV": 1.5}  # fmt: skip
AFFINITY: dict[str, dict[str, float]] = {
    "excise_goods": {**_BORDER_EAST, "MH": 1.5, "CS": 1.5, "GR": 1.5, "DJ": 1.5},
    "drugs_cocaine": {"CT": 4, "B": 2, "IF": 3},
    "drugs_heroin": {"CT": 2, "B": 2, "GR": 2, "AR": 1.5},
    "drugs_cannabis": {"B": 1.5, "CJ": 1.5, "TM": 1.5, "CT": 1.5},
    "drugs_synthetic": {"B": 2, "CJ": 2, "TM": 1.5, "IS": 1.5, "CT": 1.5},
    "migrant_smuggling": {"TM": 4, "AR": 3, "CS": 2, "MH": 2, "GR": 1.5, "DJ": 1.5, "BH": 1.5},
    "cybercrime": {"B": 2.5, "CJ": 2, "TM": 1.5, "IS": 1.5, "VL": 3, "OT": 1.5},
    "financial_crime": {"B": 2, "IF": 1.5},
    "money_laundering": {"B": 2.5, "IF": 1.5},
    "corruption": {"B": 2},
    "environmental": _FORESTS,
    "human_trafficking": {"BC": 1.5, "DJ": 1.5, "IS": 1.5, "CL": 1.5, "VS": 1.5, "MS": 1.5},
    "firearms": {"TM": 1.5, "MH": 1.5, "SV": 1.5},
}

# Share of police cases in a market that name an organised crime group.
OCG_SHARE = {
    "drugs_cocaine": 0.2, "drugs_heroin": 0.18, "drugs_cannabis": 0.1, "drugs_synthetic": 0.14,
    "human_trafficking": 0.3, "migrant_smuggling": 0.25, "firearms": 0.12, "excise_goods": 0.12,
    "counterfeit_goods": 0.08, "cybercrime": 0.08, "financial_crime": 0.04,
    "money_laundering": 0.15, "corruption": 0.03, "extortion": 0.2, "environmental": 0.05,
    "property_crime": 0.03,
}  # fmt: skip

# Share of police cases with no identified suspect yet.
NO_SUSPECT = {"cybercrime": 0.6, "property_crime": 0.45, "environmental": 0.35,
              "financial_crime": 0.25, "counterfeit_goods": 0.2}  # fmt: skip
NO_SUSPECT_DEFAULT = 0.12

# Market -> (share with a damage figure, median RON, sigma of log).
DAMAGE = {
    "financial_crime": (0.8, 60_000, 1.6), "property_crime": (0.75, 15_000, 1.4),
    "cybercrime": (0.7, 25_000, 1.6), "excise_goods": (0.6, 40_000, 1.5),
    "environmental": (0.6, 30_000, 1.5), "corruption": (0.3, 20_000, 1.5),
    "money_laundering": (0.5, 200_000, 1.5), "counterfeit_goods": (0.5, 20_000, 1.5),
    "extortion": (0.4, 10_000, 1.2),
}  # fmt: skip
DAMAGE_DEFAULT = (0.05, 5_000, 1.2)

LEGAL_BASIS = {
    "drugs_cocaine": ["L143/2000 art. 2", "L143/2000 art. 3"],
    "drugs_heroin": ["L143/2000 art. 2", "L143/2000 art. 3"],
    "drugs_cannabis": ["L143/2000 art. 2", "L143/2000 art. 4"],
    "drugs_synthetic": ["L143/2000 art. 2", "L194/2011 art. 16"],
    "human_trafficking": ["CP art. 210", "CP art. 211"],
    "migrant_smuggling": ["CP art. 263"],
    "firearms": ["CP art. 342", "L295/2004 art. 134"],
    "excise_goods": ["L86/2006 art. 270", "L86/2006 art. 274"],
    "counterfeit_goods": ["L84/1998 art. 90", "L8/1996 art. 140"],
    "cybercrime": ["CP art. 360", "CP art. 364", "CP art. 249"],
    "financial_crime": ["L241/2005 art. 9", "CP art. 244"],
    "money_laundering": ["L129/2019 art. 49"],
    "corruption": ["CP art. 289", "CP art. 290", "CP art. 291"],
    "extortion": ["CP art. 207"],
    "environmental": ["L46/2008 art. 107", "OUG 195/2005 art. 98"],
    "property_crime": ["CP art. 228", "CP art. 229", "CP art. 233", "CP art. 234"],
}

# Free text an officer types in OBSERVATII; the ones starting with = + - @ are legitimate text.
NOTES = [
    ("Autor necunoscut", 6),
    ("Percheziții domiciliare la 3 adrese", 4),
    ("Prejudiciu recuperat parțial", 4),
    ("Bunuri ridicate: 2 autoturisme; 3 telefoane", 3),
    ("Sesizare din oficiu în urma unui control în trafic", 4),
    ("Plângere penală a persoanei vătămate", 5),
    ("Declinare către DIICOT – ST Constanța", 2),
    ("Martor cu identitate protejată", 1),
    ("Operațiunea „Scorpionul”", 1),
    ("Măsuri asiguratorii instituite asupra bunurilor", 2),
    ("Colaborare Europol prin SIENA", 1),
    ("Verificări în curs la ANAF", 2),
    ("Comisie rogatorie în Italia", 1),
    ("Sesizare Garda Financiară, Secția Iași", 1),
    ("Denumire firmă „Țară Nouă” SRL", 1),
    ("=> transmis la parchet", 1),
    ("+ 2 suspecți neidentificați", 1),
    ("- fără observații -", 1),
    ("@ST Brașov: verificări în curs", 1),
    ("=SUMĂ prejudiciu de recalculat", 1),
    ("-3 colete lipsă la inventar", 1),
]
NOTES_EMPTY = 0.55
