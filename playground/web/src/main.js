// The playground page: pick or edit a scenario, run it in the engine's worker,
// and show its output, its errors and its timeline, and the scenario as the
// C++ program a user of the library would write.
//
// ?example=SLUG opens an example, #scenario=... a shared scenario, ?embed=1
// shows only the editor, output and timeline (for an iframe).

import { cpp } from '@codemirror/lang-cpp';
import { json, jsonLanguage } from '@codemirror/lang-json';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { Compartment, EditorSelection, EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, keymap, lineNumbers } from '@codemirror/view';
import { basicSetup } from 'codemirror';

import { scenarioCompletion } from './completion.js';
import { pageTheme, setEditorDark } from './editor-theme.js';
import { EngineClient, StoppedError } from './engine-client.js';
import { ensureIsolation } from './isolation.js';
import { lineColumn, locatePointer, parseWithLocations } from './json-locate.js';
import { renderTimeline } from './timeline.js';

const VALIDATE_DELAY_MS = 300;
const SHARE_PREFIX = '#scenario=';
const THEME_KEY = 'threaded_async.playground.theme';
const EMBED = new URLSearchParams(location.search).get('embed') === '1';
const DARK_QUERY = matchMedia('(prefers-color-scheme: dark)');

const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
const ui = {
  select: byTestId('scenario-select'),
  editorHost: byTestId('editor'),
  run: byTestId('run'),
  stop: byTestId('stop'),
  share: byTestId('share'),
  shareLink: byTestId('share-link'),
  output: byTestId('output'),
  timeline: byTestId('timeline'),
  error: byTestId('error'),
  status: byTestId('status'),
  runInfo: byTestId('run-info'),
  description: byTestId('scenario-description'),
  tabs: [...document.querySelectorAll('[role="tab"]')],
  cppView: byTestId('cpp-view'),
  cppHost: byTestId('cpp-code'),
  cppCopy: byTestId('cpp-copy'),
  cppError: byTestId('cpp-error'),
  themeToggle: byTestId('theme-toggle'),
  shortcuts: byTestId('shortcuts'),
  shortcutsButton: byTestId('shortcuts-button'),
  openFull: byTestId('open-full'),
  timelineStep: byTestId('timeline-step'),
};

const state = {
  scenarios: [],
  validation: 0,
  validateTimer: null,
  running: false,
  lastResult: null,
  cppTicket: 0,
  // The text of the last run, with its JSON Pointer spans: the timeline's paths point into it.
  ranText: null,
  ranSpans: null,
};

let engine = null;

// Hooks for tests and the console: the editor's text and the last run's
// result as the engine returned it.
window.playground = {
  get lastResult() {
    return state.lastResult;
  },
  editorText: () => editorText(),
  cppText: () => cppView.state.doc.toString(),
  selection: () => {
    const { from, to } = editor.state.selection.main;
    return { from, to, text: editor.state.sliceDoc(from, to) };
  },
};

// ---- theme --------------------------------------------------------------------

// The remembered choice, else the system's.
function currentTheme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return DARK_QUERY.matches ? 'dark' : 'light';
}

function applyTheme() {
  const theme = currentTheme();
  document.documentElement.dataset.theme = theme;
  const other = theme === 'dark' ? 'light' : 'dark';
  ui.themeToggle.textContent = theme === 'dark' ? '☀' : '☾';
  ui.themeToggle.title = `Switch to the ${other} theme`;
  ui.themeToggle.setAttribute('aria-label', `Switch to the ${other} theme`);
  for (const view of [editor, cppView]) setEditorDark(view, theme === 'dark');
}

function toggleTheme() {
  localStorage.setItem(THEME_KEY, currentTheme() === 'dark' ? 'light' : 'dark');
  applyTheme();
}

// ---- editor ---------------------------------------------------------------

// The step under the pointer in the timeline, marked in the editor.
const hoverStep = StateEffect.define();
const stepMark = Decoration.mark({ class: 'cm-step-hover' });
const stepHover = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    for (const effect of transaction.effects) {
      if (effect.is(hoverStep)) {
        const range = effect.value;
        return range && range.to > range.from
          ? Decoration.set([stepMark.range(range.from, range.to)])
          : Decoration.none;
      }
    }
    return transaction.docChanged ? Decoration.none : marks.map(transaction.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

// Completion from the schema, set once the schema has loaded.
const completion = new Compartment();

const editor = new EditorView({
  parent: ui.editorHost,
  extensions: [
    Prec.highest(
      keymap.of([
        {
          key: 'Mod-Enter',
          run: () => {
            runScenario();
            return true;
          },
        },
      ]),
    ),
    basicSetup,
    pageTheme(document.documentElement.dataset.theme === 'dark'),
    stepHover,
    json(),
    completion.of([]),
    lintGutter(),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ 'aria-label': 'Scenario JSON' }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) scheduleValidation();
    }),
  ],
});

