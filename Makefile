# OpenECF: `make run` brings the whole platform up on this machine; `make test` tests it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TOOLS := $(CURDIR)/.openecf/tools
GRPCURL := $(TOOLS)/bin/grpcurl
HELM := $(TOOLS)/bin/helm
PROMTOOL := /usr/bin/promtool
# What is built or installed once per machine and shared by its checkouts (uv, Go and Rust tools).
MACHINE_CACHE := $(HOME)/.cache/openecf
GECKODRIVER := $(TOOLS)/bin/geckodriver
GECKODRIVER_VERSION := 0.37.1
AXE := $(TOOLS)/axe/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1

.PHONY: run setup test lint protos venv tools grpcurl browser-tools packages image-base image bench faults clean-data

# uv (from PyPI, pinned) makes the venv: it links each package from its cache, which is the
# machine's (~/.cache/uv), instead of unpacking every file as pip does, and compiles them on
# both cores; a fresh clone's venv on a warm machine takes 7 s instead of 55
# (docs/test-time.md). It is installed once per machine beside the Rust builds' folder, with
# the Python that makes the venv. The venv still gets pip, as a venv pip made would have it (the
# image's build installs with pip). System certificates (--native-tls), as pip uses them: a
# TLS-inspecting proxy's CA.
UV_VERSION := 0.13.9
UV_HOME := $(MACHINE_CACHE)/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
$(UV):
	@mkdir -p $(dir $(UV_HOME))
	@tmp=$$(mktemp -d $(UV_HOME).XXXXXX) && trap 'rm -rf "$$tmp"' EXIT \
		&& $(PYTHON) -m venv $$tmp/venv \
		&& $$tmp/venv/bin/python -m pip install --quiet --disable-pip-version-check \
			--target $$tmp/uv uv==$(UV_VERSION) \
		&& { mv -T $$tmp/uv $(UV_HOME) 2>/dev/null || test -x $(UV); }

# The venv, with the given extras of pyproject.toml, every version from constraints.txt.
define install_venv
	@test -x $(PY) || $(UV) venv --quiet --python "$$(command -v $(PYTHON))" $(VENV)
	$(UV) pip install --quiet --native-tls --compile-bytecode --python $(PY) \
		--constraint constraints.txt --editable '.[$(1)]' pip==26.3
endef

# What `make run` needs: the platform and its local stack, without the tests' and linters'
# tools (half the packages).
RUN_STAMP := $(VENV)/.installed-run
$(RUN_STAMP): pyproject.toml constraints.txt | $(UV)
	$(call install_venv,stack$(comma)ocr)
	@touch $@

# Everything else (tests, lint, benchmarks, protos) takes the dev tools as well; a venv that
# has them has what `make run` needs.
$(STAMP): pyproject.toml constraints.txt | $(UV)
	$(call install_venv,dev$(comma)stack$(comma)ocr)
	@touch $(RUN_STAMP) $(STAMP)

venv: $(STAMP)

# The Go tools are built without debug information: the tests never debug them, and Helm's
# build takes about a seventh less CPU without it (docs/test-time.md).
GO_TOOL_FLAGS := -gcflags=all=-dwarf=false -ldflags='-s -w'

# Tools built from source are built once per machine, by version, under ~/.cache/openecf/ (as
# uv is), and the checkout's .openecf/tools/bin links to them: a fresh clone on a warm machine
# builds nothing (linking Helm again had cost 5 CPU-s a clone).
GRPCURL_VERSION := v1.9.3
HELM_VERSION := v4.3.1
BUILT_GRPCURL := $(MACHINE_CACHE)/grpcurl-$(GRPCURL_VERSION)/grpcurl
BUILT_HELM := $(MACHINE_CACHE)/helm-$(HELM_VERSION)/helm
BUILT_GECKODRIVER := $(MACHINE_CACHE)/geckodriver-$(GECKODRIVER_VERSION)/bin/geckodriver

# A real gRPC client for the smoke tests, built from the Go module proxy.
$(BUILT_GRPCURL):
	GOBIN=$(@D) go install $(GO_TOOL_FLAGS) \
		github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)

# Helm 4 for the chart tests, built from the Go module proxy.
$(BUILT_HELM):
	GOBIN=$(@D) go install $(GO_TOOL_FLAGS) helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)

