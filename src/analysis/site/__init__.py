"""Build the static portal site from a run's results and publish it as an immutable release."""
