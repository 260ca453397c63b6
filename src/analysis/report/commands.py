"""`nocta report build`: the NOCTA and the strategy as HTML and PDF, from one run.

Registered in cli.py (`main.add_command(report)`); it ties the catalog to the report builder.
"""

from pathlib import Path

import click

from analysis.catalog import Catalog
from analysis.disclosure import DEFAULT_THRESHOLD
from analysis.report.build import DOCUMENTS, EDITIONS, LANGS, build_all
from analysis.report.checks import PublicationRefused


@click.group()
def report() -> None:
    """Build the National Organised Crime Threat Assessment and the draft strategy."""


@report.command("build")
@click.option("--run", "run_id", default=None, help="Run id (default: results/current).")
@click.option("--edition", type=click.Choice(EDITIONS), default=None, help="Default: both.")
@click.option("--lang", type=click.Choice(LANGS), default=None, help="Default: both.")
@click.option(
    "--document", type=click.Choice(DOCUMENTS), default=None, help="Default: both documents."
)
@click.option(
    "--threshold",
    type=click.IntRange(min=1),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Public edition: counts below this are suppressed.",
)
def build(
    run_id: str | None,
    edition: str | None,
    lang: str | None,
    document: str | None,
    threshold: int,
) -> None:
    """Render HTML and PDF into $NOCTA_HOME/reports/<run>/<document>/<edition>/<lang>/."""
    catalog = Catalog.from_env()
    folder = catalog.results_dir(run_id) if run_id else catalog.current_results
    if not (folder / "run.json").is_file():
        raise click.ClickException(
            f"no run {'`' + run_id + '`' if run_id else 'results/current'} under "
            f"{catalog.results}: run `nocta refresh` first"
        )
    try:
        built = build_all(
            catalog,
            Path(folder).resolve(),
            documents=(document,) if document else DOCUMENTS,
            editions=(edition,) if edition else EDITIONS,
            langs=(lang,) if lang else LANGS,
            threshold=threshold,
        )
    except PublicationRefused as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:  # a template error, named by file and line
        raise click.ClickException(str(exc)) from None
    for path in built:
        click.echo(f"{path}")
