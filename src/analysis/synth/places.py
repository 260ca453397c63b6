"""Real places the synthetic extracts name: border crossings, smuggling routes, courts, DIICOT
offices. Analysts check a demo against what they know, so a cocaine seizure must come through
Constanța from South America, and a tribunal must sit in the county it judges.
"""

from analysis.reference.counties import BY_CODE

# Border crossing point -> (county, {transport mode: weight}).
BORDER_POINTS: dict[str, tuple[str, dict[str, float]]] = {
    "Port Constanța": ("CT", {"maritim": 1.0}),
    "Vama Veche": ("CT", {"rutier": 0.95, "pietonal": 0.05}),
    "Negru Vodă": ("CT", {"rutier": 1.0}),
    "Aeroportul Henri Coandă": ("IF", {"aerian": 0.85, "postal": 0.15}),
    "Aeroportul Internațional Timișoara": ("TM", {"aerian": 1.0}),
    "Aeroportul Internațional Cluj": ("CJ", {"aerian": 1.0}),
    "Nădlac": ("AR", {"rutier": 1.0}),
    "Turnu": ("AR", {"rutier": 0.7, "feroviar": 0.3}),
    "Borș": ("BH", {"rutier": 1.0}),
    "Petea": ("SM", {"rutier": 1.0}),
    "Halmeu": ("SM", {"rutier": 0.7, "feroviar": 0.3}),
    "Siret": ("SV", {"rutier": 0.85, "pietonal": 0.15}),
    "Albița": ("VS", {"rutier": 1.0}),
    "Sculeni": ("IS", {"rutier": 0.9, "pietonal": 0.1}),
    "Giurgiu": ("GR", {"rutier": 0.8, "feroviar": 0.2}),
    "Calafat": ("DJ", {"rutier": 1.0}),
    "Porțile de Fier I": ("MH", {"rutier": 1.0}),
    "Stamora Moravița": ("TM", {"rutier": 0.6, "feroviar": 0.4}),
    "Moravița": ("TM", {"rutier": 0.9, "pietonal": 0.1}),
    "Port Galați": ("GL", {"maritim": 1.0}),
    "Isaccea": ("TL", {"rutier": 1.0}),
    "Sighetu Marmației": ("MM", {"rutier": 0.7, "pietonal": 0.3}),
    "Oficiul Poștal Internațional București": ("B", {"postal": 1.0}),
}

# Market -> routes as (origin country, border point, weight).
ROUTES: dict[str, list[tuple[str, str, float]]] = {
    "drugs_cocaine": [
        ("CO", "Port Constanța", 3),
        ("EC", "Port Constanța", 3),
        ("BR", "Port Constanța", 2),
        ("PE", "Port Constanța", 1),
        ("BR", "Aeroportul Henri Coandă", 1.5),
        ("NL", "Nădlac", 1),
        ("ES", "Aeroportul Henri Coandă", 1),
        ("BE", "Borș", 0.7),
    ],
    "drugs_heroin": [
        ("TR", "Giurgiu", 2),
        ("TR", "Vama Veche", 1),
        ("IR", "Port Constanța", 1),
        ("AF", "Negru Vodă", 1),
        ("TR", "Calafat", 1),
        ("AF", "Port Constanța", 0.5),
    ],
    "drugs_cannabis": [
        ("MA", "Aeroportul Henri Coandă", 1),
        ("ES", "Nădlac", 2),
        ("NL", "Borș", 2),
        ("AL", "Calafat", 1.5),
        ("AL", "Porțile de Fier I", 1),
        ("NL", "Petea", 1),
        ("ES", "Aeroportul Internațional Cluj", 0.5),
    ],
    "drugs_synthetic": [
        ("NL", "Nădlac", 3),
        ("BE", "Borș", 1.5),
        ("PL", "Petea", 1.5),
        ("CN", "Oficiul Poștal Internațional București", 1.5),
        ("NL", "Aeroportul Henri Coandă", 1),
        ("CN", "Aeroportul Henri Coandă", 0.5),
    ],
    "excise_goods": [
        ("UA", "Siret", 3),
        ("UA", "Halmeu", 2),
        ("UA", "Sighetu Marmației", 1.5),
        ("UA", "Isaccea", 1),
        ("MD", "Albița", 2.5),
        ("MD", "Sculeni", 1.5),
        ("MD", "Port Galați", 0.7),
        ("RS", "Porțile de Fier I", 1),
        ("RS", "Moravița", 0.8),
        ("BY", "Siret", 0.5),
        ("BY", "Halmeu", 0.3),
    ],
    "counterfeit_goods": [
        ("CN", "Port Constanța", 4),
        ("HK", "Aeroportul Henri Coandă", 1),
        ("CN", "Oficiul Poștal Internațional București", 1),
        ("TR", "Giurgiu", 1.5),
        ("TR", "Vama Veche", 0.7),
        ("HK", "Port Constanța", 0.8),
    ],
    "migrant_smuggling": [
        ("RS", "Moravița", 2),
        ("RS", "Stamora Moravița", 1.5),
        ("RS", "Porțile de Fier I", 1),
        ("AF", "Nădlac", 2),
        ("SY", "Nădlac", 1.5),
        ("PK", "Borș", 1),
        ("BD", "Borș", 0.7),
        ("TR", "Giurgiu", 1),
        ("SY", "Calafat", 0.8),
        ("AF", "Turnu", 1),
    ],
    "firearms": [
        ("RS", "Porțile de Fier I", 2),
        ("RS", "Moravița", 1),
        ("UA", "Siret", 1.5),
        ("MD", "Albița", 1),
        ("BA", "Nădlac", 0.7),
        ("UA", "Halmeu", 0.8),
    ],
    "environmental": [
        ("IT", "Nădlac", 2),
        ("DE", "Borș", 1.5),
        ("IT", "Port Constanța", 1),
        ("DE", "Petea", 0.7),
        ("UA", "Siret", 1.5),
        ("UA", "Sighetu Marmației", 1.2),
        ("UA", "Halmeu", 0.8),
    ],
}