function editorText() {
  return editor.state.doc.toString();
}

// The C++ view: read-only, highlighted, filled by the engine's generator.
const cppView = new EditorView({
  parent: ui.cppHost,
  extensions: [
    lineNumbers(),
    pageTheme(document.documentElement.dataset.theme === 'dark'),
    cpp(),
    EditorState.readOnly.of(true),
    EditorView.contentAttributes.of({ 'aria-label': 'The scenario as a C++ program' }),
  ],
});

function setEditorText(text) {
  editor.dispatch({
    changes: { from: 0, to: editor.state.doc.length, insert: text },
    selection: EditorSelection.cursor(0),
    scrollIntoView: true,
  });
}

function focusEditorAt(offset) {
  const at = Math.min(offset, editor.state.doc.length);
  editor.dispatch({ selection: EditorSelection.cursor(at), scrollIntoView: true });
  editor.focus();
}

// ---- errors -----------------------------------------------------------------

// Each problem: {kind, path, message, from, to} with offsets into the text.
function showProblems(problems, text) {
  editor.dispatch(
    setDiagnostics(
      editor.state,
      problems.map((problem) => ({
        from: Math.min(problem.from, editor.state.doc.length),
        to: Math.min(Math.max(problem.to, problem.from), editor.state.doc.length),
        severity: 'error',
        message: problem.path ? `${problem.path}: ${problem.message}` : problem.message,
      })),
    ),
  );
  ui.error.replaceChildren();
  ui.error.hidden = problems.length === 0;
  if (problems.length === 0) return;
  const heading = document.createElement('h2');
  heading.textContent = problems[0].kind;
  const list = document.createElement('ul');
  for (const problem of problems) {
    const { line, column } = lineColumn(text, problem.from);
    const item = document.createElement('li');
    const where = document.createElement('button');
    where.type = 'button';
    where.className = 'error-where';
    where.title = 'Show in the editor';
    where.textContent = `line ${line}, column ${column}`;
    where.addEventListener('click', () => focusEditorAt(problem.from));
    item.append(where);
    if (problem.path) {
      const path = document.createElement('code');
      path.className = 'error-path';
      path.textContent = problem.path;
      item.append(' at ', path);
    }
    const message = document.createElement('span');
    message.className = 'error-message';
    message.textContent = problem.message;
    item.append(': ', message);
    list.append(item);
  }
  ui.error.append(heading, list);
}

function syntaxProblem(parsed) {
  return {
    kind: 'The document is not valid JSON',
    path: '',
    message: parsed.error.message,
    from: parsed.error.offset,
    to: parsed.error.offset + 1,
  };
}

function pointerProblems(kind, errors, spans) {
  return errors.map((error) => {
    const span = locatePointer(spans, error.path ?? '');
    return { kind, path: error.path || '(document)', message: error.message, ...span };
  });
}

// Checks the editor's text: JSON syntax here, the schema in the engine.
// Returns {text, parsed, problems}; stale answers (the text changed since) are
// dropped by the caller comparing `text`.
async function checkDocument(text) {
  const parsed = parseWithLocations(text);
  if (!parsed.ok) return { text, parsed, problems: [syntaxProblem(parsed)] };
  if (!engine?.ready) return { text, parsed, problems: [] };
  const verdict = await engine.validate(text);
  const problems = verdict.ok
    ? []
    : pointerProblems('The scenario does not match the schema', verdict.errors, parsed.spans);
  return { text, parsed, problems };
}

function scheduleValidation() {
  clearTimeout(state.validateTimer);
  ui.cppView.dataset.state = 'pending';
  state.validateTimer = setTimeout(validateNow, VALIDATE_DELAY_MS);
}

// ---- the C++ view -------------------------------------------------------------

