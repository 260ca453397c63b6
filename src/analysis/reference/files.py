"""Where the embedded reference files live, so code never guesses a path into the package."""

from importlib.resources import files
from pathlib import Path


def reference_file(name: str) -> Path:
    """Path of one file shipped in analysis/reference/data (see PROVENANCE.md there)."""
    path = Path(str(files("analysis.reference") / "data" / name))
    if not path.is_file():
        raise FileNotFoundError(f"reference file {name!r} is missing from {path.parent}")
    return path
