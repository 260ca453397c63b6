"""What a reader of one language would find foreign on a page: Romanian on an English page
(diacritics, common words), English on a Romanian one, in the text and in every word of the
page's chart specs (titles, axes, legends, tooltips, category labels). Proper names (counties,
regions, the classification marking) and passages marked with another `lang` are not foreign.
"""

import json
import re
from html.parser import HTMLParser

from analysis.chart_words import TECHNICAL
from analysis.reference.counties import BY_CODE

PROPER = sorted(
    {c.name for c in BY_CODE.values()}
    | {c.region for c in BY_CODE.values()}
    | {"SECRET DE SERVICIU", "România"},  # the marking; the country's name in the Romanian link
    key=len,
    reverse=True,
)
DIACRITICS = re.compile(r"[ăâîșțĂÂÎȘȚşţŞŢ]")
WORDS = {
    "ro": re.compile(r"\b(și|în|pe|la|din|pentru|cazuri|județ|județe|anul|rata|piețe|piața|"
                     r"marfa|prognoza|linie|grupuri)\b", re.I),
    "en": re.compile(r"\b(the|and|of|with|cases|county|year|market|forecast|"
                     r"withheld)\b", re.I),
}  # fmt: skip
VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr", "col", "area", "base"}


class _Text(HTMLParser):
    """The page's visible text and its chart specs, without passages in another language."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang, self.stack, self.text, self.specs = lang, [], [], []
        self._json = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in VOID:
            if tag == "img" and a.get("alt"):
                self._add(a["alt"])
            return
        foreign = bool(self.stack and self.stack[-1][1]) or a.get("lang", self.lang) != self.lang
        skip = foreign or tag in ("code", "pre", "style", "script")
        self.stack.append((tag, skip))
        self._json = tag == "script" and a.get("type") == "application/json"
        if not skip:
            for attr in ("aria-label", "title", "alt"):
                if a.get(attr):
                    self._add(a[attr])

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        self._json = False

    def handle_data(self, data):
        if self._json:
            self.specs.append(data)
        elif not (self.stack and self.stack[-1][1]):
            self._add(data)

    def _add(self, text: str) -> None:
        self.text.append(text)


def spec_words(node, key=None) -> list[str]:
    """Every string of a Vega-Lite spec a reader may see (not field names, expressions, URLs)."""
    if isinstance(node, dict):
        return [w for k, v in node.items() if k not in ("locale",) for w in spec_words(v, k)]
    if isinstance(node, list):
        return [w for v in node for w in spec_words(v, key)]
    if isinstance(node, str) and key not in TECHNICAL:
        return [node]
    if isinstance(node, str) and key == "calculate":
        return re.findall(r"""['"]([^'"]+)['"]""", node)
    return []


def foreign(html: str, lang: str) -> list[str]:
    """The phrases on a `lang` page that belong to the other language."""
    parser = _Text(lang)
    parser.feed(html)
    phrases = list(parser.text)
    for spec in parser.specs:
        phrases += spec_words(json.loads(spec))
    other = "ro" if lang == "en" else "en"
    found = []
    for phrase in phrases:
        plain = phrase
        for name in PROPER:
            plain = plain.replace(name, "")
        if (lang == "en" and DIACRITICS.search(plain)) or WORDS[other].search(plain):
            found.append(phrase.strip()[:120])
    return found