async function updateCpp(text) {
  const ticket = ++state.cppTicket;
  ui.cppView.dataset.state = 'pending';
  if (!engine?.ready) return;
  let answer;
  const parsed = parseWithLocations(text);
  if (!parsed.ok) {
    answer = {
      ok: false,
      code: '',
      errors: [{ path: '', message: `not valid JSON: ${parsed.error.message}` }],
    };
  } else {
    try {
      answer = await engine.emitCpp(text);
    } catch (error) {
      if (error instanceof StoppedError) return;
      answer = { ok: false, code: '', errors: [{ path: '', message: String(error.message) }] };
    }
  }
  if (ticket !== state.cppTicket || text !== editorText()) return;
  if (answer.ok) {
    cppView.dispatch({ changes: { from: 0, to: cppView.state.doc.length, insert: answer.code } });
  }
  ui.cppError.replaceChildren();
  ui.cppError.hidden = answer.ok;
  ui.cppHost.hidden = !answer.ok;
  ui.cppCopy.disabled = !answer.ok;
  if (!answer.ok) {
    const heading = document.createElement('h2');
    heading.textContent = 'This scenario has no C++ program to show';
    const list = document.createElement('ul');
    for (const error of answer.errors) {
      const item = document.createElement('li');
      if (error.path) {
        const path = document.createElement('code');
        path.className = 'error-path';
        path.textContent = error.path;
        item.append(path, ': ');
      }
      item.append(error.message);
      list.append(item);
    }
    ui.cppError.append(heading, list);
  }
  ui.cppView.dataset.state = answer.ok ? 'ok' : 'error';
}

function showView(view) {
  for (const tab of ui.tabs) tab.setAttribute('aria-selected', String(tab.dataset.view === view));
  ui.editorHost.hidden = view !== 'json';
  ui.cppView.hidden = view !== 'cpp';
  if (view === 'cpp') cppView.requestMeasure();
}

async function copyCpp() {
  const code = cppView.state.doc.toString();
  try {
    await navigator.clipboard.writeText(code);
    setStatus('ready', 'C++ program copied to the clipboard');
  } catch {
    cppView.dispatch({ selection: EditorSelection.range(0, code.length) });
    cppView.focus();
    setStatus('ready', 'The C++ program is selected: copy it with Ctrl+C');
  }
}

async function validateNow() {
  const ticket = ++state.validation;
  updateCpp(editorText());
  try {
    const check = await checkDocument(editorText());
    if (ticket === state.validation && check.text === editorText()) {
      showProblems(check.problems, check.text);
    }
  } catch (error) {
    if (!(error instanceof StoppedError)) setStatus('error', String(error.message));
  }
}

// ---- running ----------------------------------------------------------------

function setStatus(kind, text) {
  ui.status.dataset.kind = kind;
  ui.status.textContent = text;
}

function setRunning(running) {
  state.running = running;
  document.body.dataset.runState = running ? 'running' : 'idle';
  ui.run.disabled = running;
  ui.stop.disabled = !running;
}

function showResult(result, text, spans, elapsedMs) {
  state.lastResult = result;
  state.ranText = text;
  state.ranSpans = spans;
  ui.output.textContent = (result.output ?? []).join('\n');
  ui.output.dataset.state = 'done';
  renderTimeline(ui.timeline, result.trace ?? []);
  const parts = [result.ok ? 'Finished' : 'Failed'];
  if (result.shutdown_type) parts.push(`shutdown ${result.shutdown_type}`);
  parts.push(`${(elapsedMs / 1000).toFixed(2)} s`);
  ui.runInfo.textContent = parts.join(' · ');
  ui.runInfo.dataset.ok = String(result.ok);
  if (result.error) {
    const kind = result.error.path ? 'The run stopped at a step' : 'The run failed';
    showProblems(pointerProblems(kind, [result.error], spans), text);
  } else {
    showProblems([], text);
  }
}

