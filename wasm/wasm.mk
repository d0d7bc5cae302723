# WebAssembly: the same library built with Debian's Emscripten 3.1.6 into
# build/wasm, run under Node (docs/wasm.md). Included by the root Makefile.
#
#   make wasm            configure and build the wasm tests, cookbook and bundle
#   make test-wasm       the Catch2 suites under Node (without [native-only]), the
#                        Asio bridge's among them, and the cookbook compared with
#                        the native programs (part of make test)
#   make cookbook-wasm   run the wasm cookbook programs, like make cookbook
#   make wasm-size       raw and gzip size of the browser bundle (ES module + .wasm + worker)
#   make test-wasm-browser  the bundle in headless Chromium (part of test-wasm)

APT_PACKAGES += emscripten nodejs chromium
TEST_TARGETS += test-wasm

WASM_BUILD ?= build/wasm
# em++ finds acorn here; Node 20 runs Emscripten 3.1.6 output only without fetch.
WASM_ENV := NODE_PATH=/usr/share/nodejs
WASM_NODE := node --no-experimental-fetch
WASM_BUNDLE := $(WASM_BUILD)/wasm/threaded_async_demo
# The cookbook programs built for WebAssembly: network needs sockets, which
# WebAssembly does not give Asio (docs/wasm.md).
COOKBOOK_WASM := $(filter-out network,$(COOKBOOK))

.PHONY: wasm test-wasm test-wasm-browser wasm-browser-npm cookbook-wasm wasm-size

wasm: deps
	@$(WASM_ENV) emcmake cmake -S . -B $(WASM_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_WERROR) > /dev/null
	@$(WASM_ENV) cmake --build $(WASM_BUILD) -j $(JOBS) --target threaded_async_wasm

test-wasm: wasm build
	@bash wasm/run_tests.sh $(WASM_BUILD) $(BUILD)
	@bash wasm/compare_cookbook.sh $(WASM_BUILD) $(BUILD) $(COOKBOOK_WASM)
	@$(MAKE) --no-print-directory test-wasm-browser

# playwright-core from the committed lock file, again only when the lock file
# changes (also for make bench's browser figures).
wasm-browser-npm:
	@command -v npm > /dev/null || bash .ci/deps.sh npm
	@cd wasm/browser && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
	  npm ci --no-audit --no-fund --loglevel=error; }

test-wasm-browser: wasm wasm-browser-npm
	@timeout 300 node wasm/browser/test_bundle.mjs $(dir $(WASM_BUNDLE))

cookbook-wasm: wasm
	@for slug in $(COOKBOOK_WASM); do \
	  js=$(WASM_BUILD)/native/examples/cookbook_$${slug//-/_}.js; \
	  if [ -f $$js ]; then echo "== $$slug"; $(WASM_NODE) $$js || exit 1; fi; \
	done

wasm-size: wasm
	@bash wasm/bundle_size.sh $(WASM_BUNDLE)
