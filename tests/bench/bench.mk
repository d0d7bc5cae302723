# Benchmarks (tests/bench), included by the root Makefile.
#
#   make bench   release build in build/bench, the whole suite (the library and
#                its peers in one run, medians), a table on stdout and
#                build/bench/results.json, and SVG plots of it (contention.svg,
#                scaling.svg in build/bench: tests/bench/plot_results.py);
#                docs/performance.md explains it.
#
# The WebAssembly figures come from the same portable benchmarks built with
# Emscripten in build/bench/wasm and run under Node and in headless Chromium
# (wasm/browser/run_program.mjs, with playwright-core from npm); the same build
# makes the browser bundle's demo, whose .wasm is weighed (wasm_bundle_bytes).
# If that build fails the native suite still runs and says that wasm was not
# measured.
# `make bench BENCH_WASM=0` leaves the WebAssembly build out (its link takes
# about ten minutes on a small machine) and measures native only.
#
# The suite runs at normal priority, as users' programs do, and results.json
# says so ("priority": "normal"); the load average before and after is
# recorded beside it, since on a shared machine other people's builds take
# cores from the hand-overs. `make bench BENCH_ARGS="--busy --realtime"` (as
# root) measures at real-time priority instead, what an otherwise idle machine
# would show, and results.json then says "priority": "realtime".

# --busy (on by default) also measures the cross-thread hand-overs, the
# library's and the peers', on a busy machine: in a child process at normal
# priority while one thread per core spins (results.json: busy_*).
#
# `make test` times nothing: CTest's bench_smoke runs the suite once at tiny
# sizes, so the benchmarks keep working.

# libboost-fiber-dev: Boost.Fiber, the fiber library peer (ping-pong and contention).
# python3: runs the Python original, the seed's library, as a peer.
# libboost-coroutine-dev: standalone Asio's asio::spawn runs on Boost.Coroutine, the asio_spawn echo peer.
APT_PACKAGES += libboost-context-dev libboost-dev libboost-fiber-dev libboost-coroutine-dev python3 \
                emscripten nodejs

BENCH_BUILD := build/bench
BENCH_WASM_BUILD := $(BENCH_BUILD)/wasm
BENCH_ARGS ?= --busy
BENCH_WASM ?= 1

.PHONY: bench bench-wasm-build

bench: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_WERROR) > /dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target threaded_async_bench
	@wasm_args=; \
	if [ "$(BENCH_WASM)" = 0 ]; then \
	  echo "bench: BENCH_WASM=0: native only"; \
	elif $(MAKE) --no-print-directory bench-wasm-build > $(BENCH_BUILD)/wasm-build.log 2>&1; then \
	  wasm_args="--wasm $(BENCH_WASM_BUILD)/tests/bench/threaded_async_bench_wasm.js"; \
	  wasm_args="$$wasm_args --wasm-bundle $(BENCH_WASM_BUILD)/wasm/threaded_async_demo.wasm"; \
	  $(MAKE) --no-print-directory wasm-browser-npm > /dev/null 2>&1 || \
	    echo "bench: npm ci in wasm/browser failed: no playwright-core, the browser is not measured"; \
	else \
	  echo "bench: the WebAssembly build failed (see $(BENCH_BUILD)/wasm-build.log): native only"; \
	fi; \
	$(BENCH_BUILD)/tests/bench/threaded_async_bench --out $(BENCH_BUILD)/results.json \
	  $$wasm_args $(BENCH_ARGS)
	@python3 tests/bench/plot_results.py $(BENCH_BUILD)/results.json $(BENCH_BUILD)

# Emscripten 3.1.6 finds acorn only through NODE_PATH.
bench-wasm-build:
	@export NODE_PATH=/usr/share/nodejs; \
	emcmake cmake -S . -B $(BENCH_WASM_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_WERROR) \
	  -DTHREADED_ASYNC_EXAMPLES=ON && \
	cmake --build $(BENCH_WASM_BUILD) -j $(JOBS) --target threaded_async_bench_wasm threaded_async_demo
