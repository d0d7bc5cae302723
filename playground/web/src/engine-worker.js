// Runs in the page's dedicated Web Worker (never on the page's own thread):
// loads the wasm scenario engine and answers the page's messages.
//
//   page -> worker  {type: 'validate', id, text}   {type: 'run', id, text}
//                   {type: 'emit_cpp', id, text}
//   worker -> page  {type: 'ready'}
//                   {type: 'validated', id, result: {ok, errors}}
//                   {type: 'cpp', id, result: {ok, code, errors}}
//                   {type: 'result', id, result}   (the engine's result JSON)
//                   {type: 'failed', id, message}  (a call into the engine threw)
//                   {type: 'crashed', message}     (the engine did not load, or aborted)
//
// The engine runs each scenario on its own pthread and calls
// Module.onScenarioResult on this worker's thread when it ends, so this thread
// stays free while a scenario runs (a stuck loop's forced stop needs it).

const ENGINE_DIR = new URL('engine/', self.location.href);
const ENGINE_SCRIPT = new URL('playground_engine.js', ENGINE_DIR).href;

let engine = null;
const queued = [];

// Calls one of the engine's functions that return malloc'd JSON.
function callJson(name, text) {
  const pointer = engine.ccall(name, 'number', ['string'], [text]);
  try {
    return JSON.parse(engine.UTF8ToString(pointer));
  } finally {
    engine._free(pointer);
  }
}

function handle(message) {
  try {
    if (message.type === 'validate') {
      const result = callJson('ta_validate_scenario', message.text);
      self.postMessage({ type: 'validated', id: message.id, result });
    } else if (message.type === 'emit_cpp') {
      self.postMessage({ type: 'cpp', id: message.id, result: callJson('ta_emit_cpp', message.text) });
    } else if (message.type === 'run') {
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
        try {
          self.postMessage({ type: 'result', id, result: JSON.parse(json) });
        } catch (error) {
          self.postMessage({
            type: 'failed',
            id,
            message: `the engine's result is not JSON: ${error.message}`,
          });
        }
      },
      onAbort: (reason) => self.postMessage({ type: 'crashed', message: `aborted: ${reason}` }),
    });
  } catch (error) {
    self.postMessage({ type: 'crashed', message: String(error?.message ?? error) });
    return;
  }
  self.postMessage({ type: 'ready' });
  for (const message of queued.splice(0)) handle(message);
}

load();
