# OpenECF: `make run` brings the whole platform up on this machine; `make test` tests it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GOBIN := $(CURDIR)/.openecf/tools/bin
GRPCURL := $(GOBIN)/grpcurl

.PHONY: run test lint protos venv tools clean-data

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# A real gRPC client for the smoke tests, built from the Go module proxy (cached).
$(GRPCURL):
	GOBIN=$(GOBIN) go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3

tools: $(GRPCURL)

run: $(STAMP)
	$(VENV)/bin/openecf stack up

test: $(STAMP) tools
	OPENECF_GRPCURL=$(GRPCURL) $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check services tests scripts
	$(VENV)/bin/ruff format --check services tests scripts
	$(VENV)/bin/mypy

protos: $(STAMP)
	$(PY) scripts/gen_protos.py

clean-data:
	rm -rf .openecf/postgres .openecf/kafka .openecf/logs .openecf/mail .openecf/demo-accounts.json
