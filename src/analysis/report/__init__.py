"""Render reports/ sources over a run's results: Jinja2 -> Pandoc -> HTML, and Typst -> PDF."""
