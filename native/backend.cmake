# The native backend: Boost.Context fibers and POSIX threads.
find_package(Boost 1.74 REQUIRED COMPONENTS context)
target_sources(threaded_async PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/clock_posix.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fiber_boost_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fiber_switch_x86_64.S
  ${CMAKE_CURRENT_LIST_DIR}/futex_linux.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loop_thread_posix.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safe_point.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stack_guard.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stop_trampolines_x86_64.S)
# The fiber switch and the forced stop's trampolines are x86-64 assembly;
# dladdr needs libdl (part of libc since glibc 2.34, named for older ones).
enable_language(ASM)
if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  message(FATAL_ERROR "threaded_async's native backend needs x86-64 (the fiber switch, the forced stop's trampolines)")
endif()
target_link_libraries(threaded_async PRIVATE Boost::context ${CMAKE_DL_LIBS})

# What consumers of the installed library need besides it (cmake/install.cmake).
set(THREADED_ASYNC_PACKAGE_DEPENDENCIES "find_dependency(Boost 1.74 COMPONENTS context)")
set(THREADED_ASYNC_PC_CFLAGS "")
set(THREADED_ASYNC_PC_LIBS "-lboost_context")
if(CMAKE_DL_LIBS)
  string(APPEND THREADED_ASYNC_PC_LIBS " -l${CMAKE_DL_LIBS}")
endif()