# Market -> (share seized for Romania, transit destinations with weights).
DESTINATIONS: dict[str, tuple[float, dict[str, float]]] = {
    "drugs_cocaine": (0.45, {"DE": 2, "IT": 1.5, "HU": 1, "AT": 1, "GB": 1, "FR": 0.7}),
    "drugs_heroin": (0.3, {"DE": 2, "NL": 1.5, "AT": 1, "IT": 1, "HU": 0.7}),
    "drugs_cannabis": (0.7, {"HU": 1, "BG": 1, "MD": 0.7, "UA": 0.5}),
    "drugs_synthetic": (0.75, {"BG": 1, "MD": 1, "UA": 0.6, "HU": 0.5}),
    "excise_goods": (0.6, {"HU": 2, "DE": 1.2, "GB": 1, "IT": 1, "AT": 0.8}),
    "counterfeit_goods": (0.8, {"HU": 1, "BG": 0.8, "MD": 0.5}),
    "migrant_smuggling": (0.08, {"DE": 4, "AT": 2, "IT": 1.5, "FR": 1, "NL": 0.6, "HU": 0.5}),
    "firearms": (0.7, {"HU": 1, "DE": 0.8, "IT": 0.6}),
    "environmental": (0.7, {"HU": 1.5, "AT": 1, "BG": 0.5}),
}

# Market -> [(unit, share, median quantity, sigma of log, RON per unit or None)].
UNITS: dict[str, list[tuple[str, float, float, float, float | None]]] = {
    "drugs_cocaine": [("kg", 1.0, 2.0, 1.9, 180_000.0)],
    "drugs_heroin": [("kg", 1.0, 3.0, 1.4, 110_000.0)],
    "drugs_cannabis": [("kg", 1.0, 1.5, 1.6, 25_000.0)],
    "drugs_synthetic": [("kg", 0.8, 0.3, 1.5, 60_000.0), ("buc", 0.2, 400.0, 1.2, 40.0)],
    "excise_goods": [("fire", 0.8, 20_000.0, 1.5, 1.2), ("l", 0.2, 300.0, 1.2, 12.0)],
    "counterfeit_goods": [("buc", 1.0, 400.0, 1.5, 60.0)],
    "migrant_smuggling": [("pers", 1.0, 6.0, 0.7, None)],
    "firearms": [("buc", 1.0, 2.0, 0.8, 4_500.0)],
    "environmental": [("kg", 0.75, 5_000.0, 1.3, 1.5), ("buc", 0.25, 30.0, 1.0, 300.0)],
}

# County -> seat of its court of appeal (and of the DIICOT territorial service).
_CIRCUITS = {
    "Alba Iulia": "AB HD SB",
    "Bacău": "BC NT",
    "Brașov": "BV CV",
    "București": "B IF CL GR IL TR",
    "Cluj": "CJ BN MM SJ",
    "Constanța": "CT TL",
    "Craiova": "DJ GJ MH OT",
    "Galați": "GL BR VN",
    "Iași": "IS VS",
    "Oradea": "BH SM",
    "Pitești": "AG VL",
    "Ploiești": "PH BZ DB",
    "Suceava": "SV BT",
    "Târgu Mureș": "MS HR",
    "Timișoara": "TM AR CS",
}
APPEAL_SEAT: dict[str, str] = {c: seat for seat, cs in _CIRCUITS.items() for c in cs.split()}
SEATS: tuple[str, ...] = tuple(_CIRCUITS)

DIICOT_CENTRAL = "DIICOT – Structura Centrală"


def diicot_office(county: str) -> str:
    """The DIICOT territorial service that covers a county."""
    return f"ST {APPEAL_SEAT[county]}"


def tribunal(county: str) -> str:
    """The tribunal of a county (first instance for DIICOT cases)."""
    return f"Tribunalul {BY_CODE[county].name}"


def appeal_court(county: str) -> str:
    return f"Curtea de Apel {APPEAL_SEAT[county]}"


def tribunal_code(county: str) -> int:
    """Synthetic court number in case ids (Bucharest keeps its real 3); at most three digits."""
    return 3 if county == "B" else 100 + BY_CODE[county].jud_code


def appeal_code(county: str) -> int:
    return 2 if APPEAL_SEAT[county] == "București" else 30 + SEATS.index(APPEAL_SEAT[county])
