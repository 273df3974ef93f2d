# LLM gateway: build, run and test.
#
#   make run                 build (release), install the adapters into plugins.d/, start the gateway on :8080
#   make build               release build + adapters into plugins.d/
#   make test                system packages, .venv, debug build with tests, swift test, the Python e2e and browser tests
#   make test-swift          only `swift test` (after a build: make build-tests)
#   make test-e2e            only the Python end-to-end tests (after a build: make build-tests)
#   make test-browser        only the console's browser tests (after a build: make build-tests)
#   make install-adapters CONFIG=debug|release
#   make clean               build products and the installed adapters (keeps dependency checkouts)
#   make distclean           clean + .build/ and .venv/ entirely
#   make bench               benchmark: mock / nginx / LiteLLM / gateway (docs/performance.md)
#   make bench-check         the same rig for a second per scenario (checks that `make bench` starts)
#   make bench-micro         micro-benchmarks of the adapter path (bench/micro, ordo-one/benchmark)
#
# Variables: SWIFT (swift), CONFIG (release), PYTHON (python3), SWIFT_BUILD_FLAGS, PYTEST_ARGS, BENCH_ARGS.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
PYTHON ?= python3
CONFIG ?= release
SWIFT_BUILD_FLAGS ?=
PYTEST_ARGS ?=
DEPS_EXTRA ?=

VENV := .venv
E2E_REQUIREMENTS := Tests/e2e/requirements.txt
PLUGINS_DIR := plugins.d
ADAPTER_FILES := openai.so deepseek.so glm.so anthropic.so
# Shipped adapters and their checker samples (Tests/Fixtures/adapter-samples/<name>), checked by `make test-adapters`.
CHECKED_ADAPTERS := OpenAIAdapter:openai DeepSeekAdapter:deepseek GLMAdapter:glm AnthropicAdapter:anthropic

export PYTHON

# Prints a section header: $(call header,Text)
define header
	@printf '\n==== %s ====\n' "$(1)"
endef

.PHONY: help run build install-adapters deps venv build-tests test test-swift test-e2e test-browser test-adapters clean distclean bench bench-check bench-micro

help:
	@sed -n '3,17p' Makefile | sed 's/^# \{0,1\}//'

## ---------------------------------------------------------------------------------------------
## Run

deps:
	$(call header,System packages)
	@scripts/ensure-system-deps.sh $(DEPS_EXTRA)

build: deps
	$(call header,swift build -c release)
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)
	@$(MAKE) --no-print-directory install-adapters CONFIG=release

install-adapters:
	$(call header,Install $(CONFIG) adapters into $(PLUGINS_DIR)/)
	@bin_dir="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)"; \
	scripts/install-adapters.sh "$$bin_dir" "$(PLUGINS_DIR)"

run: build
	$(call header,Start the gateway)
	@bin_dir="$$($(SWIFT) build -c release --show-bin-path)"; \
	args=(serve); \
	if [ -f config.yaml ]; then args+=(--config config.yaml); fi; \
	echo "exec $$bin_dir/gateway $${args[*]}  (console and API on http://localhost:8080 unless config.yaml says otherwise)"; \
	exec "$$bin_dir/gateway" "$${args[@]}"

## ---------------------------------------------------------------------------------------------
## Test

venv:
	$(call header,Python test environment ($(VENV)))
	@scripts/setup-venv.sh "$(VENV)" "$(E2E_REQUIREMENTS)"

# Debug only: the tests and the e2e binaries come from the same build.
build-tests: deps
	$(call header,swift build --build-tests (debug))
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(call header,Install debug adapters into the test plugins folder)
	@bin_dir="$$($(SWIFT) build --show-bin-path)"; \
	scripts/install-adapters.sh "$$bin_dir" "$$bin_dir/test-plugins"

test-swift:
	$(call header,swift test (XCTest and Swift Testing))
	@bin_dir="$$($(SWIFT) build --show-bin-path)"; \
	GATEWAY_TEST_PLUGINS="$$bin_dir/test-plugins" $(SWIFT) test --skip-build

test-e2e:
	$(call header,Python end-to-end tests (pytest + openai SDK))
	@bin_dir="$$($(SWIFT) build --show-bin-path)"; \
	GATEWAY_BIN="$$bin_dir/gateway" \
	MOCK_BIN="$$bin_dir/mock-provider" \
	GATEWAY_TEST_PLUGINS="$$bin_dir/test-plugins" \
	"$(VENV)/bin/python" -m pytest -q Tests/e2e $(PYTEST_ARGS)

# The admin console in headless Chromium (Selenium); screenshots go to test-output/screenshots/.
test-browser:
	$(call header,Browser tests of the admin console (headless Chromium + Selenium))
	@bin_dir="$$($(SWIFT) build --show-bin-path)"; \
	GATEWAY_BIN="$$bin_dir/gateway" \
	MOCK_BIN="$$bin_dir/mock-provider" \
	GATEWAY_TEST_PLUGINS="$$bin_dir/test-plugins" \
	"$(VENV)/bin/python" -m pytest -q -s Tests/browser $(PYTEST_ARGS)

