// JavaScript support for the pthread loop thread on Emscripten 3.1.6, linked
// with --js-library (wasm/backend.cmake).
//
// ta_thread_kill_keeping_memory terminates the Web Worker that runs a pthread,
// as Emscripten's killThread does, but frees nothing of the thread's. A
// browser ends a terminated worker asynchronously: it may run on for a while,
// and no event says when it has stopped. killThread frees the thread's pthread
// struct at once (after zeroing it), and the worker, still running, then reads
// and writes memory that malloc has handed to someone else: the pthread struct
// holds errno and the thread's identity. Here the struct, the thread-local
// storage and the stack stay allocated for ever; the worker is never reused.
// What the worker still says (messages, or an error it runs into) is not
// listened to: Emscripten treats a worker's error as fatal to the program.
mergeInto(LibraryManager.library, {
  ta_thread_kill_keeping_memory__deps: ['$PThread'],
  ta_thread_kill_keeping_memory__sig: 'ii',
  ta_thread_kill_keeping_memory: function(thread) {
    var pthread = PThread.pthreads[thread];
    if (!pthread || !pthread.worker) return 0;
    delete PThread.pthreads[thread];
    var worker = pthread.worker;
    var ignore = function() {};
    if (typeof worker.removeAllListeners === 'function') {  // Node's worker_threads
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
      worker.on('error', ignore);
    }
    worker.onmessage = ignore;
    worker.onerror = function(event) {
      if (event && event.preventDefault) event.preventDefault();
    };
    worker.terminate();
    var running = PThread.runningWorkers.indexOf(worker);
    if (running >= 0) PThread.runningWorkers.splice(running, 1);
    worker.pthread = undefined;
    return 1;
  },
});
