# Playground: the scenario engine (C++, built to wasm) and the web page.
# Included by the root Makefile.

# ---- web page: editor, runner, timeline (playground/web, playground/serve.mjs)
#
#   make playground               build everything and serve it on http://localhost:8000
#   make playground-static        build the site for any static host into build/playground/site
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

playground-static: playground-engine-wasm playground-npm
	@node $(PLAYGROUND_WEB)/build.mjs --out $(PLAYGROUND_SITE)

playground: build playground-static
	@node playground/serve.mjs --root $(PLAYGROUND_SITE) --host $(PLAYGROUND_HOST) --port $(PLAYGROUND_PORT)

test-playground-browser: playground-static
	@timeout 900 node --test playground/tests/browser/page-logic.test.mjs \
	  playground/tests/browser/playground.test.mjs
