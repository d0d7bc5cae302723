// Soak: the playground's stuck-loop scenario, run again and again in headless
// Chromium, each time in a fresh page. Every run must end with the seed's two
// lines and FORCE_STOPPED, with nothing thrown on the page (a crashed engine
// shows as "memory access out of bounds" or "Aborted()").
//
//   node tests/soak/stuck_loop_browser.mjs RUNS   (make soak; build the site first)
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from '../../playground/web/node_modules/playwright-core/index.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const SITE = process.env.PLAYGROUND_SITE ?? join(ROOT, 'build', 'playground', 'site');
const RUNS = Number(process.argv[2] ?? 100);
const RUN_MS = 60_000;

function startServer() {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'playground', 'serve.mjs'), '--root', SITE, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = /on (http:\/\/localhost:\d+\/)/.exec(output);
      if (match) done({ url: match[1], stop: () => child.kill() });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`serve.mjs exited with ${code}: ${output}`)));
  });
}

const expected = (await readFile(join(ROOT, 'playground', 'scenarios', 'stuck-loop.expected.txt'), 'utf8')).trimEnd();
const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
const started = Date.now();
try {
  for (let run = 1; run <= RUNS; ++run) {
    const page = await browser.newPage();
    const problems = [];
    const log = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => log.push(`page ${message.type()}: ${message.text()}`));
    page.on('worker', (worker) => worker.on('console', (message) => {
      log.push(`${worker.url()} ${message.type()}: ${message.text()}`);
      if (message.type() === 'error') problems.push(`${worker.url()}: ${message.text()}`);
    }));
    let verdict = 'ok';
    try {
      await page.goto(new URL('?example=stuck-loop', server.url).href);
      await page.waitForSelector('[data-testid="status"][data-kind="ready"]', { timeout: RUN_MS });
      await page.click('[data-testid="run"]');
      const ended = ['done', 'failed', 'stopped'].map((s) => `[data-testid="output"][data-state="${s}"]`);
      await page.waitForSelector(ended.join(', '), { timeout: RUN_MS });
      const state = await page.getAttribute('[data-testid="output"]', 'data-state');
      const output = (await page.textContent('[data-testid="output"]')).trimEnd();
      if (state !== 'done') verdict = `ended ${state}: ${await page.textContent('[data-testid="run-info"]')}`;
      else if (output !== expected) verdict = `printed ${JSON.stringify(output)}`;
    } catch (error) {
      verdict = `error: ${error.message}`;
    }
    if (verdict === 'ok' && problems.length > 0) verdict = `page errors: ${problems.join(' | ')}`;
    await page.close();
    if (verdict !== 'ok') {
      ++failed;
      console.log(`run ${run}: ${verdict}\n  ${log.join('\n  ')}`);
    }
  }
} finally {
  await browser.close();
  server.stop();
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`stuck-loop scenario in Chromium: ${RUNS - failed} passed, ${failed} failed (${seconds} s)`);
process.exit(failed === 0 ? 0 : 1);
