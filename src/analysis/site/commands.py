"""`nocta site build | publish | rollback`: the portal site from a run, as releases."""

import json
from pathlib import Path

import click

from analysis.catalog import Catalog
from analysis.report.checks import PublicationRefused


def _run_folder(catalog: Catalog, run_id: str | None) -> Path:
    folder = catalog.results_dir(run_id) if run_id else catalog.current_results
    if not (folder / "run.json").is_file():
        raise click.ClickException(
            f"no run {run_id!r} under {catalog.results}" if run_id
            else "there is no results/current yet: run `nocta refresh` first"
        )  # fmt: skip
    return folder.resolve()


@click.group()
def site() -> None:
    """Build the portal site, publish it as a release, roll back to an earlier one."""


@site.command()
@click.option("--run", "run_id", default=None, help="Run id (default: results/current).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to build into (default: $NOCTA_HOME/site/build/<run_id>).")  # fmt: skip
def build(run_id, out) -> None:
    """Build the site from a run's results and report builds, without publishing it."""
    import datetime as dt
    import shutil

    from analysis.fsutil import atomic_dir
    from analysis.site.build import build_site

    catalog = Catalog.from_env()
    folder = _run_folder(catalog, run_id)
    out = out or catalog.site / "build" / folder.name
    if out.exists():
        shutil.rmtree(out)
    built = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with atomic_dir(out) as tmp:
            missing = build_site(catalog, folder, tmp, "unpublished", built)
    except PublicationRefused as exc:
        raise click.ClickException(str(exc)) from None
    for item in missing:
        click.echo(f"missing: {item}", err=True)
    click.echo(str(out))


@site.command()
@click.option("--run", "run_id", default=None, help="Run id (default: results/current).")
@click.option("--force", is_flag=True, help="Build a new release even when nothing changed.")
def publish(run_id, force) -> None:
    """Build the site into site/releases/<release_id>/ and switch site/current to it."""
    from analysis.site.releases import publish as publish_site

    catalog = Catalog.from_env()
    try:
        release = publish_site(catalog, _run_folder(catalog, run_id), force=force)
    except PublicationRefused as exc:  # nothing switched: the current release stays
        raise click.ClickException(f"{exc}\nThe current release is unchanged.") from None
    for item in release.missing:
        click.echo(f"missing: {item}", err=True)
    state = "nothing changed, kept" if release.skipped else "published"
    click.echo(f"Site: {state} release {release.release_id}", err=True)
    click.echo(release.release_id)


@site.command()
@click.argument("release", required=False)
def rollback(release) -> None:
    """Make RELEASE (default: the one before the current) current again."""
    from analysis.site.releases import rollback as do_rollback

    catalog = Catalog.from_env()
    try:
        chosen = do_rollback(catalog, release)
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Site: current is release {chosen}", err=True)
    click.echo(chosen)


@site.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per release.")
def list_(as_json: bool) -> None:
    """The releases, oldest first; the current one is marked."""
    from analysis.site.releases import current_release, list_releases

    catalog = Catalog.from_env()
    now = current_release(catalog)
    releases = list_releases(catalog)
    if not releases and not as_json:
        click.echo(f"No release under {catalog.releases} yet: run `nocta site publish`.", err=True)
    for r in releases:
        if as_json:
            click.echo(json.dumps(r | {"current": r["release_id"] == now}))
        else:
            mark = "current" if r["release_id"] == now else ""
            click.echo(f"{r['release_id']}  run {r['run_id']}  built {r['built']}  {mark}".rstrip())
