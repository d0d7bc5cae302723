// Runs every scenario through the wasm engine under Node, the way the page's
// worker does (ta_validate_scenario, then ta_start_scenario and
// Module.onScenarioResult), and compares the output with <slug>.expected.txt.
// Usage: node --no-experimental-fetch wasm_scenarios.cjs ENGINE_JS SCENARIO_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const [engineJs, scenarioDir] = process.argv.slice(2);
const createPlaygroundEngine = require(path.resolve(engineJs));

async function main() {
  const pending = new Map();
  const engine = await createPlaygroundEngine({
    onScenarioResult(id, json) {
      pending.get(id)(JSON.parse(json));
      pending.delete(id);
    },
  });
  const validate = (text) => {
    const ptr = engine.ccall('ta_validate_scenario', 'number', ['string'], [text]);
    const result = JSON.parse(engine.UTF8ToString(ptr));
    engine._free(ptr);
    return result;
  };
  let nextId = 1;
  const run = (text) => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    engine.ccall('ta_start_scenario', null, ['number', 'string'], [id, text]);
  });

  let failed = false;
  const bad = validate('{"tasks": {"worker": {"body": [{"op": "gett"}]}}, "main": []}');
  if (bad.ok || bad.errors[0].path !== '/tasks/worker/body/0/op') {
    console.log('FAIL validation of a wrong document:', JSON.stringify(bad));
    failed = true;
  }
  const files = fs.readdirSync(scenarioDir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const slug = path.basename(file, '.json');
    const text = fs.readFileSync(path.join(scenarioDir, file), 'utf8');
    const expected = fs.readFileSync(path.join(scenarioDir, slug + '.expected.txt'), 'utf8')
      .split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
    const checked = validate(text);
    const start = Date.now();
    const result = await run(text);
    const seconds = ((Date.now() - start) / 1000).toFixed(2);
    const same = result.ok && checked.ok &&
      JSON.stringify(result.output) === JSON.stringify(expected) && result.trace.length > 0;
    if (same) {
      console.log(`ok   ${slug.padEnd(20)} ${seconds} s  ${result.shutdown_type}`);
    } else {
      failed = true;
      console.log(`FAIL ${slug}: ${JSON.stringify({ok: result.ok, error: result.error, output: result.output})}`);
    }
  }
  process.exit(failed || files.length === 0 ? 1 : 0);
}

main().catch((e) => {
  console.log('FAIL', e);
  process.exit(1);
});
