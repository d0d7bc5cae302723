# The WebAssembly backend: Emscripten fibers (Asyncify) and pthreads (Web
# Workers), built with Debian's Emscripten 3.1.6 (docs/wasm.md).
# The root CMakeLists.txt includes this file when configured with emcmake.
target_sources(threaded_async PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/clock_emscripten.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fiber_emscripten.cpp
  ${CMAKE_CURRENT_LIST_DIR}/futex_emscripten.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loop_thread_emscripten.cpp)

# What every object and program using the library needs: shared memory and
# atomics, C++ exceptions, Asyncify for the fiber switch, and the per-fiber
# exception state and keep-alive fix of wasm/fiber_runtime.js, and the thread
# kill of wasm/thread_runtime.js. An install puts both in
# <prefix>/share/threaded_async.
set(THREADED_ASYNC_WASM_JS_LIBRARIES
  ${CMAKE_CURRENT_LIST_DIR}/fiber_runtime.js
  ${CMAKE_CURRENT_LIST_DIR}/thread_runtime.js)
set(js_library_dir $<INSTALL_PREFIX>/${CMAKE_INSTALL_DATADIR}/threaded_async)
target_compile_options(threaded_async PUBLIC -pthread -fexceptions)
target_link_options(threaded_async PUBLIC -pthread -fexceptions -sASYNCIFY)
set(THREADED_ASYNC_PC_LIBS -fexceptions -sASYNCIFY)
# Functions Asyncify need not instrument, as none of them is ever on a stack
# that switches fibers (wasm/asyncify_remove.txt: libc++abi's demangler, which
# describe_exception uses and which alone is a third of the instrumented
# functions: its virtual calls made Asyncify assume that they might switch).
set(asyncify_remove ${CMAKE_CURRENT_LIST_DIR}/asyncify_remove.txt)
set(asyncify_remove_file
  $<BUILD_INTERFACE:${asyncify_remove}>$<INSTALL_INTERFACE:${js_library_dir}/asyncify_remove.txt>)
target_link_options(threaded_async PUBLIC "-sASYNCIFY_REMOVE=@${asyncify_remove_file}")
set_property(TARGET threaded_async APPEND PROPERTY INTERFACE_LINK_DEPENDS ${asyncify_remove_file})
list(APPEND THREADED_ASYNC_PC_LIBS "-sASYNCIFY_REMOVE=@\${datadir}/threaded_async/asyncify_remove.txt")
foreach(js_library IN LISTS THREADED_ASYNC_WASM_JS_LIBRARIES)
  get_filename_component(js_library_name ${js_library} NAME)
  set(js_library
    $<BUILD_INTERFACE:${js_library}>$<INSTALL_INTERFACE:${js_library_dir}/${js_library_name}>)
  target_link_options(threaded_async PUBLIC "SHELL:--js-library ${js_library}")
  set_property(TARGET threaded_async APPEND PROPERTY INTERFACE_LINK_DEPENDS ${js_library})
  list(APPEND THREADED_ASYNC_PC_LIBS
    "--js-library \${datadir}/threaded_async/${js_library_name}")
endforeach()

# What consumers of the installed library need besides it (cmake/install.cmake).
set(THREADED_ASYNC_PACKAGE_DEPENDENCIES "")
set(THREADED_ASYNC_PC_CFLAGS "-fexceptions")
list(JOIN THREADED_ASYNC_PC_LIBS " " THREADED_ASYNC_PC_LIBS)
if(THREADED_ASYNC_INSTALL)
  install(FILES ${THREADED_ASYNC_WASM_JS_LIBRARIES} ${asyncify_remove}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/threaded_async)
endif()

# The rest is for the project's own programs.
if(NOT (THREADED_ASYNC_TESTS OR THREADED_ASYNC_EXAMPLES OR THREADED_ASYNC_PLAYGROUND))
  return()
endif()

# The project's programs (tests, cookbook, demo): main() runs on a pthread so
# that it may block (the browser's main thread may not), the runtime exits
# when main returns, the memory grows as fibers need stacks, and a few workers
# are ready before main starts (more are created when needed).
set(THREADED_ASYNC_WASM_PTHREAD_POOL 8 CACHE STRING "Workers started before main()")
add_link_options(
  -sPROXY_TO_PTHREAD -sEXIT_RUNTIME=1
  -sINITIAL_MEMORY=64MB -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB
  -sPTHREAD_POOL_SIZE=${THREADED_ASYNC_WASM_PTHREAD_POOL} -sPTHREAD_POOL_SIZE_STRICT=0
  -Wno-pthreads-mem-growth)

