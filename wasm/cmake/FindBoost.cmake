# Boost in the WebAssembly build: there is none. Boost.Context is the native
# fiber backend, so parts that use it directly (tests/bench) are native only.
# This module lets their CMakeLists.txt configure in the wasm build: Boost is
# reported missing, and its targets exist but carry nothing, so those parts
# configure but are not built (`make wasm` builds its targets by name).
set(Boost_FOUND FALSE)
foreach(component IN LISTS Boost_FIND_COMPONENTS ITEMS headers boost)
  if(NOT TARGET Boost::${component})
    add_library(Boost::${component} INTERFACE IMPORTED)
  endif()
endforeach()
