# Reliability: the native suite under sanitizers, stress runs and fuzzing.
# Included by the root Makefile. docs/reliability.md says what each one tries.
#
#   make sanitize          the native suite (tests/, cookbook, playground engine) built
#                          with ASan+UBSan (build/asan) and with TSan (build/tsan)
#   make sanitize-address  only ASan+UBSan; make sanitize-thread: only TSan
#   make stress            the stress tests at full size (STRESS_ITEMS, default 1000000)
#   make fuzz              libFuzzer on the scenario engine for FUZZ_SECONDS (default 600)
#   make soak              forced stops on a busy machine (one spinning process per core):
#                          the native cookbook stuck-loop program SOAK_NATIVE_RUNS (200) times,
#                          the playground's stuck-loop scenario SOAK_BROWSER_RUNS (100) times in
#                          headless Chromium, each in a fresh page. Not part of make test.
#
# `make test` runs both sanitizer suites (their stress tests at the small size).

APT_PACKAGES += clang libclang-rt-14-dev
TEST_TARGETS += sanitize-address sanitize-thread

STRESS_ITEMS ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_BUILD := build/fuzz
FUZZ_CORPUS := $(FUZZ_BUILD)/corpus

# No suppressions (tests/stress/lsan_known_leaks.supp is where a known leak
# would go, with its reason): every report fails the run. g++ 12 warns falsely about
# maybe-uninitialized values in std::regex (used by Catch2) once ASan
# instruments it, so that one warning is off in the ASan build. TSan does not
# model standalone fences (g++ -Wtsan): Boost.Asio in the benchmarks' peers uses
# them, so that warning is off under TSan and the benchmark smoke test (peers,
# not the library) is left out; a grep makes sure the library uses no fences.
SANITIZE_ASAN_FLAGS := -DCMAKE_CXX_FLAGS=-Wno-maybe-uninitialized
SANITIZE_TSAN_FLAGS := -DCMAKE_CXX_FLAGS=-Wno-tsan
# Tests that force a loop stuck in a pure spin down. TSan holds asynchronous
# signals back until the thread calls a function it intercepts, so such a loop
# never sees the forcing signal under TSan (docs/reliability.md); they run in
# the native and ASan suites. Forced stops of loops stuck in calls run under TSan.
TSAN_SKIP := ^bench_smoke$$|^cookbook_stuck_loop$$|^a task that spins is forced down
TSAN_SKIP := $(TSAN_SKIP)|^a function stuck in call_in_loop is forced down
TSAN_SKIP := $(TSAN_SKIP)|^unretrieved errors still arrive as an ExceptionGroup after a forced stop
TSAN_SKIP := $(TSAN_SKIP)|^after a forced stop the other tasks unwind
TSAN_SKIP := $(TSAN_SKIP)|^a stuck runner leaves other runners untouched
TSAN_SKIP := $(TSAN_SKIP)|^after a forced stop the thread count is back
TSAN_SKIP := $(TSAN_SKIP)|^a queue of another runner that a forced-down task waited on stays sound
TSAN_SKIP := $(TSAN_SKIP)|^a task stuck holding a std::mutex is unwound|^a pure spin is forced down
TSAN_SKIP := $(TSAN_SKIP)|^a task stuck in a noexcept function is forced down
TSAN_SKIP := $(TSAN_SKIP)|^stuck code inside a catch-all try block is abandoned
TSAN_SKIP := $(TSAN_SKIP)|^the forced-stop report and the watchdog show the stuck code|^the forced-stop report names
TSAN_SKIP := $(TSAN_SKIP)|^tasks that go on yielding to each other are forced down
TSAN_SKIP := $(TSAN_SKIP)|^tasks that swallow cancelled waits and wait on are forced down
# TSan's interceptors and its deferred signals are runtime code to the forced
# stop: inside them it finds no safe moment (a stop in a read ends
# FAILED_FORCE_STOPPED under TSan), and TSan does not survive being unwound
# from a signal it deferred. Stuck code in a blocking sleep is still forced
# down under TSan.
TSAN_SKIP := $(TSAN_SKIP)|^a task stuck printing to a FILE|^a task stuck writing std::cout
TSAN_SKIP := $(TSAN_SKIP)|^a task stuck allocating|^a task stuck in a blocking read
TSAN_SKIP := $(TSAN_SKIP)|^a task stuck reading an empty pipe|^a stuck task whose cleanup outlasts
# The scenarios include stuck-loop, whose spin calls clock_gettime through TSan's
# interceptor: FAILED_FORCE_STOPPED under TSan (they run in the native and ASan suites).
TSAN_SKIP := $(TSAN_SKIP)|^playground_scenarios$$
# TSan's per-fiber state makes tens of thousands of suspended tasks too heavy for it.
TSAN_SKIP := $(TSAN_SKIP)|as many tasks as items wait on one event
sanitize-address fuzz: export ASAN_OPTIONS := detect_leaks=1:strict_init_order=1:check_initialization_order=1
sanitize-address fuzz: export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
sanitize-address: export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/stress/lsan_known_leaks.supp
sanitize-thread: export TSAN_OPTIONS := halt_on_error=1:second_deadlock_stack=1