# The browser bundle: an ES module (threaded_async_demo.mjs) with its .wasm
# and pthread worker script, in <build>/wasm. It stays alive after main()
# returns so that the page can call ta_demo_block_here().
if(THREADED_ASYNC_EXAMPLES)
  add_executable(threaded_async_demo ${CMAKE_CURRENT_LIST_DIR}/demo.cpp)
  target_link_libraries(threaded_async_demo PRIVATE threaded_async::threaded_async)
  threaded_async_warnings(threaded_async_demo)
  set_target_properties(threaded_async_demo PROPERTIES
    SUFFIX .mjs
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/wasm)
  target_link_options(threaded_async_demo PRIVATE
    -sMODULARIZE -sEXPORT_ES6 -sEXPORT_NAME=createThreadedAsyncDemo
    -sENVIRONMENT=web,worker,node -sEXIT_RUNTIME=0
    -sEXPORTED_RUNTIME_METHODS=ccall)

  # One target for `make wasm` (the tests, the cookbook and the demo), so that
  # make -j links them in parallel; the programs of tests/ and native/examples/
  # are collected once those directories have been read.
  add_custom_target(threaded_async_wasm)
  add_dependencies(threaded_async_wasm threaded_async_demo)
  function(threaded_async_wasm_collect_programs)
    set(programs threaded_async_tests threaded_async_asio_tests threaded_async_wasm_tests)
    get_property(cookbook DIRECTORY ${PROJECT_SOURCE_DIR}/native/examples PROPERTY BUILDSYSTEM_TARGETS)
    list(APPEND programs ${cookbook})
    foreach(program IN LISTS programs)
      if(TARGET ${program})
        add_dependencies(threaded_async_wasm ${program})
      endif()
    endforeach()
  endfunction()
  cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL threaded_async_wasm_collect_programs)
endif()

# Native-only dependencies (Boost.Context) are absent: see wasm/cmake/FindBoost.cmake.
list(PREPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR}/cmake)

# Programs run under Node 20, which needs --no-experimental-fetch for the
# output of Emscripten 3.1.6 (also how CTest and Catch's test discovery run them).
find_program(THREADED_ASYNC_NODE node REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${THREADED_ASYNC_NODE} --no-experimental-fetch)

# Header-only packages come from the host (Catch2 v2 for the tests,
# nlohmann_json for the playground). em++ must not see the host's /usr/include,
# so each package gets a directory holding only a link to its own headers, and
# its imported targets are defined here, before find_package() runs; the
# package's config file then keeps them. find_package() finds the host's config
# file through <package>_DIR.
function(threaded_async_wasm_host_headers package config_dir header_dir)
  if(NOT EXISTS /usr/include/${header_dir} OR NOT EXISTS ${config_dir})
    return()
  endif()
  set(include_dir ${PROJECT_BINARY_DIR}/wasm-host-headers/${package})
  file(MAKE_DIRECTORY ${include_dir})
  file(CREATE_LINK /usr/include/${header_dir} ${include_dir}/${header_dir} SYMBOLIC)
  foreach(target IN LISTS ARGN)
    add_library(${target} INTERFACE IMPORTED)
    target_include_directories(${target} SYSTEM INTERFACE ${include_dir})
  endforeach()
  if(NOT ${package}_DIR)
    set(${package}_DIR ${config_dir} CACHE PATH "${package}'s CMake package (host, headers only)" FORCE)
  endif()
endfunction()

threaded_async_wasm_host_headers(Catch2 /usr/lib/cmake/Catch2 catch2
  Catch2::Catch2 Catch2::Catch2WithMain)
# Catch.cmake (catch_discover_tests) comes from the same package.
list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)
threaded_async_wasm_host_headers(nlohmann_json /usr/share/cmake/nlohmann_json nlohmann
  nlohmann_json::nlohmann_json)

# Tests of the backend itself (wasm/backend_test.cpp), beside the shared suite.
if(THREADED_ASYNC_TESTS AND TARGET Catch2::Catch2)
  add_executable(threaded_async_wasm_tests ${CMAKE_CURRENT_LIST_DIR}/backend_test.cpp)
  target_link_libraries(threaded_async_wasm_tests PRIVATE threaded_async::threaded_async Catch2::Catch2)
  threaded_async_warnings(threaded_async_wasm_tests)
  set_target_properties(threaded_async_wasm_tests PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/wasm)
endif()
