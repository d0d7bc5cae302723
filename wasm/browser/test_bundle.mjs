// Loads the browser bundle (threaded_async_demo.mjs) in headless Chromium from
// a cross-origin-isolated local server and checks that main() ran on its
// worker and that a blocking call on the page's main thread throws a clear
// error instead of hanging.
//   node wasm/browser/test_bundle.mjs <directory of the bundle>
import { openIsolatedPage } from './isolated_page.mjs';

const page_html = `<!doctype html><meta charset="utf-8"><script type="module">
import createThreadedAsyncDemo from './threaded_async_demo.mjs';
const lines = [];
window.demoLines = lines;
const demo = await createThreadedAsyncDemo({ print: (line) => lines.push(line) });
window.blockHere = () => demo.ccall('ta_demo_block_here', 'string', [], []);
window.demoReady = true;
</script>`;

const { page, close } = await openIsolatedPage(process.argv[2] ?? 'build/wasm/wasm', page_html);
let failed = false;
try {
  await page.waitForFunction(() => window.demoReady === true, null, { timeout: 30000 });
  await page.waitForFunction(() => window.demoLines.length >= 3, null, { timeout: 30000 });
  const lines = await page.evaluate(() => window.demoLines);
  const expected = ['task: 10', 'event: 11', 'queues: 55'];
  console.log(`browser: main() on a worker printed ${JSON.stringify(lines)}`);
  if (JSON.stringify(lines) !== JSON.stringify(expected)) {
    console.error(`browser: expected ${JSON.stringify(expected)}`);
    failed = true;
  }
  const message = await page.evaluate(() => window.blockHere());
  console.log(`browser: a runner on the page's main thread: ${message}`);
  if (!message.includes("would block the browser's main thread")) {
    console.error('browser: expected WouldDeadlockError naming the main thread');
    failed = true;
  }
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
