// Loads the browser bundle (threaded_async_demo.mjs) in headless Chromium from
// a cross-origin-isolated local server and checks that main() ran on its
// worker and that a blocking call on the page's main thread throws a clear
// error instead of hanging.
//   node wasm/browser/test_bundle.mjs <directory of the bundle>
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(process.argv[2] ?? 'build/wasm/wasm');
const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
                '.html': 'text/html' };
const page_html = `<!doctype html><meta charset="utf-8"><script type="module">
import createThreadedAsyncDemo from './threaded_async_demo.mjs';
const lines = [];
window.demoLines = lines;
const demo = await createThreadedAsyncDemo({ print: (line) => lines.push(line) });
window.blockHere = () => demo.ccall('ta_demo_block_here', 'string', [], []);
window.demoReady = true;
</script>`;

const server = createServer(async (request, response) => {
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin',
                    'Cross-Origin-Embedder-Policy': 'require-corp' };
  const path = new URL(request.url, 'http://localhost').pathname;
  try {
    const body = path === '/' ? page_html : await readFile(join(root, path));
    const type = path === '/' ? types['.html'] : types[extname(path)] ?? 'application/octet-stream';
    response.writeHead(200, { ...headers, 'Content-Type': type });
    response.end(body);
  } catch {
    response.writeHead(404, headers);
    response.end();
  }
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
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
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
