"""Build the NOCTA and the strategy, per edition and language, as HTML and PDF, from one run.

Load inputs (the run record, the chapter sources, the snapshot manifests) / process (Jinja2
over the results, twice per output format so references can point forward; Pandoc to HTML
and to Typst; Typst to PDF; the public-edition check) / save (one folder per document,
edition and language, swapped in whole: a failed or refused build writes nothing).

Output: <data root>/reports/<run_id>/<document>/<edition>/<lang>/ with <document>.html,
<document>.pdf, the HTML's assets (nocta.css, vega-bundle.js) and manifest.json.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import pypandoc
import vl_convert as vlc
import yaml

from analysis import __version__
from analysis.catalog import Catalog
from analysis.disclosure import DEFAULT_THRESHOLD
from analysis.fsutil import sha256_file
from analysis.publication import view
from analysis.publication.access import restrict
from analysis.publication.scan import refuse_disclosures
from analysis.report.checks import check_public
from analysis.report.expressions import Expressions
from analysis.report.grammar import with_de
from analysis.report.render import typeset_pdf

DOCUMENTS = ("nocta", "strategy", "monitoring")
EDITIONS = ("public", "restricted")
LANGS = ("ro", "en")
ASSETS = Path(__file__).parent / "assets"
BUNDLE = "vega-bundle.js"

MARKING = {
    ("public", "ro"): "NESECRET",
    ("public", "en"): "NESECRET (UNCLASSIFIED)",
    ("restricted", "ro"): "SECRET DE SERVICIU",
    ("restricted", "en"): "SECRET DE SERVICIU (RESTRICTED)",
}
WORDS = {
    "ro": {
        "public": "Ediția publică",
        "restricted": "Ediția restrânsă",
        "synthetic": "DATE SINTETICE: document demonstrativ. Cifrele provin din extrase "
        "sintetice ale partenerilor și nu descriu realitatea.",
        "run": "rularea",
        "colophon": "Colofon",
        "snapshots": "Instantaneele de date folosite:",
        "rows": ("Versiunea", "Data datelor", "Rularea", "Ediția", "nocta", "Commit", "Generat"),
    },
    "en": {
        "public": "Public edition",
        "restricted": "Restricted edition",
        "synthetic": "SYNTHETIC DATA: demonstration document. The figures come from synthetic "
        "partner extracts and do not describe reality.",
        "run": "run",
        "colophon": "Colophon",
        "snapshots": "Data snapshots used:",
        "rows": ("Version", "Data as of", "Run", "Edition", "nocta", "Commit", "Built"),
    },
}


@dataclass(frozen=True)
class BuildSpec:
    document: str
    edition: str
    lang: str

    @property
    def label(self) -> str:
        return f"{self.document} ({self.edition} edition, {self.lang})"


def output_dir(catalog: Catalog, run_id: str, spec: BuildSpec) -> Path:
    """Where a build lands (to move into Catalog as `reports` once it has the property)."""
    return catalog.home / "reports" / run_id / spec.document / spec.edition / spec.lang


@cache
def vega_bundle() -> str:
    return vlc.javascript_bundle()


def _chapters(catalog: Catalog, spec: BuildSpec) -> list[Path]:
    folder = catalog.reports / spec.document / spec.lang
    files = sorted(p for p in folder.glob("*.md") if not p.name.startswith("_"))
    if not files:
        raise FileNotFoundError(f"no chapters in {folder}")
    return files


def _manifests(catalog: Catalog, run: dict) -> dict[str, dict]:
    found = {}
    for source, snap in run.get("snapshots", {}).items():
        sid = snap["snapshot_id"] if isinstance(snap, dict) else snap
        try:
            found[source] = catalog.snapshot_manifest(source, sid)
        except (FileNotFoundError, LookupError):
            continue
    return found


def _render(chapters, env, make) -> tuple[list[tuple[str, str]], Expressions]:
    """Two passes: the first numbers every figure and table, the second cites them."""
    labels: dict[str, str] = {}
    for _ in range(2):
        exprs = make(labels)
        ctx = exprs.context()
        rendered = []
        for path in chapters:
            try:
                rendered.append((path.name, env.get_template(path.name).render(**ctx)))
            except jinja2.TemplateSyntaxError as exc:
                raise ValueError(f"{path} line {exc.lineno}: {exc.message}") from None
            except jinja2.UndefinedError as exc:
                raise ValueError(f"{path}: {exc.message}") from None
        labels = exprs.found
    return rendered, exprs


def _front_matter(markdown: str) -> dict:
    if markdown.startswith("---"):
        end = markdown.find("\n---", 3)
        if end > 0:
            return yaml.safe_load(markdown[3:end]) or {}
    return {}


INPUTS_STAMP = "inputs.sha256"
PRESENTATION = (Path(__file__).parents[1] / "chart_words.py",)


def _inputs_digest(catalog: Catalog, run_folder: Path, spec: BuildSpec, threshold: int) -> str:
    """What a build depends on: the run's results, the document's sources, the strategy's
    plan (every document may cite it), the report and strategy code, the threshold."""
    h = hashlib.sha256(f"{spec}|{threshold}|{__version__}".encode())
    sources = dict.fromkeys([catalog.reports / spec.document, catalog.reports / "strategy"])
    code = [Path(__file__).parent, Path(__file__).parent.parent / "strategy"]
    roots = [run_folder, *sources, *code]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            h.update(path.as_posix().encode() + sha256_file(path).encode())
    for path in PRESENTATION:  # the words of the figures, outside report/
        h.update(path.as_posix().encode() + sha256_file(path).encode())
    return h.hexdigest()


def build_one(
    catalog: Catalog,
    run_folder: Path,
    spec: BuildSpec,
    threshold: int = DEFAULT_THRESHOLD,
    force: bool = False,
) -> Path:
    """Build one document × edition × language; returns its output folder.

    A folder already built from the same run, sources, code and threshold is kept as it is.
    """
    run = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))
    if spec.edition == "public":  # the public edition reads the public view, never the run
        run_folder = view.ensure(run_folder, catalog.public_view(run["run_id"]), threshold)
    chapters = _chapters(catalog, spec)
    manifests = _manifests(catalog, run)
    target = output_dir(catalog, run["run_id"], spec)
    digest = _inputs_digest(catalog, run_folder, spec, threshold)
    stamp = target / INPUTS_STAMP
    if not force and stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.lang}.", dir=target.parent))
    try:
        _build_into(tmp, run_folder, run, spec, chapters, manifests, threshold)
        (tmp / INPUTS_STAMP).write_text(digest, encoding="utf-8")
        if spec.edition == "restricted":
            restrict(tmp)
        else:
            tmp.chmod(0o755)
        if target.exists():  # a rebuild of the same run: swap, then drop the old build
            old = target.with_name(f".{spec.lang}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _build_into(tmp, run_folder, run, spec, chapters, manifests, threshold) -> None:
    public = spec.edition == "public"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([chapters[0].parent, chapters[0].parent.parent]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        comment_start_string="{##",
        comment_end_string="##}",
    )
    # Jinja's own `capitalize` lowercases the rest: "droguri sintetice și NSP" would lose its
    # acronym; a heading only needs its first letter raised
    env.filters["capitalize"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    outputs = {}
    for fmt in ("typst", "html"):
        outputs[fmt] = _render(
            chapters,
            env,
            lambda labels, fmt=fmt: Expressions(
                run_folder,
                run,
                spec.lang,
                fmt,
                public,
                tmp / "figures",
                labels,
                threshold,
                manifests,
            ),
        )
    grammar = with_de if spec.lang == "ro" else str
    typst_md = "\n\n".join(grammar(text) for _, text in outputs["typst"][0])
    html_md = "\n\n".join(grammar(text) for _, text in outputs["html"][0])
    front = _front_matter(outputs["typst"][0][0][1])
    meta_file = tmp / "build-metadata.yaml"
    meta_file.write_text(
        yaml.safe_dump(_metadata(run, spec, front), allow_unicode=True), encoding="utf-8"
    )
    marking = MARKING[(spec.edition, spec.lang)]
    common = [
        f"--metadata-file={meta_file}",
        f"--metadata=lang:{spec.lang}",
        f"--metadata=classification:{marking}",
        "--number-sections",
    ]
    # print: Pandoc -> Typst -> PDF
    typ = tmp / f"{spec.document}.typ"
    typeset_pdf(typst_md, typ, ASSETS / "document.typ", common)
    # web: Pandoc -> HTML with local assets
    before, after = _html_frame(run, spec, front, marking)
    (tmp / "before.html").write_text(before, encoding="utf-8")
    (tmp / "after.html").write_text(after, encoding="utf-8")
    html = tmp / f"{spec.document}.html"
    pypandoc.convert_text(
        html_md,
        "html5",
        format="markdown",
        outputfile=str(html),
        extra_args=[
            *common,
            "--standalone",
            "--toc",
            "--toc-depth=2",
            "--css=nocta.css",
            f"--include-before-body={tmp / 'before.html'}",
            f"--include-after-body={tmp / 'after.html'}",
        ],
    )
    shutil.copyfile(ASSETS / "nocta.css", tmp / "nocta.css")
    (tmp / BUNDLE).write_text(vega_bundle(), encoding="utf-8")
    for scratch in (typ, meta_file, tmp / "before.html", tmp / "after.html"):
        scratch.unlink()
    if public:  # the sources name the chapter and line; the scan reads what was written
        check_public(
            spec.label,
            outputs["typst"][0] + [(f"{n} (HTML)", t) for n, t in outputs["html"][0]],
            threshold,
        )
        refuse_disclosures(tmp, threshold, spec.label)
    missing = sorted(set(outputs["typst"][1].missing))
    files = {
        p.relative_to(tmp).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(tmp.rglob("*"))
        if p.is_file()
    }
    manifest = {
        "document": spec.document,
        "edition": spec.edition,
        "lang": spec.lang,
        "classification": marking,
        "run_id": run["run_id"],
        "version": str(front.get("version", "")),
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nocta_version": __version__,
        "disclosure_threshold": threshold if public else None,
        "not_in_run": missing,
        "files": files,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _snapshots(run: dict) -> list[dict]:
    return [
        {"source": source, "id": snap["snapshot_id"] if isinstance(snap, dict) else str(snap)}
        for source, snap in sorted(run.get("snapshots", {}).items())
    ]


def _colophon(run: dict, spec: BuildSpec, front: dict) -> list[tuple[str, str]]:
    words = WORDS[spec.lang]
    commit = (run.get("git") or {}).get("commit") or "–"
    values = (
        str(front.get("version", "–")),
        str(run.get("finished", ""))[:10],
        run["run_id"],
        words[spec.edition],
        run.get("nocta_version", __version__),
        commit[:12],
        dt.date.today().isoformat(),
    )
    return list(zip(words["rows"], values, strict=True))


def _metadata(run: dict, spec: BuildSpec, front: dict) -> dict:
    words = WORDS[spec.lang]
    return {
        "edition-label": words[spec.edition],
        "run-label": words["run"],
        "run-id": run["run_id"],
        "synthetic": words["synthetic"],
        "colophon-title": words["colophon"],
        "snapshots-title": words["snapshots"],
        "colophon": [{"key": k, "value": v} for k, v in _colophon(run, spec, front)],
        "snapshots": _snapshots(run),
        "date": front.get("date") or str(run.get("finished", ""))[:10],
        "short-title": front.get("short-title") or front.get("title", ""),
        "organisation": front.get("organisation", "Ministerul Public"),
        "version": str(front.get("version", "")),
    }


def _html_frame(run: dict, spec: BuildSpec, front: dict, marking: str) -> tuple[str, str]:
    """The web page's marking banners, cover block, colophon and chart loader."""
    from html import escape

    words = WORDS[spec.lang]
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>"
        for k, v in _colophon(run, spec, front)
    )
    snaps = "".join(
        f"<tr><td>{escape(s['source'])}</td><td><code>{escape(s['id'])}</code></td></tr>"
        for s in _snapshots(run)
    )
    before = (  # one `main` landmark around everything a reader reads (title, contents too)
        '<main id="main">\n'
        f'<div class="marking top" role="note">{escape(marking)}</div>\n'
        f'<div class="cover"><p>{escape(str(front.get("organisation", "")))} · '
        f"{escape(words[spec.edition])} · {escape(str(front.get('version', '')))} · "
        f"{escape(words['run'])} <code>{escape(run['run_id'])}</code></p>"
        f'<p class="synthetic">{escape(words["synthetic"])}</p></div>\n'
    )
    after = (
        f'<section class="colophon"><h2 class="unnumbered">{escape(words["colophon"])}</h2>'
        f"<table>{rows}</table><p>{escape(words['snapshots'])}</p><table>{snaps}</table>"
        f"</section>\n"
        f'<div class="marking bottom" role="note">{escape(marking)}</div>\n'
        "</main>\n"
        f'<script src="{BUNDLE}"></script>\n'
        "<script>\n"
        "document.querySelectorAll('div.vega').forEach(function (el) {\n"
        "  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);\n"
        "  vegaEmbed(el, spec, {actions: false, renderer: 'svg'});\n"
        "});\n"
        "</script>\n"
    )
    return before, after


def build_all(
    catalog: Catalog,
    run_folder: Path,
    documents=DOCUMENTS,
    editions=EDITIONS,
    langs=LANGS,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[Path]:
    """Every document × language × edition over `run_folder`; returns the output folders."""
    run_folder = Path(run_folder).resolve()
    return [
        build_one(catalog, run_folder, BuildSpec(d, e, la), threshold)
        for d in documents
        for e in editions
        for la in langs
    ]
