# threaded_async: every command a user or CI needs. Each target installs what
# it needs first (make deps), so one command works on a fresh Debian machine.
#
#   make playground   build everything and serve the playground on :8000
#   make test         every test: native, wasm, playground
#   make cookbook     build and run the native cookbook programs
#   make bench        benchmarks (release build), writes build/bench/results.json
#   make install PREFIX=...   install the library and its CMake and pkg-config packages
#   make package      the Debian package (tests/package/package.mk)
#   make docs         the API reference in build/docs/html (docs/api/)

SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build/native

# Debian packages the build and tests need; included makefiles add theirs.
APT_PACKAGES := g++ cmake make libboost-context-dev libboost-dev nlohmann-json3-dev catch2 \
                libbenchmark-dev libasio-dev
# Test targets that `make test` runs after the native suite; included makefiles add theirs.
TEST_TARGETS := test-native

# Every build that this Makefile configures treats warnings in the project's
# own code as errors; the builds of users (subproject, install) do not.
CMAKE_WERROR := -DTHREADED_ASYNC_WERROR=ON

COOKBOOK := background events queues control-inversion errors stuck-loop network

.PHONY: all deps build test test-native cookbook clean

all: build

-include wasm/wasm.mk
-include playground/playground.mk
-include tests/bench/bench.mk
-include tests/reliability.mk
-include tests/package/package.mk
-include docs/api/docs.mk
-include tests/docs/docs.mk

deps:
	@bash .ci/deps.sh $(APT_PACKAGES)

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_WERROR) > /dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test-native: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

test: deps
	@$(MAKE) --no-print-directory $(TEST_TARGETS)

cookbook: build
	@for slug in $(COOKBOOK); do \
	  exe=$(BUILD)/native/examples/cookbook_$${slug//-/_}; \
	  if [ -x $$exe ]; then echo "== $$slug"; $$exe || exit 1; fi; \
	done

clean:
	rm -rf build
