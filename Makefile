# OpenECF: `make run` brings the whole platform up on this machine; `make test` tests it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GOBIN := $(CURDIR)/.openecf/tools/bin
GRPCURL := $(GOBIN)/grpcurl
HELM := $(GOBIN)/helm
PROMTOOL := $(GOBIN)/promtool
PROMETHEUS_VERSION := v0.307.0

.PHONY: run test lint protos venv tools browser clean-data

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

# promtool for the alert tests. `go install` refuses Prometheus (replace directives in its
# go.mod), so the module is downloaded from the Go module proxy and built in a copy (cached).
$(PROMTOOL):
	@set -euo pipefail; \
	dir=$$(go mod download -json github.com/prometheus/prometheus@$(PROMETHEUS_VERSION) \
		| sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -n "$$dir" || { echo "go mod download gave no module folder" >&2; exit 1; }; \
	src=$(CURDIR)/.openecf/tools/src/prometheus-$(PROMETHEUS_VERSION); \
	rm -rf "$$src" && mkdir -p "$$(dirname "$$src")" && cp -R "$$dir" "$$src" && chmod -R u+w "$$src"; \
	cd "$$src" && GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" go build \
		-ldflags "-X github.com/prometheus/common/version.Version=$(PROMETHEUS_VERSION:v%=%)" \
		-o $(PROMTOOL) ./cmd/promtool

tools: $(GRPCURL) $(HELM) $(PROMTOOL)

# Debian's Chromium for the portal's browser tests (Playwright drives it; its own browser
# download does not work here). Runs apt-get (as root) only when a binary is missing.
browser:
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

run: $(STAMP)
	$(VENV)/bin/openecf stack up

test: $(STAMP) tools browser
	OPENECF_GRPCURL=$(GRPCURL) OPENECF_HELM=$(HELM) OPENECF_PROMTOOL=$(PROMTOOL) $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check services tests scripts
	$(VENV)/bin/ruff format --check services tests scripts
	$(VENV)/bin/mypy

protos: $(STAMP)
	$(PY) scripts/gen_protos.py

clean-data:
	rm -rf .openecf/postgres .openecf/kafka .openecf/logs .openecf/mail .openecf/demo-accounts.json
