"""`python -m analysis.portal serve`: the command the hub runs for its managed `portal` service."""

from analysis.portal.commands import portal

if __name__ == "__main__":
    portal(prog_name="python -m analysis.portal")
