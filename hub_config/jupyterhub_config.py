"""JupyterHub for nocta's analysts and portal readers (hub_config/README.md).

Driven by settings, not edits: $NOCTA_HUB_SETTINGS (a TOML file; settings.demo.toml for
`make hub`, settings.example.toml for production) and NOCTA_HUB__SECTION__KEY variables.
Secrets are files of mode 600 under hub.state_dir ($NOCTA_HOME/hub by default).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nocta_hub.config import configure

configure(get_config())  # noqa: F821 (get_config is given by JupyterHub)
