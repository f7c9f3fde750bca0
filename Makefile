# OpenECF: `make run` brings the whole platform up on this machine; `make test` tests it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GOBIN := $(CURDIR)/.openecf/tools/bin
GRPCURL := $(GOBIN)/grpcurl
HELM := $(GOBIN)/helm
PROMTOOL := /usr/bin/promtool

.PHONY: run test lint protos venv tools packages bench clean-data

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet --constraint constraints.txt --editable '.[dev,stack]'
	@touch $(STAMP)

venv: $(STAMP)

# A real gRPC client for the smoke tests, built from the Go module proxy (cached).
$(GRPCURL):
	GOBIN=$(GOBIN) go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3

# Helm 4 for the chart tests, built from the Go module proxy (cached).
$(HELM):
	GOBIN=$(GOBIN) go install helm.sh/helm/v4/cmd/helm@v4.3.1

tools: $(GRPCURL) $(HELM) packages

# Tools from Debian's packages (promtool for the alert tests, Chromium for the portal's
# browser tests): apt-get runs (as root) only when one is missing, so a warm machine skips it.
DEBIAN_TOOLS := /usr/bin/promtool:prometheus /usr/bin/chromium:chromium \
	/usr/bin/chromedriver:chromium-driver
packages:
	@missing=$$(for pair in $(DEBIAN_TOOLS); do test -x $${pair%%:*} || echo $${pair#*:}; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$$missing >/dev/null; \
	fi

run: $(STAMP)
	$(VENV)/bin/openecf stack up

test: $(STAMP) tools
	OPENECF_GRPCURL=$(GRPCURL) OPENECF_HELM=$(HELM) OPENECF_PROMTOOL=$(PROMTOOL) $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check services tests scripts bench
	$(VENV)/bin/ruff format --check services tests scripts bench
	$(VENV)/bin/mypy

# Every benchmark under bench/, one table at the end (see bench/README.md).
bench: $(STAMP) tools
	$(PY) bench/run_all.py

protos: $(STAMP)
	$(PY) scripts/gen_protos.py

clean-data:
	rm -rf .openecf/postgres .openecf/kafka .openecf/logs .openecf/mail .openecf/demo-accounts.json
