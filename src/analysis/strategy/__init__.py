"""The national strategy: its authors' plan (plan.yaml), objectives from the run's priorities,
targets from the forecasts, and the monitoring record each refresh adds to."""
