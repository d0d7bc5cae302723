// Runs a WebAssembly program of the project (the .js of an Emscripten build:
// main() on a pthread, the runtime exits when it returns) in headless Chromium,
// cross-origin isolated, and prints what it printed; exits with its exit code.
// threaded_async_bench --wasm runs the benchmarks' build so (key wasm_browser).
//   node wasm/browser/run_program.mjs <program.js> [arguments...]
import { basename, dirname } from 'node:path';
import { openIsolatedPage } from './isolated_page.mjs';

const [program, ...args] = process.argv.slice(2);
if (!program) {
  console.error('usage: node wasm/browser/run_program.mjs <program.js> [arguments...]');
  process.exit(2);
}
const page_html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>
window.programLines = [];
var Module = {
  arguments: ${JSON.stringify(args)},
  print: (line) => window.programLines.push(line),
  printErr: (line) => console.error(line),
  onExit: (code) => { window.programExit = code; },
};
</script><script src="./${basename(program)}"></script>`;

const { page, close } = await openIsolatedPage(dirname(program), page_html);
let code = 1;
try {
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(message.text());
  });
  // The benchmarks take minutes in a browser on a busy machine. Polled on a
  // timer: Playwright's default polls on every animation frame, which keeps the
  // renderer making frames on the cores the program's threads spin on (the
  // Chromium ping-pong's median of 14 runs 12.8 µs that way, 8.7 µs so;
  // docs/performance.md).
  await page.waitForFunction(() => window.programExit !== undefined, null,
                             { polling: 250, timeout: 900000 });
  for (const line of await page.evaluate(() => window.programLines)) console.log(line);
  code = await page.evaluate(() => window.programExit);
} finally {
  await close();
}
process.exit(code);
