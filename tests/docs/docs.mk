# The code in the documentation, included by the root Makefile.
#
#   make test-docs-code   every ```cpp block of README.md and docs/ is compiled as
#                         written against the native build and run (part of make test)

APT_PACKAGES += python3
TEST_TARGETS += test-docs-code

.PHONY: test-docs-code

test-docs-code: build
	@python3 tests/docs/check_cpp_blocks.py build/docs-code \
	  g++ -std=c++20 -Wall -Wextra -Werror -Icore/include -Iasio/include -- \
	  $(BUILD)/libthreaded_async_asio.a $(BUILD)/libthreaded_async.a -lboost_context -pthread