# The browser tests' WebDriver for Firefox ESR, built from crates.io (its build folder is the
# machine's too). An unoptimised build without debug information takes half the CPU of a
# release build, and the driver only relays the tests' commands to Firefox.
$(BUILT_GECKODRIVER):
	CARGO_TARGET_DIR=$(MACHINE_CACHE)/cargo-target CARGO_PROFILE_DEV_DEBUG=0 \
		cargo install --debug --quiet --locked --root $(MACHINE_CACHE)/geckodriver-$(GECKODRIVER_VERSION) \
		geckodriver@$(GECKODRIVER_VERSION)

$(GRPCURL): $(BUILT_GRPCURL)
$(HELM): $(BUILT_HELM)
$(GECKODRIVER): $(BUILT_GECKODRIVER)
$(GRPCURL) $(HELM) $(GECKODRIVER):
	@mkdir -p $(@D) && ln -sfn $< $@

# axe-core from npm, injected into every page by the browser tests' accessibility check.
$(AXE):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS)/axe axe-core@$(AXE_VERSION)

browser-tools: packages $(GECKODRIVER) $(AXE)

tools: $(GRPCURL) $(HELM) packages browser-tools

# The README's gRPC client, alone (make test builds it with the other tools).
grpcurl: $(GRPCURL)

# Tools from Debian's packages (promtool for the alert tests; Chromium, Firefox ESR and
# WebKitGTK, with an X server for it and its Python bindings for the tests' toolbar-less shell,
# for the portal's browser tests; a PostgreSQL built with OpenSSL for the database TLS and
# restore-drill tests; tesseract with its English data, ghostscript and qpdf for OCRmyPDF, which
# gives paper filings their text layer): apt-get runs (as root) only when one is missing, so a
# warm machine skips it.
DEBIAN_TOOLS := /usr/bin/promtool:prometheus /usr/bin/chromium:chromium \
	/usr/bin/chromedriver:chromium-driver /usr/bin/firefox-esr:firefox-esr \
	/usr/bin/WebKitWebDriver:webkit2gtk-driver /usr/bin/Xvfb:xvfb /usr/bin/mmdebstrap:mmdebstrap \
	/usr/lib/x86_64-linux-gnu/girepository-1.0/WebKit2-4.1.typelib:gir1.2-webkit2-4.1 \
	/usr/lib/python3/dist-packages/gi/__init__.py:python3-gi \
	/usr/bin/buildah:buildah /usr/bin/podman:podman \
	/usr/lib/postgresql/15/bin/postgres:postgresql-15 /usr/bin/tesseract:tesseract-ocr \
	/usr/share/tesseract-ocr/5/tessdata/eng.traineddata:tesseract-ocr-eng /usr/bin/gs:ghostscript \
	/usr/bin/qpdf:qpdf
