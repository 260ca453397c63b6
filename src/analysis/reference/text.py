"""Romanian text: the legacy cedilla letters become comma-below, and ASCII keys for matching.

Windows-1250 exports cannot hold ș ț, so partners send ş ţ; the platform stores one form only
(comma-below, as the Romanian standard SR 13011 requires) so that equal names compare equal.
"""

import unicodedata

_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})


def to_comma_below(text: str) -> str:
    """Replace cedilla s/t (U+015F, U+0163 and capitals) with comma-below (U+0219, U+021B)."""
    return unicodedata.normalize("NFC", text).translate(_CEDILLA_TO_COMMA)


def strip_diacritics(text: str) -> str:
    """ASCII form of a Romanian text: `Județul Brașov` -> `Judetul Brasov`."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
