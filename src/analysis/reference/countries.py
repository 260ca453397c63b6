"""ISO 3166-1 alpha-2 country codes (pycountry), plus XK for Kosovo, as Europol and Frontex use."""

import pycountry

ISO_ALPHA2: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}
