"""nocta: the analytics workspace behind Romania's National Organised Crime Threat Assessment."""

__version__ = "0.1.0"
