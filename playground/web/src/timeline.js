// The timeline: one lane for each thread that did something outside a task
// (the main thread first) and one lane per task, drawn from a run's trace.
// A lane shows when its thread or task ran, when it waited (a task suspended,
// a thread blocked) and how a task ended; other trace events (created, set,
// put, get, print, ...) are marks on it. Each bar, mark and end carries the
// JSON Pointer of the step that produced it (data-path), for the page to
// select that step in the editor.

const RUN_EVENTS = new Set(['started', 'resumed', 'unblocked', 'timed_out']);
const WAIT_EVENTS = new Set(['suspended', 'blocked']);
const END_EVENTS = new Set(['finished', 'cancelled', 'failed']);
// Events that change the state and are worth a mark of their own too.
const MARKED_RUN_EVENTS = new Set(['timed_out']);

// The step an entry came from, if the trace says.
function where(entry) {
  return entry.path ? { path: entry.path } : {};
}

function laneKey(entry) {
  return entry.task == null ? `thread:${entry.thread}` : `task:${entry.task}`;
}

// Groups the trace into lanes: [{kind, name, segments: [{state, from, to,
// path?, detail?, unfinished?}], marks: [{t, event, detail, path?}], end:
// {t, event, detail, path?} | null}] (path: the step that opened the segment
// or made the mark, when the trace has it), the main thread first, then other threads, then tasks,
// each in order of appearance. A lane runs from its first event; a thread's
// lane ends at its last event, a task that never ended runs to the end of the
// trace (unfinished).
export function buildLanes(trace) {
  const lanes = new Map();
  const progress = new Map();
  const endTime = trace.reduce((max, entry) => Math.max(max, entry.t_ms), 0);
  for (const entry of trace) {
    const key = laneKey(entry);
    if (!lanes.has(key)) {
      lanes.set(key, {
        kind: entry.task == null ? 'thread' : 'task',
        name: entry.task ?? entry.thread,
        segments: [],
        marks: [],
        end: null,
      });
      progress.set(key, { open: null, last: entry.t_ms });
    }
    const lane = lanes.get(key);
    const state = progress.get(key);
    state.last = entry.t_ms;
    const open = (segment) => {
      if (state.open) lane.segments.push({ ...state.open, to: entry.t_ms });
      state.open = segment && { ...segment, from: entry.t_ms, ...where(entry) };
    };
    if (RUN_EVENTS.has(entry.event)) {
      open({ state: 'running' });
      if (MARKED_RUN_EVENTS.has(entry.event)) {
        lane.marks.push({ t: entry.t_ms, event: entry.event, detail: entry.detail, ...where(entry) });
      }
    } else if (WAIT_EVENTS.has(entry.event)) {
      open({ state: 'waiting', detail: entry.detail });
    } else if (END_EVENTS.has(entry.event)) {
      open(null);
      lane.end = { t: entry.t_ms, event: entry.event, detail: entry.detail, ...where(entry) };
    } else {
      if (!state.open && !lane.end) open({ state: 'running' });
      lane.marks.push({ t: entry.t_ms, event: entry.event, detail: entry.detail, ...where(entry) });
    }
  }
  for (const [key, lane] of lanes) {
    const state = progress.get(key);
    if (!state.open) continue;
    if (lane.kind === 'thread') lane.segments.push({ ...state.open, to: state.last });
    else lane.segments.push({ ...state.open, to: endTime, unfinished: true });
  }
  const result = [...lanes.values()];
  const rank = (lane) => (lane.kind === 'task' ? 2 : lane.name === 'main' ? 0 : 1);
  return result
    .map((lane, index) => ({ lane, index }))
    .sort((a, b) => rank(a.lane) - rank(b.lane) || a.index - b.index)
    .map(({ lane }) => lane);
}

// A tick step of 1, 2 or 5 times a power of ten giving about six ticks.
function tickStep(span) {
  const rough = span / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough);
}

function formatMs(t) {
  return `${Number(t.toFixed(t < 100 ? 3 : 1))} ms`;
}

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function describe(what, detail) {
  return detail ? `${what}: ${detail}` : what;
}

