// The page's side of the engine: owns the Web Worker that hosts the wasm
// engine, matches answers to requests, and can stop a run by terminating the
// worker (a fresh one is started for the next request).

export class StoppedError extends Error {
  constructor() {
    super('stopped: the engine was terminated');
  }
}

export class EngineClient {
  // onStatus(state, message) is called with 'loading', 'ready' or 'error'.
  constructor(workerUrl, onStatus) {
    this.workerUrl = workerUrl;
    this.onStatus = onStatus;
    this.nextId = 1;
    this.pending = new Map();
    this.start();
  }

  start() {
    this.ready = false;
    this.failure = null;
    this.onStatus('loading', 'Loading the engine…');
    const worker = new Worker(this.workerUrl);
    this.worker = worker;
    // Events still queued from a worker that was replaced are dropped.
    worker.onmessage = (event) => {
      if (worker === this.worker) this.receive(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (worker !== this.worker) return;
      const reason = event.message || 'could not load engine-worker.js';
      console.warn(`playground: the engine worker reported an error: ${reason}`);
      this.crashed(reason);
    };
  }

  // The engine aborted or one of its threads threw: before it was ready it
  // cannot load (stay failed); once it was ready its memory may be damaged, so
  // fail what was pending and start a fresh worker.
  crashed(reason) {
    if (!this.ready) {
      this.fail(`the engine did not load: ${reason}`);
      return;
    }
    this.worker.terminate();
    this.rejectPending(new Error(`the engine crashed (${reason}); it was restarted`));
    this.start();
  }

  receive(message) {
    if (message.type === 'ready') {
      this.ready = true;
      this.onStatus('ready', 'Engine ready');
    } else if (message.type === 'crashed') {
      this.crashed(message.message);
    } else {
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      if (message.type === 'failed') request.reject(new Error(message.message));
      else request.resolve(message.result);
    }
  }

  fail(message) {
    this.failure = message;
    this.onStatus('error', message);
    this.rejectPending(new Error(message));
  }

  rejectPending(error) {
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
  }

  request(type, text) {
    if (this.failure) return Promise.reject(new Error(this.failure));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type, id, text });
    });
  }

  // Resolves to {ok, errors: [{path, message}]}.
  validate(text) {
    return this.request('validate', text);
  }

  // Resolves to {ok, code, errors: [{path, message}]}: the scenario as a C++ program.
  emitCpp(text) {
    return this.request('emit_cpp', text);
  }

  // Resolves to the engine's result {ok, output, trace, error, shutdown_type}.
  run(text) {
    return this.request('run', text);
  }

  // Terminates the worker (and the engine's threads with it), rejects every
  // pending request with StoppedError, and starts a fresh worker.
  stop() {
    this.worker.terminate();
    this.rejectPending(new StoppedError());
    this.start();
  }
}
