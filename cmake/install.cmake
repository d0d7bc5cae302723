# `cmake --install`: the headers, the library, a CMake package
# (find_package(threaded_async), target threaded_async::threaded_async) and
# threaded_async.pc; natively, and the same from an emcmake build (with
# fiber_runtime.js). The backend files set what consumers need besides the
# library: THREADED_ASYNC_PACKAGE_DEPENDENCIES (find_dependency calls),
# THREADED_ASYNC_PC_CFLAGS and THREADED_ASYNC_PC_LIBS.
include(CMakePackageConfigHelpers)

set(THREADED_ASYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/threaded_async)

install(TARGETS threaded_async EXPORT threaded_async_targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY core/include/threaded_async TYPE INCLUDE)
if(THREADED_ASYNC_ASIO)
  # threaded_async::asio, with threaded_async/asio.hpp; Asio's headers are the system's.
  install(TARGETS threaded_async_asio EXPORT threaded_async_targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY asio/include/threaded_async TYPE INCLUDE)
endif()
install(EXPORT threaded_async_targets
  NAMESPACE threaded_async::
  FILE threaded_asyncTargets.cmake
  DESTINATION ${THREADED_ASYNC_CMAKE_DIR})

configure_package_config_file(cmake/threaded_asyncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/threaded_asyncConfig.cmake
  INSTALL_DESTINATION ${THREADED_ASYNC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/threaded_asyncConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/threaded_asyncConfig.cmake
  ${PROJECT_BINARY_DIR}/threaded_asyncConfigVersion.cmake
  DESTINATION ${THREADED_ASYNC_CMAKE_DIR})

# threaded_async.pc finds the prefix from its own place, so that the install
# can be moved (make test unpacks the Debian package into a temporary folder).
file(RELATIVE_PATH pc_prefix /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" THREADED_ASYNC_PC_PREFIX ${pc_prefix})
string(JOIN " " THREADED_ASYNC_PC_CFLAGS -pthread ${THREADED_ASYNC_PC_CFLAGS})
string(JOIN " " THREADED_ASYNC_PC_LIBS -lthreaded_async -pthread ${THREADED_ASYNC_PC_LIBS})
configure_file(cmake/threaded_async.pc.in ${PROJECT_BINARY_DIR}/threaded_async.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/threaded_async.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(PROJECT_IS_TOP_LEVEL AND NOT EMSCRIPTEN)
  include(cmake/package.cmake)
endif()