SOAK_NATIVE_RUNS ?= 200
SOAK_BROWSER_RUNS ?= 100

.PHONY: sanitize sanitize-address sanitize-thread stress fuzz fuzz-build soak

sanitize: sanitize-address sanitize-thread

# $(1): the sanitizer, $(2): its build directory, $(3): extra cmake arguments,
# $(4): extra ctest arguments.
define run_sanitized_suite
	@cmake -S . -B $(2) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_WERROR) \
	  -DTHREADED_ASYNC_SANITIZER=$(1) $(3) > /dev/null
	@cmake --build $(2) -j $(JOBS)
	@cd $(2) && ctest --output-on-failure -j $(JOBS) --timeout 300 $(4)
endef

sanitize-address: deps
	$(call run_sanitized_suite,address,build/asan,$(SANITIZE_ASAN_FLAGS),)

sanitize-thread: deps
	@! grep -rn 'atomic_thread_fence' core native || \
	  { echo "sanitize-thread: TSan cannot check fences; use sequentially consistent atomics"; exit 1; }
	$(call run_sanitized_suite,thread,build/tsan,$(SANITIZE_TSAN_FLAGS),-E '$(TSAN_SKIP)')

stress: deps
	@cmake -S . -B build/stress -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_WERROR) > /dev/null
	@cmake --build build/stress -j $(JOBS) --target threaded_async_stress
	@THREADED_ASYNC_STRESS_ITEMS=$(STRESS_ITEMS) build/stress/tests/stress/threaded_async_stress \
	  --durations yes

fuzz-build: deps
	@CXX=clang++ cmake -S tests/fuzz -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_WERROR) > /dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Seeded with the committed scenarios and the regression inputs; the corpus
# grows in build/fuzz/corpus, and crashing inputs are written to build/fuzz/.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_CORPUS)
	@cp playground/scenarios/*.json tests/fuzz/regressions/* $(FUZZ_CORPUS)/
	@cd $(FUZZ_BUILD) && ./scenario_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
	  -rss_limit_mb=4096 -dict=$(CURDIR)/tests/fuzz/scenario.dict -artifact_prefix=./ corpus

soak: build playground-static
	@busy=(); for ((i = 0; i < $$(nproc); ++i)); do (while :; do :; done) & busy+=($$!); done; \
	  trap 'kill $${busy[@]}' EXIT; \
	  bash tests/soak/stuck_loop_native.sh $(BUILD)/native/examples/cookbook_stuck_loop \
	    $(SOAK_NATIVE_RUNS) && \
	  node tests/soak/stuck_loop_browser.mjs $(SOAK_BROWSER_RUNS)
