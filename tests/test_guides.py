"""The guides (docs/guides/): both languages alike, pictures all current, commands all real,
and the portal shows them to every reader.

Every picture a guide shows must be one the browser test (tests/test_portal_browser.py,
GUIDE_SHOTS) writes, and every picture it writes must be shown, so no guide can show a stale or
missing one. Every `nocta …` command in a guide must be a command of the CLI, with options it has.
"""

import ast
import re
import shlex
import struct
from pathlib import Path

import click
import pytest

from analysis.cli import main
from analysis.site.content import GUIDE_NAMES
from test_site import published  # noqa: F401  (the fixture: a release built from a hand-made run)

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "docs" / "guides"
IMAGE = re.compile(r"!\[[^\]]*\]\(\.\./img/([^)]+)\)")
LINK = re.compile(r"\]\(([^)#]+\.md)\)")
CODE = re.compile(r"```bash\n(.*?)```", re.S)


def guide_shots() -> set[str]:
    tree = ast.parse((ROOT / "tests" / "test_portal_browser.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "GUIDE_SHOTS":
            return set(ast.literal_eval(node.value))
    raise AssertionError("test_portal_browser.py has no GUIDE_SHOTS")


def guide_files() -> list[Path]:
    return [GUIDES / lang / f"{names[lang]}.md" for names in GUIDE_NAMES.values()
            for lang in ("ro", "en")]  # fmt: skip


def test_every_picture_is_written_by_the_browser_test_and_shown():
    shots = guide_shots()
    shown = set()
    for names in GUIDE_NAMES.values():
        ro, en = (IMAGE.findall((GUIDES / g / f"{names[g]}.md").read_text()) for g in ("ro", "en"))
        assert ro == en, names  # the same pictures, in the same places
        shown |= set(ro)
    assert shown <= shots, f"pictures no browser test writes: {shown - shots}"
    assert shots <= shown, f"pictures the browser test writes that no guide shows: {shots - shown}"
    assert {p.name for p in (GUIDES / "img").glob("*.png")} == shots
    for name in shots:
        head = (GUIDES / "img" / name).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", name
        width, height = struct.unpack(">II", head[16:24])
        assert width == 1200 and height <= 1000, (name, width, height)


def test_links_between_guides_resolve_and_romanian_uses_comma_below():
    for path in guide_files():
        text = path.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            assert (path.parent / target).is_file(), (path.name, target)
        if path.parent.name == "ro":
            assert not re.search("[şţŞŢ]", text), f"{path.name}: cedilla instead of comma-below"


def commands(text: str) -> list[list[str]]:
    """Each `nocta …` command of a guide's shell blocks, as words (continuations joined)."""
    found = []
    for block in CODE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "nocta":
                found.append(words[1:])
    return found


@pytest.mark.parametrize("path", guide_files(), ids=lambda p: p.name)
def test_every_command_in_a_guide_exists_with_its_options(path):
    for words in commands(path.read_text(encoding="utf-8")):
        command, rest = main, list(words)
        while isinstance(command, click.Group) and rest:
            found = command.get_command(click.Context(command), rest[0])
            if found is None:
                break
            command, rest = found, rest[1:]
        assert not isinstance(command, click.Group), f"{path.name}: nocta {' '.join(words)}"
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        for word in rest:
            if word.startswith("-"):
                assert word in options, f"{path.name}: nocta {' '.join(words)}: {word}"


def test_the_portal_shows_the_guides_to_every_reader(published):  # noqa: F811
    _, release = published
    root = release.folder
    for key, names in GUIDE_NAMES.items():
        for lang, other in (("ro", "en"), ("en", "ro")):
            page = (root / "guides" / lang / f"{names[lang]}.html").read_text(encoding="utf-8")
            assert f'href="../../guides/{other}/{names[other]}.html"' in page, key
            assert '.md"' not in page  # links between guides point at the pages
            for name in IMAGE.findall((GUIDES / lang / f"{names[lang]}.md").read_text()):
                assert f'src="../img/{name}"' in page
                assert (root / "guides" / "img" / name).is_file()
        assert not (root / "restricted" / "guides").exists()
    for page in (root / "guides").rglob("*.html"):  # Pandoc's HTML, not escaped into text
        text = page.read_text(encoding="utf-8")
        assert "&lt;p&gt;" not in text and "&lt;h2" not in text, page
    assert "&lt;p&gt;" not in (root / "ro" / "methodology.html").read_text(encoding="utf-8")
    personal = (root / "guides" / "ro" / "personal.html").read_text(encoding="utf-8")
    assert "<h1>Ghidul personalului</h1>" in personal and 'aria-current="page"' in personal
    home = (root / "ro" / "index.html").read_text(encoding="utf-8")
    assert 'href="../guides/ro/">Ghiduri</a>' in home
    listing = (root / "guides" / "en" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{n["en"]}.html"' in listing for n in GUIDE_NAMES.values())
    indexed = (root / "pagefind" / "pagefind-entry.json").read_text()
    assert '"ro"' in indexed and '"en"' in indexed
