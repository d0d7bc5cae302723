# `make package`: a Debian package of the native library with its headers,
# CMake package and threaded_async.pc (cpack -G DEB; install it with
# `apt install ./libthreaded-async-dev_<version>_<arch>.deb`).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libthreaded-async-dev)
set(CPACK_PACKAGE_VENDOR threaded_async)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Async code on a background thread's loop, and blocking handles on it (C++20)")
set(CPACK_PACKAGE_CONTACT "threaded_async maintainers <threaded-async@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# A static library: programs link Boost.Context themselves.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libboost-context-dev (>= 1.74)")
if(THREADED_ASYNC_ASIO)
  # threaded_async/asio.hpp (threaded_async::asio) includes standalone Asio's headers.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libasio-dev (>= 1:1.22)")
endif()
include(CPack)
