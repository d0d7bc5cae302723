// The timeline: one lane for each thread that did something outside a task
// (the main thread first) and one lane per task, drawn from a run's trace.
// A task lane shows when the task ran, when it waited (was suspended) and how
// it ended; other trace events (set, put, get, print, ...) are marks.

const RUN_EVENTS = new Set(['started', 'resumed']);
const WAIT_EVENTS = new Set(['suspended']);
const END_EVENTS = new Set(['finished', 'cancelled', 'failed']);

function laneKey(entry) {
  return entry.task == null ? `thread:${entry.thread}` : `task:${entry.task}`;
}

// Groups the trace into lanes: [{kind, name, segments: [{state, from, to}],
// marks: [{t, event, detail}], end: {t, event, detail} | null}], main
// thread first, then other threads, then tasks, each in order of appearance.
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
      progress.set(key, { open: null, first: entry.t_ms, last: entry.t_ms });
    }
    const lane = lanes.get(key);
    const state = progress.get(key);
    state.last = entry.t_ms;
    const close = () => {
      if (state.open) lane.segments.push({ ...state.open, to: entry.t_ms });
      state.open = null;
    };
    if (RUN_EVENTS.has(entry.event)) {
      close();
      state.open = { state: 'running', from: entry.t_ms };
    } else if (WAIT_EVENTS.has(entry.event)) {
      close();
      state.open = { state: 'waiting', from: entry.t_ms, detail: entry.detail };
    } else if (END_EVENTS.has(entry.event)) {
      close();
      lane.end = { t: entry.t_ms, event: entry.event, detail: entry.detail };
    } else {
      lane.marks.push({ t: entry.t_ms, event: entry.event, detail: entry.detail });
    }
  }
  for (const [key, lane] of lanes) {
    const state = progress.get(key);
    if (state.open) lane.segments.push({ ...state.open, to: endTime, unfinished: true });
    if (lane.kind === 'thread' && lane.segments.length === 0) {
      lane.segments.push({ state: 'active', from: state.first, to: state.last });
    }
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
  return `${Number(t.toFixed(t < 10 ? 2 : 1))} ms`;
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
  const span = Math.max(trace.reduce((max, entry) => Math.max(max, entry.t_ms), 0), 1);
  const x = (t) => `${((t / span) * 100).toFixed(3)}%`;

  const axis = element('div', 'timeline-row timeline-axis');
  axis.append(element('div', 'lane-label'));
  const scale = element('div', 'lane-track');
  const step = tickStep(span);
  for (let t = 0; t <= span + step / 1000; t += step) {
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
          style: `left:${x(segment.from)};width:${x(segment.to - segment.from)}`,
          title,
        }),
      );
    }
    for (const mark of lane.marks) {
      track.append(
        element('div', 'mark', {
          'data-event': mark.event,
          style: `left:${x(mark.t)}`,
          title: `${describe(mark.event, mark.detail)} at ${formatMs(mark.t)}`,
        }),
      );
    }
    if (lane.end) {
      track.append(
        element('div', `end end-${lane.end.event}`, {
          'data-event': lane.end.event,
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
    ['segment-waiting', 'waiting'],
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
  container.append(legend);
}
