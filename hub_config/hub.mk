# The JupyterHub targets (hub_config/README.md), included from the top Makefile, which defines
# BIN, VENV and NOCTA_HOME. configurable-http-proxy comes from npm, pinned by
# hub_config/proxy/package-lock.json, into the project-local .hub/ (outside git and .venv).
HUB_DIR := .hub
HUB_STAMP := $(HUB_DIR)/.installed
HUB_PROXY := hub_config/proxy
# The servers' Python: every analyst's unix user must be able to execute it, and .venv's
# interpreter lives under /root (0700). Same lock, same editable project, same `nocta` kernel.
HUB_VENV := $(HUB_DIR)/venv
HUB_VENV_STAMP := $(HUB_DIR)/.venv-installed
HUB_SERVER_PYTHON ?= /usr/bin/python3.11

# axe-core (npm, pinned by tests/axe/package-lock.json) for the browser test's accessibility
# checks, into .hub/axe/ beside the proxy
AXE_DIR := $(HUB_DIR)/axe
AXE_STAMP := $(AXE_DIR)/.installed

.PHONY: hub-setup hub hub-clean

$(AXE_STAMP): tests/axe/package.json tests/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make hub-setup: npm (Node.js 20+) is needed for axe-core" >&2; exit 1; }
	@mkdir -p $(AXE_DIR) && echo '*' > $(HUB_DIR)/.gitignore
	cp tests/axe/package.json tests/axe/package-lock.json $(AXE_DIR)/
	npm ci --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

$(HUB_STAMP): $(HUB_PROXY)/package.json $(HUB_PROXY)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make hub-setup: npm (Node.js 20+) is needed for configurable-http-proxy" >&2; exit 1; }
	@command -v useradd >/dev/null 2>&1 || { echo "make hub-setup: useradd (Debian: passwd) is needed to create the analysts' unix users" >&2; exit 1; }
	@mkdir -p $(HUB_DIR) && echo '*' > $(HUB_DIR)/.gitignore
	cp $(HUB_PROXY)/package.json $(HUB_PROXY)/package-lock.json $(HUB_DIR)/
	npm ci --prefix $(HUB_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

HUB_KERNEL_FILES := hub_config/kernel/nocta_memory_notice.py hub_config/kernel/ipython_kernel_config.py

$(HUB_VENV_STAMP): $(STAMP) requirements.lock pyproject.toml hub_config/lab-overrides.json $(HUB_KERNEL_FILES)
	@test -x $(HUB_SERVER_PYTHON) || { echo "make hub-setup: $(HUB_SERVER_PYTHON) is needed (Debian: python3.11) for the analysts' servers" >&2; exit 1; }
	@mkdir -p $(HUB_DIR) && echo '*' > $(HUB_DIR)/.gitignore
	@test -x $(HUB_VENV)/bin/python || $(UV) venv --quiet --python $(HUB_SERVER_PYTHON) $(HUB_VENV)
	$(UV) pip sync --quiet --python $(HUB_VENV)/bin/python requirements.lock
	$(UV) pip install --quiet --python $(HUB_VENV)/bin/python --no-deps -e .
	-@$(UV) pip uninstall --quiet --python $(HUB_VENV)/bin/python rfc3987-syntax 2>/dev/null
	$(HUB_VENV)/bin/python -m ipykernel install --sys-prefix --name nocta --display-name "nocta (Python 3.11)" >/dev/null
	@# the intranet has no internet: JupyterLab neither asks about news nor checks for updates
	install -D -m 644 hub_config/lab-overrides.json $(HUB_VENV)/share/jupyter/lab/settings/overrides.json
	@# a new kernel says when the one before it was stopped by the memory limit
	install -D -m 644 hub_config/kernel/nocta_memory_notice.py $$($(HUB_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/nocta_memory_notice.py
	install -D -m 644 hub_config/kernel/ipython_kernel_config.py $(HUB_VENV)/etc/ipython/ipython_kernel_config.py
	@touch $@

hub-setup: $(HUB_STAMP) $(HUB_VENV_STAMP) $(AXE_STAMP) ## Install configurable-http-proxy and axe-core (npm) and the servers' Python env into .hub/

hub: setup hub-setup ## Start JupyterHub on 127.0.0.1 with demo accounts (URL and passwords printed)
	PYTHONPATH=$(CURDIR)/hub_config $(BIN)/python -m nocta_hub demo

hub-clean: ## Remove the unix users and group the demo hub created (nocta-*, nocta-data)
	@getent passwd | awk -F: '$$5 ~ /^nocta hub user / {print $$1}' | xargs -r -n1 userdel
	-@groupdel nocta-data 2>/dev/null
