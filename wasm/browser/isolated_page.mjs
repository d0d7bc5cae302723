// A page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) served from a local server with the cross-origin isolation
// headers (COOP/COEP) that wasm threads (SharedArrayBuffer) need: "/" is
// page_html, every other path a file under root.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
                '.html': 'text/html' };

// Resolves to { page, close }: the page has loaded page_html; close() ends the
// browser and the server.
export async function openIsolatedPage(root, page_html) {
  root = resolve(root);
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
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async () => {
    await browser.close();
    server.close();
  };
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