async function runScenario() {
  if (state.running || !engine) return;
  clearTimeout(state.validateTimer);
  ++state.validation;
  const text = editorText();
  const parsed = parseWithLocations(text);
  if (!parsed.ok) {
    showProblems([syntaxProblem(parsed)], text);
    ui.output.dataset.state = 'rejected';
    return;
  }
  setRunning(true);
  ui.output.dataset.state = 'running';
  ui.output.textContent = '';
  ui.runInfo.dataset.ok = '';
  const started = performance.now();
  const showProgress = () => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    ui.runInfo.textContent = engine.ready ? `Running… ${seconds} s` : 'Waiting for the engine, then running…';
  };
  showProgress();
  const ticker = setInterval(showProgress, 100);
  try {
    const result = await engine.run(text);
    showResult(result, text, parsed.spans, performance.now() - started);
  } catch (error) {
    ui.output.dataset.state = error instanceof StoppedError ? 'stopped' : 'failed';
    ui.runInfo.textContent =
      error instanceof StoppedError ? 'Stopped: the engine worker was terminated' : error.message;
    ui.runInfo.dataset.ok = 'false';
  } finally {
    clearInterval(ticker);
    setRunning(false);
  }
}

function stopScenario() {
  if (state.running) engine.stop();
}

function startEngine() {
  engine = new EngineClient(new URL('engine-worker.js', document.baseURI), (kind, message) => {
    setStatus(kind, message);
    if (kind === 'ready') validateNow();
  });
}

// ---- scenarios, share links -------------------------------------------------

function describeScenario(entry) {
  ui.description.textContent = entry?.description ?? '';
  ui.description.hidden = !entry?.description;
}

async function loadExample(requested) {
  const known = state.scenarios.some((scenario) => scenario.slug === requested);
  const slug = known ? requested : state.scenarios[0].slug;
  const entry = state.scenarios.find((scenario) => scenario.slug === slug);
  const response = await fetch(`scenarios/${encodeURIComponent(slug)}.json`);
  if (!response.ok) throw new Error(`could not load scenario ${slug}: HTTP ${response.status}`);
  ui.select.value = slug;
  describeScenario(
    known ? entry : { description: `There is no example called "${requested}"; here is "${entry.title}".` },
  );
  setEditorText(await response.text());
  ui.output.textContent = '';
  ui.output.dataset.state = 'empty';
  ui.runInfo.textContent = '';
  renderTimeline(ui.timeline, null);
}

function sharedScenario() {
  if (!location.hash.startsWith(SHARE_PREFIX)) return null;
  try {
    return decodeURIComponent(location.hash.slice(SHARE_PREFIX.length));
  } catch {
    setStatus('error', 'The share link is damaged: its scenario could not be decoded.');
    return null;
  }
}

function openShared(text) {
  ui.select.value = 'shared';
  describeScenario({ description: 'Opened from a share link.' });
  setEditorText(text);
}

function shareLink() {
  const url = new URL(location.href);
  url.search = '';
  url.hash = `${SHARE_PREFIX.slice(1)}${encodeURIComponent(editorText())}`;
  return url.href;
}

async function shareScenario() {
  const link = shareLink();
  history.replaceState(null, '', link);
  ui.shareLink.hidden = false;
  ui.shareLink.value = link;
  ui.shareLink.select();
  try {
    await navigator.clipboard.writeText(link);
    setStatus('ready', 'Share link copied to the clipboard');
  } catch {
    setStatus('ready', 'Share link ready: copy it from the field');
  }
}

// Ctrl/Cmd+S: the share link goes to the address bar (to copy or bookmark).
function shareInAddressBar() {
  history.replaceState(null, '', shareLink());
  setStatus('ready', 'The share link is in the address bar');
}

function openShortcuts() {
  if (!ui.shortcuts.open) ui.shortcuts.showModal();
}

// ---- from the timeline to the source --------------------------------------------

// The step a timeline element came from, as a range of the editor's text, if
// the editor still holds the text that ran.
function stepRange(target) {
  const element = target.closest?.('[data-path]');
  if (!element || !element.dataset.path || state.ranText === null || state.ranText !== editorText()) {
    return null;
  }
  const span = locatePointer(state.ranSpans, element.dataset.path);
  return { ...span, path: element.dataset.path };
}

function describeStep(range) {
  const source = editorText().slice(range.from, range.to).replace(/\s+/g, ' ');
  return `${range.path}: ${source.length > 140 ? `${source.slice(0, 140)}…` : source}`;
}

function hoverTimeline(event) {
  const range = stepRange(event.target);
  editor.dispatch({ effects: hoverStep.of(range) });
  if (range) ui.timelineStep.textContent = describeStep(range);
  ui.timelineStep.dataset.path = range?.path ?? '';
}

