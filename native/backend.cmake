# The native backend: Boost.Context fibers and POSIX threads.
find_package(Boost 1.74 REQUIRED COMPONENTS context)
target_sources(threaded_async PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/fiber_boost_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/futex_linux.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loop_thread_posix.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stack_guard.cpp)
target_link_libraries(threaded_async PRIVATE Boost::context)
