# The portal targets (issue 9), included from the top Makefile after hub.mk. `make serve` runs
# the demo hub (python -m nocta_hub demo) with its `portal` service enabled: the hub starts
# this checkout's portal (python -m analysis.portal serve) and proxies /services/portal/ to it.
PORTAL_PORT ?= 8020
PORTAL_SETTINGS = NOCTA_HUB__PORTAL__ENABLED=true \
	NOCTA_HUB__PORTAL__URL=http://127.0.0.1:$(PORTAL_PORT) \
	NOCTA_HUB__PORTAL__COMMAND='["$(CURDIR)/$(BIN)/python", "-m", "analysis.portal", "serve"]'

.PHONY: serve portal-bench screenshots

serve: setup hub-setup ## Start hub, proxy and portal on loopback; print the portal URL and demo accounts
	@test -e "$(NOCTA_HOME)/site/current" || { echo "make serve: nothing published in $(NOCTA_HOME)/site: run make demo first" >&2; exit 1; }
	@$(PORTAL_SETTINGS) NOCTA_HUB_SETTINGS=$${NOCTA_HUB_SETTINGS:-hub_config/settings.demo.toml} \
	  PYTHONPATH=$(CURDIR)/hub_config $(BIN)/python -c \
	  "from nocta_hub.settings import load; print('\nPortal:', load()['hub']['public_url'] + 'services/portal/')"
	$(PORTAL_SETTINGS) PYTHONPATH=$(CURDIR)/hub_config $(BIN)/python -m nocta_hub demo

# `make bench` also prints the portal's rows (requests per second, p99) before its own
bench: portal-bench

portal-bench: setup hub-setup
	$(BIN)/python -c "import sys; sys.path.insert(0, 'bench'); import portal_bench; portal_bench.main()"

screenshots: setup hub-setup ## Regenerate the guides' pictures from the demo's portal (after make demo)
	@test -e "$(NOCTA_HOME)/site/current" || { echo "make screenshots: nothing published in $(NOCTA_HOME)/site: run make demo first" >&2; exit 1; }
	NOCTA_DEMO_HOME=$(NOCTA_HOME) $(BIN)/python -m pytest -q tests/test_portal_browser.py
