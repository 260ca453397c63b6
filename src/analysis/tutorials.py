"""The analysts' tutorials (notebooks/tutorials/), copied where an analyst can open them.

Why: on the hub an analyst's JupyterLab shows their own home only, not the project checkout,
so the tutorials must be copied into the home before they can be opened and run. Copies are
the analyst's own: a tutorial already there (perhaps edited) is never overwritten.
"""

import shutil
from pathlib import Path

from analysis.catalog import Catalog


def tutorials(catalog: Catalog) -> list[Path]:
    """The tutorial notebooks, in their numbered order."""
    return sorted((catalog.notebooks / "tutorials").glob("[0-9][0-9]_*.ipynb"))


def copy_tutorials(catalog: Catalog, dest: Path) -> tuple[list[Path], list[Path]]:
    """Copy every tutorial into `dest` (created if needed); returns (copied, kept): `kept` are
    the ones already in `dest`, left as the analyst has them."""
    sources = tutorials(catalog)
    if not sources:
        raise LookupError(f"no tutorials under {catalog.notebooks / 'tutorials'}")
    dest.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for source in sources:
        target = dest / source.name
        if target.exists():
            kept.append(target)
            continue
        shutil.copyfile(source, target)
        copied.append(target)
    return copied, kept
