// The library's version. CMakeLists.txt reads it from here for project(), the
// CMake package and threaded_async.pc.
#pragma once

/// Incremented for changes that break the API (0 while the API settles).
#define THREADED_ASYNC_VERSION_MAJOR 0
/// Incremented for additions.
#define THREADED_ASYNC_VERSION_MINOR 1
/// Incremented for fixes.
#define THREADED_ASYNC_VERSION_PATCH 0
/// "MAJOR.MINOR.PATCH".
#define THREADED_ASYNC_VERSION "0.1.0"
