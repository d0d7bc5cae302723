# The API reference, included by the root Makefile.
#
#   make docs   HTML in build/docs/html from the public headers' comments (Doxygen,
#               docs/api/Doxyfile); a public name without a comment fails it

APT_PACKAGES += doxygen python3

DOCS_BUILD := build/docs
THREADED_ASYNC_VERSION := $(shell sed -n 's/^\#define THREADED_ASYNC_VERSION "\(.*\)"/\1/p' \
                            core/include/threaded_async/version.hpp)

.PHONY: docs

docs: deps
	@rm -rf $(DOCS_BUILD) && mkdir -p $(DOCS_BUILD)
	@THREADED_ASYNC_VERSION=$(THREADED_ASYNC_VERSION) THREADED_ASYNC_DOCS_OUT=$(DOCS_BUILD) \
	  doxygen docs/api/Doxyfile
	@bash docs/api/check_warnings.sh $(DOCS_BUILD)/warnings.log docs/api/undocumented.txt
	@echo "docs: $(DOCS_BUILD)/html/index.html"
