# The native backend: Boost.Context fibers and POSIX threads.
find_package(Boost 1.74 REQUIRED COMPONENTS context)
target_sources(threaded_async PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/fiber_boost_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/futex_linux.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loop_thread_posix.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stack_guard.cpp)
target_link_libraries(threaded_async PRIVATE Boost::context)

# What consumers of the installed library need besides it (cmake/install.cmake).
set(THREADED_ASYNC_PACKAGE_DEPENDENCIES "find_dependency(Boost 1.74 COMPONENTS context)")
set(THREADED_ASYNC_PC_CFLAGS "")
set(THREADED_ASYNC_PC_LIBS "-lboost_context")
