// Runs in the page's dedicated Web Worker (never on the page's own thread):
// loads the wasm scenario engine and answers the page's messages.
//
//   page -> worker  {type: 'validate', id, text}   {type: 'run', id, text}
//   worker -> page  {type: 'ready'}                {type: 'load-error', message}
//                   {type: 'validated', id, result: {ok, errors}}
//                   {type: 'result', id, result}   (the engine's result JSON)
//                   {type: 'failed', id, message}  (the engine threw or aborted)
//
// The engine runs each scenario on its own pthread and calls
// Module.onScenarioResult on this worker's thread when it ends, so this thread
// stays free while a scenario runs (a stuck loop's forced stop needs it).

const ENGINE_DIR = new URL('engine/', self.location.href);
const ENGINE_SCRIPT = new URL('playground_engine.js', ENGINE_DIR).href;

let engine = null;
let runningId = null;
const queued = [];

function validate(text) {
  const pointer = engine.ccall('ta_validate_scenario', 'number', ['string'], [text]);
  try {
    return JSON.parse(engine.UTF8ToString(pointer));
  } finally {
    engine._free(pointer);
  }
}

function handle(message) {
  try {
    if (message.type === 'validate') {
      self.postMessage({ type: 'validated', id: message.id, result: validate(message.text) });
    } else if (message.type === 'run') {
      runningId = message.id;
      engine.ccall('ta_start_scenario', null, ['number', 'string'], [message.id, message.text]);
    }
  } catch (error) {
    self.postMessage({ type: 'failed', id: message.id, message: String(error?.message ?? error) });
  }
}

self.onmessage = (event) => {
  if (engine) handle(event.data);
  else queued.push(event.data);
};

async function load() {
  try {
    self.importScripts(ENGINE_SCRIPT);
    engine = await self.createPlaygroundEngine({
      mainScriptUrlOrBlob: ENGINE_SCRIPT,
      locateFile: (file) => new URL(file, ENGINE_DIR).href,
      onScenarioResult: (id, json) => {
        if (id === runningId) runningId = null;
        self.postMessage({ type: 'result', id, result: JSON.parse(json) });
      },
      onAbort: (reason) => {
        if (runningId !== null) {
          self.postMessage({ type: 'failed', id: runningId, message: `engine aborted: ${reason}` });
        }
      },
    });
  } catch (error) {
    self.postMessage({ type: 'load-error', message: String(error?.message ?? error) });
    return;
  }
  self.postMessage({ type: 'ready' });
  for (const message of queued.splice(0)) handle(message);
}

load();
