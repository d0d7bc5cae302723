# Packaging: what a team that adopts the library gets, and the tests of it.
# Included by the root Makefile.
#
#   make install PREFIX=/opt/x   the library, headers, CMake package and threaded_async.pc
#                                (native; PREFIX defaults to /usr/local)
#   make package                 the Debian package build/package/libthreaded-async-dev_*.deb
#   make test-package            a consumer built and run every way the README shows:
#                                find_package and pkg-config against installs of a Debug
#                                and a Release build, add_subdirectory and FetchContent of
#                                the checkout, FetchContent with GIT_REPOSITORY of its
#                                repository, find_package against the Debian package
#                                unpacked with dpkg -x, and under emcmake, run with Node
#                                (part of make test)

APT_PACKAGES += pkg-config emscripten nodejs git
TEST_TARGETS += test-package

PREFIX ?= /usr/local
PACKAGE_BUILD := build/package
PACKAGE_TEST := build/package-test
# The Release build of make package also builds the cookbook and the playground
# engine (not packaged) in make test-package; its Debug twin does the same.
PACKAGE_CMAKE_ARGS := $(CMAKE_WERROR) -DTHREADED_ASYNC_TESTS=OFF
WASM_PACKAGE_BUILD := build/wasm-package
PACKAGE_RUN := JOBS=$(JOBS) bash tests/package/run.sh

.PHONY: install package test-package test-package-debug test-package-release \
        test-package-subproject test-package-wasm

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

package: deps
	@cmake -S . -B $(PACKAGE_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	  $(PACKAGE_CMAKE_ARGS) > /dev/null
	@cmake --build $(PACKAGE_BUILD) -j $(JOBS) --target threaded_async
	@cd $(PACKAGE_BUILD) && cpack > /dev/null && ls $(CURDIR)/$(PACKAGE_BUILD)/*.deb

test-package: test-package-debug test-package-release test-package-subproject test-package-wasm

test-package-debug: deps
	@cmake -S . -B $(PACKAGE_BUILD)-debug -DCMAKE_BUILD_TYPE=Debug $(PACKAGE_CMAKE_ARGS) > /dev/null
	@cmake --build $(PACKAGE_BUILD)-debug -j $(JOBS)
	@rm -rf $(PACKAGE_TEST)/debug && cmake --install $(PACKAGE_BUILD)-debug \
	  --prefix $(CURDIR)/$(PACKAGE_TEST)/debug > /dev/null
	@$(PACKAGE_RUN) installed $(CURDIR)/$(PACKAGE_TEST)/debug Debug

test-package-release: package
	@cmake --build $(PACKAGE_BUILD) -j $(JOBS)
	@rm -rf $(PACKAGE_TEST)/release && cmake --install $(PACKAGE_BUILD) \
	  --prefix $(CURDIR)/$(PACKAGE_TEST)/release > /dev/null
	@$(PACKAGE_RUN) installed $(CURDIR)/$(PACKAGE_TEST)/release Release
	@$(PACKAGE_RUN) deb $(CURDIR)/$(PACKAGE_BUILD)/libthreaded-async-dev_*.deb \
	  $(CURDIR)/$(PACKAGE_TEST)/deb

test-package-subproject: deps
	@$(PACKAGE_RUN) subproject $(CURDIR)/$(PACKAGE_TEST)/subproject

test-package-wasm: deps
	@$(WASM_ENV) emcmake cmake -S . -B $(WASM_PACKAGE_BUILD) -DCMAKE_BUILD_TYPE=Release \
	  $(CMAKE_WERROR) -DTHREADED_ASYNC_TESTS=OFF -DTHREADED_ASYNC_EXAMPLES=OFF \
	  -DTHREADED_ASYNC_PLAYGROUND=OFF > /dev/null
	@$(WASM_ENV) cmake --build $(WASM_PACKAGE_BUILD) -j $(JOBS)
	@rm -rf $(PACKAGE_TEST)/wasm && cmake --install $(WASM_PACKAGE_BUILD) \
	  --prefix $(CURDIR)/$(PACKAGE_TEST)/wasm > /dev/null
	@$(PACKAGE_RUN) wasm $(CURDIR)/$(PACKAGE_TEST)/wasm $(CURDIR)/$(PACKAGE_TEST)/wasm-consumer
