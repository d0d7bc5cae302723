// Serves the built playground (build/playground/site) over HTTP with the
// cross-origin isolation headers that wasm threads (SharedArrayBuffer) need.
//
//   node playground/serve.mjs [--root DIR] [--host HOST] [--port N] [--no-isolation]
//
// --port 0 picks a free port. Once listening it prints one line,
// "playground: serving DIR on http://localhost:PORT/", which the browser tests
// read to learn the port. --no-isolation leaves out COOP/COEP, as a plain
// static host would; the page's service worker then adds them itself.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

function parseArgs(argv) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const options = {
    root: resolve(here, '..', 'build', 'playground', 'site'),
    host: '127.0.0.1',
    port: 8000,
    isolation: true,
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value, e.g. ${arg} 8000`);
      return argv[++i];
    };
    if (arg === '--root') options.root = resolve(value());
    else if (arg === '--host') options.host = value();
    else if (arg === '--port') options.port = Number(value());
    else if (arg === '--no-isolation') options.isolation = false;
    else throw new Error(`unknown option ${arg}; use --root DIR, --host HOST, --port N or --no-isolation`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error('--port takes a number from 0 to 65535 (0 = any free port)');
  }
  return options;
}

function headersFor(path, isolation) {
  const headers = {
    'Content-Type': MIME_TYPES[extname(path)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
  };
  if (isolation) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    headers['Cross-Origin-Resource-Policy'] = 'same-origin';
  }
  return headers;
}

// Maps a request path to a file under root, or null if it would leave root.
function fileFor(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const path = normalize(join(root, decoded));
  return path === root || path.startsWith(root + sep) ? path : null;
}

async function handle(options, request, response) {
  const url = new URL(request.url, 'http://localhost');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  let path = fileFor(options.root, url.pathname);
  if (path === null) {
    response.writeHead(403).end('forbidden\n');
    return;
  }
  try {
    let info = await stat(path);
    if (info.isDirectory()) {
      path = join(path, 'index.html');
      info = await stat(path);
    }
    response.writeHead(200, { ...headersFor(path, options.isolation), 'Content-Length': info.size });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(path).pipe(response);
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
  await stat(join(options.root, 'index.html'));
} catch (error) {
  const hint = error.code === 'ENOENT' ? ' (build it first: make playground-static)' : '';
  console.error(`playground: ${error.message}${hint}`);
  process.exit(2);
}

const server = createServer((request, response) => {
  handle(options, request, response).catch((error) => {
    console.error(`playground: ${request.url}: ${error.message}`);
    if (!response.headersSent) response.writeHead(500);
    response.end();
  });
});
server.on('error', (error) => {
  console.error(`playground: ${error.message}`);
  process.exit(1);
});
server.listen(options.port, options.host, () => {
  const { port } = server.address();
  const shown = options.host === '127.0.0.1' || options.host === '0.0.0.0' ? 'localhost' : options.host;
  const mode = options.isolation ? '' : ' (without COOP/COEP headers)';
  console.log(`playground: serving ${options.root} on http://${shown}:${port}/${mode}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
