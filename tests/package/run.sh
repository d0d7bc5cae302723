#!/usr/bin/env bash
# Builds tests/package/consumer.cpp the ways a team would use the library and
# checks what it prints. Run by `make test-package` (tests/package/package.mk).
#
#   run.sh installed <prefix> <build type>   find_package and pkg-config against an install
#   run.sh subproject <work dir>             add_subdirectory and FetchContent of the checkout,
#                                            and FetchContent of its git repository (HEAD)
#   run.sh wasm <prefix> <work dir>          find_package under emcmake, run with Node
#                                            (the prefix holds an install from an emcmake build)
#   run.sh deb <file.deb> <work dir>         apt would install the Debian package; dpkg -x of
#                                            it, then `installed`
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jobs=${JOBS:-2}

version=$(sed -n 's/^#define THREADED_ASYNC_VERSION "\(.*\)"$/\1/p' \
  "$root/core/include/threaded_async/version.hpp")
expected="threaded_async $version ($version): 42"

fail() { echo "test-package: $*" >&2; exit 1; }

# check <what> <command...>: runs the consumer and compares its output.
check() {
  local what=$1; shift
  local got
  got=$("$@") || fail "$what: the consumer failed: $got"
  [[ $got == "$expected" ]] || fail "$what: printed '$got', expected '$expected'"
  echo "test-package: $what: ok"
}

# configure <what> <build dir> <cmake args...>: the consumer's configure step, quiet unless it fails.
configure() {
  local what=$1 dir=$2; shift 2
  rm -rf "$dir" && mkdir -p "$(dirname "$dir")"
  "$@" -S "$here" -B "$dir" > "$dir.log" 2>&1 || { cat "$dir.log"; fail "$what: configuring failed"; }
}

build() {
  local what=$1 dir=$2
  cmake --build "$dir" -j "$jobs" >> "$dir.log" 2>&1 || { cat "$dir.log"; fail "$what: the build failed"; }
}

installed() {
  local prefix=$1 type=$2 work=$1.consumers
  grep -q "^Version $version " "$root/README.md" ||
    fail "README.md's Using it does not say 'Version $version'"
  mkdir -p "$work"
  configure "find_package ($type)" "$work/find_package" cmake -DHOW=find_package \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE="$type"
  grep -q "threaded_async package version: $version$" "$work/find_package.log" ||
    fail "find_package ($type): the package's version is not $version"
  build "find_package ($type)" "$work/find_package"
  check "find_package ($type)" "$work/find_package/consumer"

  local flags=(-O2) pc
  [[ $type == Debug ]] && flags=(-g)
  export PKG_CONFIG_PATH
  PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name threaded_async.pc)")
  [[ $(pkg-config --modversion threaded_async) == "$version" ]] ||
    fail "pkg-config ($type): threaded_async.pc's version is not $version"
  # shellcheck disable=SC2046
  g++ -std=c++20 "${flags[@]}" "$here/consumer.cpp" -o "$work/pkg_config_consumer" \
    $(pkg-config --cflags --libs threaded_async) || fail "pkg-config ($type): g++ failed"
  check "pkg-config ($type)" "$work/pkg_config_consumer"
}

# As a subproject only the library is built: the tests, cookbook and playground
# would need Catch2 and nlohmann_json, which configuring here forbids, and
# leave targets behind. The consumer's build type stays unset.
subproject() {
  local work=$1 how dir ways=(add_subdirectory FetchContent) git_tag=
  # GIT_REPOSITORY and GIT_TAG, as the README shows: a clone of this
  # repository's HEAD (committed code only), when the checkout is a git one.
  if git_tag=$(git -C "$root" rev-parse --verify HEAD 2> /dev/null); then
    ways+=(FetchContent_git)
  else
    echo "test-package: FetchContent_git: not a git checkout, not tried"
  fi
  for how in "${ways[@]}"; do
    dir=$work/$how
    configure "$how" "$dir" cmake -DHOW="$how" -DTHREADED_ASYNC_SOURCE="$root" \
      -DTHREADED_ASYNC_GIT_TAG="$git_tag" \
      -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON
    grep -q '^CMAKE_BUILD_TYPE:STRING=$' "$dir/CMakeCache.txt" ||
      fail "$how: the library set the consumer's CMAKE_BUILD_TYPE"
    local targets
    targets=$(cmake --build "$dir" --target help | sed -n 's/^\.\.\. \([^ ]*\).*/\1/p' |
      grep -vxE 'all|clean|depend|edit_cache|rebuild_cache|install.*|list_install_components|.*\.[ois]' |
      sort | tr '\n' ' ')
    # The Asio bridge is the library's too: there where Asio is installed, and
    # built only for a consumer that links it (EXCLUDE_FROM_ALL).
    [[ $targets == "consumer threaded_async " || $targets == "consumer threaded_async threaded_async_asio " ]] ||
      fail "$how: the consumer's build has targets '$targets', expected only 'consumer threaded_async' (and 'threaded_async_asio')"
    build "$how" "$dir"
    [[ -z $(find "$dir" -name 'libthreaded_async_asio.a') ]] ||
      fail "$how: the consumer's build built the Asio bridge, which it does not link"
    check "$how" "$dir/consumer"
  done
}

wasm() {
  local prefix=$1 work=$2 dir=$2/find_package
  export NODE_PATH=/usr/share/nodejs
  # Emscripten's toolchain looks for packages only below CMAKE_FIND_ROOT_PATH.
  configure "emcmake find_package" "$dir" emcmake cmake -DHOW=find_package \
    -DCMAKE_FIND_ROOT_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
  build "emcmake find_package" "$dir"
  check "emcmake find_package, under Node" node --no-experimental-fetch "$dir/consumer.js"
}

deb() {
  local file=$1 work=$2
  # apt would install it: its dependencies are known packages (a simulation, as
  # make test must not change the machine).
  apt-get install --simulate --no-install-recommends "$file" > /dev/null ||
    fail "deb: apt cannot install $file"
  rm -rf "$work" && mkdir -p "$work"
  dpkg -x "$file" "$work/root"
  installed "$work/root/usr" Release
}

command=$1; shift
case $command in
  installed | subproject | wasm | deb) "$command" "$@" ;;
  *) fail "unknown command $command" ;;
esac
