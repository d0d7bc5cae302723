// Builds the playground site: bundles the page and its worker with esbuild and
// gathers the wasm engine and the scenarios next to them.
//
//   node playground/web/build.mjs [--out DIR] [--engine DIR] [--scenarios DIR] [--schema FILE]
//
// Defaults: --out build/playground/site, --engine build/wasm-playground (the
// output of `make playground-engine-wasm`), --scenarios playground/scenarios,
// --schema playground/schema/scenario.schema.json (for completion).
// The result is plain static files with relative links: serve it with
// playground/serve.mjs, or copy it to any static host.

import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(WEB, '..', '..');
const ENGINE_FILES = ['playground_engine.js', 'playground_engine.wasm', 'playground_engine.worker.js'];
// The seed's cookbook sections, in the seed's order; other scenarios follow.
const COOKBOOK = ['background', 'events', 'queues', 'control-inversion', 'errors', 'stuck-loop'];

function parseArgs(argv) {
  const options = {
    out: join(ROOT, 'build', 'playground', 'site'),
    engine: join(ROOT, 'build', 'wasm-playground'),
    scenarios: join(ROOT, 'playground', 'scenarios'),
    schema: join(ROOT, 'playground', 'schema', 'scenario.schema.json'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in options) || i + 1 >= argv.length) {
      throw new Error(
        `unknown option ${argv[i]}; use --out DIR, --engine DIR, --scenarios DIR or --schema FILE`,
      );
    }
    options[name] = resolve(argv[i + 1]);
  }
  return options;
}

async function bundle(out) {
  const common = { bundle: true, minify: true, sourcemap: true, target: 'es2020', logLevel: 'warning' };
  await esbuild.build({
    ...common,
    entryPoints: [join(WEB, 'src', 'main.js')],
    outfile: join(out, 'app.js'),
    format: 'esm',
  });
  for (const name of ['engine-worker.js', 'coi-sw.js']) {
    await esbuild.build({
      ...common,
      entryPoints: [join(WEB, 'src', name)],
      outfile: join(out, name),
      format: 'iife',
    });
  }
  await copyFile(join(WEB, 'index.html'), join(out, 'index.html'));
  await copyFile(join(WEB, 'src', 'style.css'), join(out, 'style.css'));
}

async function copyEngine(engineDir, out) {
  await mkdir(join(out, 'engine'));
  for (const name of ENGINE_FILES) {
    try {
      await copyFile(join(engineDir, name), join(out, 'engine', name));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      throw new Error(
        `${join(engineDir, name)} is missing: build the engine first (make playground-engine-wasm)`,
      );
    }
  }
}

// Copies every <slug>.json scenario and writes scenarios/index.json, the
// picker's list: [{slug, title, description, group}].
async function copyScenarios(scenarioDir, out) {
  await mkdir(join(out, 'scenarios'));
  const files = (await readdir(scenarioDir)).filter((name) => name.endsWith('.json')).sort();
  const entries = [];
  for (const file of files) {
    const slug = basename(file, '.json');
    const text = await readFile(join(scenarioDir, file), 'utf8');
    let document;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new Error(`${join(scenarioDir, file)} is not valid JSON: ${error.message}`);
    }
    await writeFile(join(out, 'scenarios', file), text);
    entries.push({
      slug,
      title: document.title ?? document.name ?? slug,
      description: document.description ?? '',
      group: COOKBOOK.includes(slug) ? 'Cookbook' : 'More scenarios',
    });
  }
  const missing = COOKBOOK.filter((slug) => !entries.some((entry) => entry.slug === slug));
  if (missing.length > 0) {
    throw new Error(`${scenarioDir} lacks the cookbook scenarios ${missing.join(', ')}`);
  }
  const order = (entry) => (COOKBOOK.includes(entry.slug) ? COOKBOOK.indexOf(entry.slug) : COOKBOOK.length);
  entries.sort((a, b) => order(a) - order(b) || a.slug.localeCompare(b.slug));
  await writeFile(join(out, 'scenarios', 'index.json'), `${JSON.stringify(entries, null, 2)}\n`);
  return entries.length;
}

try {
  const options = parseArgs(process.argv.slice(2));
  await rm(options.out, { recursive: true, force: true });
  await mkdir(options.out, { recursive: true });
  await bundle(options.out);
  await copyEngine(options.engine, options.out);
  const count = await copyScenarios(options.scenarios, options.out);
  await mkdir(join(options.out, 'schema'));
  await copyFile(options.schema, join(options.out, 'schema', 'scenario.schema.json'));
  console.log(`playground: built ${options.out} (${count} scenarios)`);
} catch (error) {
  console.error(`playground: build failed: ${error.message}`);
  process.exit(1);
}
