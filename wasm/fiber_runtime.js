// JavaScript support for the fiber backend on Emscripten 3.1.6, linked with
// --js-library (wasm/backend.cmake).
//
// - Each fiber keeps its own C++ exception state (ta_fiber_before_switch, on
//   every switch). With -fexceptions, Emscripten keeps what libc++abi keeps in
//   __cxa_eh_globals (the stack of caught exceptions, the count of uncaught
//   ones, the exception being thrown) in JavaScript variables of each worker,
//   and has no __cxa_get_globals. Here each fiber keeps its own, as the native
//   backend does with __cxa_get_globals, so a task suspended in a catch block
//   does not see another task's exceptions.
// - The runtime keep-alive count stays balanced (ta_fiber_started, once per
//   fiber). Every Asyncify unwind pushes a keep-alive and every rewind pops
//   one, but a fiber's last switch away is never rewound; a worker whose count
//   stays above zero does not end its pthread when the thread function
//   returns, so pthread_join would wait for ever.
// - __cxa_current_exception_type, which this version lacks and
//   core/src/errors.cpp uses to name exceptions of any type.
mergeInto(LibraryManager.library, {
  // Saved exception states of suspended fibers of this worker, by fiber
  // address. Only fibers suspended with a non-empty state have an entry.
  $taFiberEhStates: 'new Map()',

  ta_fiber_started__deps: ['$runtimeKeepalivePop'],
  ta_fiber_started__sig: 'v',
  ta_fiber_started: function() {
    runtimeKeepalivePop();
  },

  ta_fiber_before_switch__deps: ['$taFiberEhStates', '$exceptionCaught',
                                 '$uncaughtExceptionCount', '$exceptionLast'],
  ta_fiber_before_switch__sig: 'vii',
  ta_fiber_before_switch: function(from, to) {
    if (exceptionCaught.length !== 0 || uncaughtExceptionCount !== 0 || exceptionLast !== 0) {
      taFiberEhStates.set(from, [exceptionCaught, uncaughtExceptionCount, exceptionLast]);
      exceptionCaught = [];
      uncaughtExceptionCount = 0;
      exceptionLast = 0;
    }
    var saved = taFiberEhStates.get(to);
    if (saved !== undefined) {
      taFiberEhStates.delete(to);
      exceptionCaught = saved[0];
      uncaughtExceptionCount = saved[1];
      exceptionLast = saved[2];
    }
  },

  // Drops the saved state of a fiber that is destroyed while suspended.
  ta_fiber_forget__deps: ['$taFiberEhStates'],
  ta_fiber_forget__sig: 'vi',
  ta_fiber_forget: function(fiber) {
    taFiberEhStates.delete(fiber);
  },

  __cxa_current_exception_type__deps: ['$exceptionCaught'],
  __cxa_current_exception_type__sig: 'i',
  __cxa_current_exception_type: function() {
    if (exceptionCaught.length === 0) return 0;
    return exceptionCaught[exceptionCaught.length - 1].get_exception_info().get_type();
  },
});