# `gateway adapter check` over each shipped adapter, then the plain-C example (examples/ollama) built and checked
# the way a third party would: make -C examples/ollama check.
test-adapters:
	$(call header,Conformance checker: shipped adapters and examples/ollama)
	@bin_dir="$$($(SWIFT) build --show-bin-path)"; status=0; \
	for pair in $(CHECKED_ADAPTERS); do \
		product=$${pair%%:*}; name=$${pair##*:}; \
		echo "-- $$name"; \
		"$$bin_dir/gateway" adapter check "$$bin_dir/lib$$product.so" --samples "Tests/Fixtures/adapter-samples/$$name" > "$$bin_dir/check-$$name.txt" \
			&& tail -n 2 "$$bin_dir/check-$$name.txt" || { cat "$$bin_dir/check-$$name.txt"; status=1; }; \
	done; \
	echo "-- examples/ollama"; \
	$(MAKE) --no-print-directory -C examples/ollama BUILD="$$bin_dir/examples/ollama" GATEWAY="$$bin_dir/gateway" check || status=1; \
	exit $$status

# The e2e tests also need curl (README walkthrough) and a C compiler (the adapter in docs/plugins.md);
# the browser tests need Chromium, its driver and a font with Chinese glyphs for the screenshots.
test: DEPS_EXTRA := curl gcc libc6-dev chromium chromium-driver fonts-wqy-microhei

# Both test phases run even when the first fails, so one run shows every failure; the exit status
# is non-zero when either failed.
test: deps venv build-tests
	@swift_status=0; e2e_status=0; browser_status=0; adapters_status=0; \
	$(MAKE) --no-print-directory test-swift || swift_status=$$?; \
	$(MAKE) --no-print-directory test-adapters || adapters_status=$$?; \
	$(MAKE) --no-print-directory test-e2e || e2e_status=$$?; \
	$(MAKE) --no-print-directory test-browser || browser_status=$$?; \
	printf '\n==== Summary ====\n'; \
	if [ $$swift_status -eq 0 ]; then echo "swift test:  passed"; else echo "swift test:  FAILED"; fi; \
	if [ $$adapters_status -eq 0 ]; then echo "adapters:    passed"; else echo "adapters:    FAILED"; fi; \
	if [ $$e2e_status -eq 0 ]; then echo "e2e pytest:  passed"; else echo "e2e pytest:  FAILED"; fi; \
	if [ $$browser_status -eq 0 ]; then echo "browser:     passed"; else echo "browser:     FAILED"; fi; \
	[ $$swift_status -eq 0 ] && [ $$e2e_status -eq 0 ] && [ $$browser_status -eq 0 ] && [ $$adapters_status -eq 0 ]

## ---------------------------------------------------------------------------------------------
## Benchmark (issue 6, docs/performance.md). Not part of `make test`.

# Options for bench/bench.py, e.g. BENCH_ARGS="--no-litellm" or BENCH_ARGS="--seconds 10".
BENCH_ARGS ?=
# Options for `swift package benchmark`, e.g. BENCH_MICRO_ARGS="--filter openai".
BENCH_MICRO_ARGS ?=

# Release build (as `make build`), then bench/run.sh installs nginx, wrk and LiteLLM (bench/.venv) when
# missing, runs every scenario on loopback, prints the table and writes bench/results/latest.{md,json}.
bench: deps
	$(call header,swift build -c release)
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)
	$(call header,Benchmark: mock directly / nginx proxy / LiteLLM / gateway)
	@bin_dir="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	bench/run.sh --bin-dir "$$bin_dir" $(BENCH_ARGS)

# The same rig for 0.5-1 s per scenario with 20 slow streams and no LiteLLM (~15 s), on the debug build that
# `make build-tests` made: proves `make bench` starts. Its figures mean nothing; it writes nothing
# to bench/results.
bench-check:
	$(call header,Benchmark dry run (debug build))
	@bin_dir="$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	bench/run.sh --bin-dir "$$bin_dir" --dry-run --no-litellm

# Micro-benchmarks of the adapter path (separate package bench/micro, ordo-one/benchmark with malloc counts).
bench-micro:
	$(call header,swift build -c release (adapters))
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)
	$(call header,Micro-benchmarks: adapter path)
	@bin_dir="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	cd bench/micro && ADAPTER_DIR="$$bin_dir" $(SWIFT) package benchmark --no-progress $(BENCH_MICRO_ARGS)

## ---------------------------------------------------------------------------------------------
## Clean

clean:
	$(call header,Clean)
	$(SWIFT) package clean
	rm -f $(addprefix $(PLUGINS_DIR)/,$(ADAPTER_FILES))
	rm -rf test-output

distclean: clean
	rm -rf .build $(VENV)
