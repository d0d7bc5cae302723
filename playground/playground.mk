# Playground: the scenario engine (C++, built to wasm) and the web page.
# Included by the root Makefile.

# ---- web page: editor, runner, timeline (playground/web, playground/serve.mjs)
#
#   make playground               build everything and serve it on http://localhost:8000
#   make playground-static        build the site for any static host into build/playground/site,
#                                 with the API reference (make docs) at api/
#   make test-playground-browser  headless Chromium runs the page (part of make test)

APT_PACKAGES += nodejs chromium
TEST_TARGETS += test-playground-browser

PLAYGROUND_WEB := playground/web
PLAYGROUND_SITE := build/playground/site
PLAYGROUND_HOST ?= 127.0.0.1
PLAYGROUND_PORT ?= 8000

.PHONY: playground playground-static playground-npm test-playground-browser

# npm ci from the committed lock file, again only when the lock file changes.
playground-npm: deps
	@command -v npm > /dev/null || bash .ci/deps.sh npm
	@cd $(PLAYGROUND_WEB) && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
	  npm ci --no-audit --no-fund --loglevel=error; }

# The API reference (make docs) goes beside the page, at api/.
playground-static: playground-engine-wasm playground-npm docs
	@node $(PLAYGROUND_WEB)/build.mjs --out $(PLAYGROUND_SITE)
	@rm -rf $(PLAYGROUND_SITE)/api && cp -r $(DOCS_BUILD)/html $(PLAYGROUND_SITE)/api

playground: build playground-static
	@node playground/serve.mjs --root $(PLAYGROUND_SITE) --host $(PLAYGROUND_HOST) --port $(PLAYGROUND_PORT)

test-playground-browser: playground-static
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || \
	  { echo "test-playground-browser: playwright-core needs Node 20 or newer (node is $$(node --version))"; exit 1; }
	@timeout 900 node --test playground/tests/browser/page-logic.test.mjs \
	  playground/tests/browser/playground.test.mjs

# ---- scenario engine (playground/engine, playground/scenarios, playground/schema)
#
#   make playground-engine-wasm   the engine as a wasm module in build/wasm-playground
#   make test-playground-cli      the native CLI runs every scenario against its expected
#                                 output, plus the engine's unit tests (part of make test)
#   make test-playground-engine-wasm   the wasm module, under Node, runs every scenario
#                                 through the page's entry points (part of make test)

APT_PACKAGES += nlohmann-json3-dev emscripten python3-jsonschema
TEST_TARGETS += test-playground-cli test-playground-engine-wasm

PLAYGROUND_ENGINE_BUILD := build/engine
PLAYGROUND_WASM_BUILD := build/wasm-playground

.PHONY: playground-engine playground-engine-wasm test-playground-cli test-playground-engine-wasm

playground-engine: deps
	@cmake -S . -B $(PLAYGROUND_ENGINE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_WERROR) \
	  -DTHREADED_ASYNC_EXAMPLES=OFF -DTHREADED_ASYNC_SCENARIO_PROGRAMS=ON > /dev/null
	@cmake --build $(PLAYGROUND_ENGINE_BUILD) -j $(JOBS) --target ta_scenario playground_engine_tests \
	  playground_cpp_programs

test-playground-cli: playground-engine
	@cd $(PLAYGROUND_ENGINE_BUILD) && ctest --output-on-failure --timeout 300 -R '^playground_'

playground-engine-wasm: deps
	@NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B $(PLAYGROUND_WASM_BUILD) \
	  -DCMAKE_BUILD_TYPE=Release $(CMAKE_WERROR) -DTHREADED_ASYNC_TESTS=OFF \
	  -DTHREADED_ASYNC_EXAMPLES=OFF > /dev/null
	@NODE_PATH=/usr/share/nodejs cmake --build $(PLAYGROUND_WASM_BUILD) -j $(JOBS) \
	  --target playground_engine

test-playground-engine-wasm: playground-engine-wasm
	@timeout 300 node --no-experimental-fetch playground/engine/tests/wasm_scenarios.cjs \
	  $(PLAYGROUND_WASM_BUILD)/playground_engine.js playground/scenarios