function clickTimeline(event) {
  const range = stepRange(event.target);
  if (!range) return;
  showView('json');
  editor.dispatch({ selection: EditorSelection.range(range.from, range.to), scrollIntoView: true });
  editor.focus();
  ui.timelineStep.textContent = describeStep(range);
  ui.timelineStep.dataset.path = range.path;
}

function fillPicker() {
  const shared = document.createElement('option');
  shared.value = 'shared';
  shared.textContent = 'Shared scenario';
  shared.hidden = true;
  const groups = new Map();
  for (const entry of state.scenarios) {
    if (!groups.has(entry.group)) {
      const group = document.createElement('optgroup');
      group.label = entry.group;
      groups.set(entry.group, group);
    }
    const option = document.createElement('option');
    option.value = entry.slug;
    option.textContent = entry.title;
    groups.get(entry.group).append(option);
  }
  ui.select.replaceChildren(shared, ...groups.values());
}

async function start() {
  if (EMBED) {
    document.body.dataset.embed = 'true';
    ui.openFull.hidden = false;
  }
  applyTheme();
  if (/Mac|iPhone|iPad/.test(navigator.platform)) {
    ui.run.querySelector('kbd').textContent = '⌘ ↵';
    ui.run.title = 'Run (⌘+Enter)';
    for (const key of document.querySelectorAll('kbd[data-mod]')) key.textContent = '⌘';
  }
  DARK_QUERY.addEventListener('change', applyTheme);
  ui.themeToggle.addEventListener('click', toggleTheme);
  ui.shortcutsButton.addEventListener('click', openShortcuts);
  for (const tab of ui.tabs) tab.addEventListener('click', () => showView(tab.dataset.view));
  ui.cppCopy.addEventListener('click', copyCpp);
  ui.timeline.addEventListener('mouseover', hoverTimeline);
  ui.timeline.addEventListener('mouseleave', () => editor.dispatch({ effects: hoverStep.of(null) }));
  ui.timeline.addEventListener('click', clickTimeline);
  // The full page opens with the scenario as it is now.
  ui.openFull.addEventListener('click', () => {
    ui.openFull.href = shareLink();
  });
  setRunning(false);
  renderTimeline(ui.timeline, null);
  setStatus('loading', 'Loading…');
  if (!(await ensureIsolation())) {
    setStatus(
      'error',
      'This page is not cross-origin isolated, so the engine cannot use threads. ' +
        'Serve it with `make playground`, or from a host where its service worker can run (https or localhost).',
    );
    ui.run.disabled = true;
    return;
  }
  startEngine();
  ui.run.addEventListener('click', runScenario);
  ui.stop.addEventListener('click', stopScenario);
  ui.share.addEventListener('click', shareScenario);
  ui.select.addEventListener('change', async () => {
    const slug = ui.select.value;
    history.replaceState(null, '', `?example=${encodeURIComponent(slug)}`);
    await loadExample(slug);
  });
  document.addEventListener('keydown', (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (event.key === 'Enter' && mod && !editor.hasFocus) {
      event.preventDefault();
      runScenario();
    } else if (event.key.toLowerCase() === 's' && mod && !event.altKey && !event.shiftKey) {
      event.preventDefault();
      shareInAddressBar();
    } else if (event.key === '?' && !mod && !event.altKey && !editor.hasFocus && !ui.shortcuts.open) {
      const typing = event.target.closest?.('input, select, textarea, [contenteditable="true"]');
      if (!typing) {
        event.preventDefault();
        openShortcuts();
      }
    }
  });
  window.addEventListener('hashchange', () => {
    const text = sharedScenario();
    if (text !== null) openShared(text);
  });

  const [index, schema] = await Promise.all(
    ['scenarios/index.json', 'schema/scenario.schema.json'].map(async (path) => {
      const response = await fetch(path);
      if (!response.ok) throw new Error(`could not load ${path}: HTTP ${response.status}`);
      return response.json();
    }),
  );
  state.scenarios = index;
  fillPicker();
  editor.dispatch({
    effects: completion.reconfigure(jsonLanguage.data.of({ autocomplete: scenarioCompletion(schema) })),
  });

  const shared = sharedScenario();
  const requested = new URLSearchParams(location.search).get('example');
  if (shared !== null) openShared(shared);
  else await loadExample(requested ?? state.scenarios[0].slug);
  document.body.dataset.pageState = 'loaded';
}

start().catch((error) => setStatus('error', `The page could not start: ${error.message}`));
