"""nocta's JupyterHub configuration as code: settings, roles, authenticators, spawner, demo."""