packages:
	@missing=$$(for pair in $(DEBIAN_TOOLS); do test -e $${pair%%:*} || echo $${pair#*:}; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$$missing >/dev/null; \
	fi

# The image (deploy/docker/Dockerfile), built here with no Docker engine and no registry: a
# base root filesystem from Debian's packages (mmdebstrap, made only when podman has no base
# image yet), imported as a local base image, then the Dockerfile built on it with
# buildah. Courts build the same Dockerfile on the default public base (README, chart README).
IMAGE ?= localhost/openecf:dev
IMAGE_BASE := localhost/debian-base:bookworm
IMAGE_BASE_TAR := .openecf/image/debian-bookworm.tar
IMAGE_BASE_PACKAGES := python3,python3-venv,python-is-python3,passwd,tzdata,ca-certificates
# The origin remote without any user or token in it (a label is public), or this folder.
IMAGE_SOURCE ?= $(or $(shell git config --get remote.origin.url | sed -E 's#://[^@/]*@#://#'),file://$(CURDIR))
IMAGE_REVISION ?= $(shell git rev-parse HEAD)
# The machine's CA bundle, as a build secret pip trusts (a TLS-inspecting proxy's CA); it is
# never written into a layer.
IMAGE_CA ?= /etc/ssl/certs/ca-certificates.crt
comma := ,
IMAGE_SECRET := $(if $(wildcard $(IMAGE_CA)),--secret id=pip_ca$(comma)src=$(IMAGE_CA))

$(IMAGE_BASE_TAR):
	@mkdir -p $(@D)
	mmdebstrap --quiet --format=tar --variant=apt --include=$(IMAGE_BASE_PACKAGES) \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
		bookworm $@.part http://deb.debian.org/debian \
		'deb http://deb.debian.org/debian-security bookworm-security main'
	mv $@.part $@

# Labels are given twice: as build arguments (what a Docker build reads) and with --label,
# because buildah 1.28 reuses a cached LABEL step when only a build argument changed.
# The base is made once per machine: a fresh clone reuses podman's local base image (remove it,
# `podman rmi localhost/debian-base:bookworm`, to take Debian's newer packages).
# `make image WITH_OCR=1` adds paper filings' OCR (OCRmyPDF, tesseract) to the image.
WITH_OCR ?=
image-base: packages
	@podman image exists $(IMAGE_BASE) || { $(MAKE) --no-print-directory $(IMAGE_BASE_TAR) \
		&& podman import --quiet $(IMAGE_BASE_TAR) $(IMAGE_BASE); }

image: image-base
	buildah bud --quiet --isolation chroot --layers \
		$(IMAGE_SECRET) \
		--build-arg PYTHON_IMAGE=$(IMAGE_BASE) \
		--build-arg REVISION=$(IMAGE_REVISION) --build-arg SOURCE=$(IMAGE_SOURCE) \
		--build-arg WITH_OCR=$(WITH_OCR) \
		--label org.opencontainers.image.revision=$(IMAGE_REVISION) \
		--label org.opencontainers.image.source=$(IMAGE_SOURCE) \
		-f deploy/docker/Dockerfile -t $(IMAGE) .

run: $(RUN_STAMP)
	$(VENV)/bin/openecf stack up

# Everything the tests need, installed side by side (-j): on a fresh machine the Go and Rust
# builds, pip's and apt-get's downloads and the image's Debian base overlap instead of
# queueing (a warm machine finds them all done in a second).
setup:
	@$(MAKE) --no-print-directory -j4 $(STAMP) tools image-base

# Three pytest workers (pytest-xdist), each with a stack of its own: much of a test is waiting
# on its stack's round trips, so a third worker fills the two cores that two leave a third idle
# (four are slower again). A test file stays on one worker, so its module fixtures start once.
# PYTEST_WORKERS=0 runs in this process. The 25 slowest steps are listed at the end: where the
# suite's time goes (issue 14); PYTEST_ARGS='-p support.cpu_by_file' adds the CPU each test file
# cost (tests/support/cpu_by_file.py).
# Compiled files are written even where the machine sets PYTHONDONTWRITEBYTECODE (this one
# does): a run starts about a hundred Python processes of the checkout's code, and each worker
# rewrites the asserts of every test module it collects (5.4 → 2.9 CPU-s a worker).
PYTEST_WORKERS ?= 3
test: setup
	PYTHONDONTWRITEBYTECODE= OPENECF_GRPCURL=$(GRPCURL) OPENECF_HELM=$(HELM) OPENECF_PROMTOOL=$(PROMTOOL) \
		OPENECF_GECKODRIVER=$(GECKODRIVER) OPENECF_AXE=$(AXE) OPENECF_UV=$(UV) \
		$(PY) -m pytest -q \
		-n $(PYTEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check services tests scripts bench
	$(VENV)/bin/ruff format --check services tests scripts bench
	$(VENV)/bin/mypy

# Every benchmark under bench/, one table at the end (see bench/README.md).
bench: setup
	$(PY) bench/run_all.py

# The fault-injection suite at full size (tests/faults; `make test` runs it with 150 filings and
# seed 19): two replicas of everything, 1,000 filings while every kind of process is SIGKILLed
# and restarted, then exact accounting. A new seed each run unless FAULTS_SEED=N is given
# (the run prints its seed; the same seed replays the same schedule). Its own pytest folder: a
# test session started meanwhile resets .openecf/pytest, the stack's data with it.
FAULTS_FILINGS ?= 1000
faults: $(STAMP)
	OPENECF_FAULTS_FILINGS=$(FAULTS_FILINGS) OPENECF_FAULTS_SEED=$(or $(FAULTS_SEED),$$RANDOM) \
		$(PY) -m pytest -q -s --basetemp=.openecf/pytest-faults tests/faults/test_faults.py

protos: $(STAMP)
	$(PY) scripts/gen_protos.py

clean-data:
	rm -rf .openecf/postgres .openecf/kafka .openecf/logs .openecf/mail .openecf/demo-accounts.json