// Replaces the contents of `container` with the timeline of `trace`; null
// means nothing has run yet.
export function renderTimeline(container, trace) {
  container.replaceChildren();
  if (!trace || trace.length === 0) {
    const note = element('p', 'timeline-empty');
    note.textContent = trace ? 'The run left no trace.' : 'Run a scenario to see its timeline.';
    container.append(note);
    return;
  }
  // The axis runs from the first event to the last (a run's first event can
  // come well after its start, once the runner is up).
  const first = trace.reduce((min, entry) => Math.min(min, entry.t_ms), Infinity);
  const last = trace.reduce((max, entry) => Math.max(max, entry.t_ms), 0);
  const span = Math.max(last - first, 0.001);
  const x = (t) => `${(((t - first) / span) * 100).toFixed(3)}%`;
  const width = (from, to) => `${(((to - from) / span) * 100).toFixed(3)}%`;

  const axis = element('div', 'timeline-row timeline-axis');
  axis.append(element('div', 'lane-label'));
  const scale = element('div', 'lane-track');
  const step = tickStep(span);
  for (let t = Math.ceil(first / step) * step; t <= last + step / 1000; t += step) {
    const tick = element('span', 'tick', { style: `left:${x(t)}` });
    tick.textContent = formatMs(t);
    scale.append(tick);
  }
  axis.append(scale);
  container.append(axis);

  for (const lane of buildLanes(trace)) {
    const row = element('div', `timeline-row lane lane-${lane.kind}`, {
      'data-lane': lane.kind,
      'data-name': lane.name,
    });
    const label = element('div', 'lane-label', { title: `${lane.kind} ${lane.name}` });
    label.textContent = lane.kind === 'thread' ? `${lane.name} thread` : lane.name;
    const track = element('div', 'lane-track');
    for (const segment of lane.segments) {
      const title =
        `${describe(segment.state, segment.detail)} ` +
        `${formatMs(segment.from)} – ${segment.unfinished ? 'end of run' : formatMs(segment.to)}`;
      track.append(
        element('div', `segment segment-${segment.state}${segment.unfinished ? ' unfinished' : ''}`, {
          'data-state': segment.state,
          'data-path': segment.path ?? '',
          style: `left:${x(segment.from)};width:${width(segment.from, segment.to)}`,
          title,
        }),
      );
    }
    for (const mark of lane.marks) {
      track.append(
        element('div', 'mark', {
          'data-event': mark.event,
          'data-path': mark.path ?? '',
          style: `left:${x(mark.t)}`,
          title: `${describe(mark.event, mark.detail)} at ${formatMs(mark.t)}`,
        }),
      );
    }
    if (lane.end) {
      track.append(
        element('div', `end end-${lane.end.event}`, {
          'data-event': lane.end.event,
          'data-path': lane.end.path ?? '',
          style: `left:${x(lane.end.t)}`,
          title: `${describe(lane.end.event, lane.end.detail)} at ${formatMs(lane.end.t)}`,
        }),
      );
    }
    row.append(label, track);
    container.append(row);
  }

  const legend = element('div', 'timeline-legend');
  for (const [className, text] of [
    ['segment-running', 'running'],
    ['segment-waiting', 'waiting (task suspended, thread blocked)'],
    ['mark', 'event (hover for details)'],
    ['end-finished', 'finished'],
    ['end-cancelled', 'cancelled'],
    ['end-failed', 'failed'],
  ]) {
    const item = element('span', 'legend-item');
    item.append(element('span', `legend-swatch ${className}`));
    item.append(text);
    legend.append(item);
  }
  container.append(legend, traceTable(trace));
}

// The trace itself as a table, folded away under the timeline.
function traceTable(trace) {
  const details = element('details', 'trace');
  const summary = element('summary');
  summary.textContent = `Trace: ${trace.length} events`;
  const table = element('table');
  const head = element('tr');
  for (const name of ['ms', 'thread', 'task', 'event', 'detail']) {
    const cell = element('th');
    cell.textContent = name;
    head.append(cell);
  }
  table.append(head);
  for (const entry of trace) {
    const row = element('tr');
    for (const value of [entry.t_ms.toFixed(3), entry.thread, entry.task ?? '', entry.event, entry.detail]) {
      const cell = element('td');
      cell.textContent = value;
      row.append(cell);
    }
    table.append(row);
  }
  const scroll = element('div', 'trace-scroll');
  scroll.append(table);
  details.append(summary, scroll);
  return details;
}
