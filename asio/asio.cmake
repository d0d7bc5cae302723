# The Asio bridge (threaded_async::asio): use_task, the runner's executor and
# the io_context that serves as the loop's reactor. Standalone Asio 1.22
# (Debian's libasio-dev, header-only) has per-operation cancellation, which
# use_task needs; Boost 1.74's Asio does not. With Emscripten, timers and
# posted work run; sockets, descriptors and signals do not (docs/wasm.md).
# Emscripten's toolchain looks for headers in its own sysroot only: Asio's are the host's.
if(EMSCRIPTEN)
  set(asio_search NO_CMAKE_FIND_ROOT_PATH PATHS /usr/include)
endif()
find_path(THREADED_ASYNC_ASIO_INCLUDE_DIR asio/cancellation_signal.hpp ${asio_search})
if(NOT THREADED_ASYNC_ASIO_INCLUDE_DIR)
  message(FATAL_ERROR "threaded_async: the Asio bridge needs standalone Asio 1.22 or later "
                      "(apt-get install libasio-dev), or configure with -DTHREADED_ASYNC_ASIO=OFF")
endif()
set(asio_include_dir ${THREADED_ASYNC_ASIO_INCLUDE_DIR})
if(EMSCRIPTEN)
  # em++ must not see the rest of the host's /usr/include: a directory holding
  # only links to Asio's headers.
  set(asio_include_dir ${PROJECT_BINARY_DIR}/wasm-host-headers/asio)
  file(MAKE_DIRECTORY ${asio_include_dir})
  foreach(name asio asio.hpp)
    file(CREATE_LINK ${THREADED_ASYNC_ASIO_INCLUDE_DIR}/${name} ${asio_include_dir}/${name} SYMBOLIC)
  endforeach()
endif()
add_library(threaded_async_asio ${CMAKE_CURRENT_LIST_DIR}/src/asio_bridge.cpp)
# How the io_context's wait sleeps (asio/src/select_sleep.hpp): in WebAssembly
# every program that links the bridge has its select() calls go through the
# bridge's (--wrap=select), since Emscripten's ignores its timeout.
if(EMSCRIPTEN)
  target_sources(threaded_async_asio PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src/select_sleep_emscripten.cpp)
  target_link_options(threaded_async_asio PUBLIC -Wl,--wrap=select)
else()
  target_sources(threaded_async_asio PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src/select_sleep_native.cpp)
endif()
# In a consumer's build it is built only if the consumer links threaded_async::asio.
if(NOT PROJECT_IS_TOP_LEVEL)
  set_target_properties(threaded_async_asio PROPERTIES EXCLUDE_FROM_ALL ON)
endif()
add_library(threaded_async::asio ALIAS threaded_async_asio)
set_target_properties(threaded_async_asio PROPERTIES EXPORT_NAME asio)
target_include_directories(threaded_async_asio
  PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
         $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_include_directories(threaded_async_asio SYSTEM PUBLIC
  $<BUILD_INTERFACE:${asio_include_dir}>)
target_link_libraries(threaded_async_asio PUBLIC threaded_async)
# Asio 1.22 picks aligned_alloc/free or operator new/delete for handler memory
# by whether a standard header came before its own in the translation unit, so
# two files that include it in different orders allocate with one and free
# with the other (ASan: alloc-dealloc-mismatch). One choice for every file
# that uses the bridge: operator new and delete.
target_compile_definitions(threaded_async_asio PUBLIC ASIO_DISABLE_STD_ALIGNED_ALLOC)
if(EMSCRIPTEN)
  # Emscripten 3.1.6's libc++ has only <experimental/coroutine>, so Asio's
  # co_spawn and use_awaitable use it, and its Clang 14 warns at every co_await.
  target_compile_options(threaded_async_asio PUBLIC -Wno-deprecated-experimental-coroutine)
endif()
threaded_async_warnings(threaded_async_asio)
