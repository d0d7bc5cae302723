// Unit tests of the page's plain logic (no browser): locating JSON Pointers
// and syntax errors in the editor's text, and grouping a trace into lanes.
//
//   node --test playground/tests/browser/page-logic.test.mjs

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { lineColumn, locatePointer, parseWithLocations } from '../../web/src/json-locate.js';
import { buildLanes } from '../../web/src/timeline.js';

describe('parseWithLocations', () => {
  const text = '{\n  "tasks": {\n    "a/b": {"body": [1, {"op": "sleep"}]}\n  },\n  "main": []\n}\n';

  test('reads the same value as JSON.parse', () => {
    const parsed = parseWithLocations(text);
    assert.equal(parsed.ok, true);
    assert.deepEqual(parsed.value, JSON.parse(text));
  });

  test('maps pointers (with escaped tokens) to where their member starts', () => {
    const { spans } = parseWithLocations(text);
    const op = spans.get('/tasks/a~1b/body/1/op');
    assert.equal(text.slice(op.from, op.to), '"op": "sleep"');
    const element = spans.get('/tasks/a~1b/body/0');
    assert.equal(text.slice(element.from, element.to), '1');
    assert.deepEqual(lineColumn(text, op.from), { line: 3, column: 26 });
  });

  test('a missing member points at its nearest existing ancestor', () => {
    const { spans } = parseWithLocations(text);
    const span = locatePointer(spans, '/tasks/a~1b/body/1/seconds');
    assert.equal(text.slice(span.from, span.to), '{"op": "sleep"}');
    assert.deepEqual(locatePointer(spans, '/nothing/here'), spans.get(''));
  });

  const broken = [
    ['{"a": 1,}', 8, 'a property name in double quotes'],
    ['{"a" 1}', 5, '\':\' after the property name "a"'],
    ['[1, 2', 5, "',' or ']' after the array element"],
    ['{"a": tru}', 6, 'a value'],
    ['{"a": "x\ny"}', 6, 'string is not closed'],
    ['{} {}', 3, 'the end of the document'],
    ['', 0, 'a value'],
  ];
  for (const [source, offset, words] of broken) {
    test(`names the position of the error in ${JSON.stringify(source)}`, () => {
      const parsed = parseWithLocations(source);
      assert.equal(parsed.ok, false);
      assert.equal(parsed.error.offset, offset);
      assert.ok(parsed.error.message.includes(words), parsed.error.message);
      assert.throws(() => JSON.parse(source));
    });
  }
});

describe('buildLanes', () => {
  const event = (t_ms, thread, task, name, detail = '') => ({ t_ms, thread, task, event: name, detail });

  test('main thread first, then one lane per task, with run and wait segments', () => {
    const trace = [
      event(0, 'main', null, 'runner', 'started runner'),
      event(1, 'main', null, 'created', 'worker'),
      event(2, 'main', null, 'blocked', 'wait worker'),
      event(3, 'loop', 'worker', 'started'),
      event(4, 'loop', 'worker', 'suspended', 'get in_queue (empty)'),
      event(5, 'loop', 'helper', 'started'),
      event(6, 'loop', 'helper', 'raised', 'ValueError'),
      event(7, 'loop', 'worker', 'resumed'),
      event(8, 'loop', 'helper', 'failed', 'ValueError'),
      event(9, 'loop', 'worker', 'finished', 'returned 11'),
      event(10, 'main', null, 'unblocked', 'wait worker'),
      event(11, 'main', null, 'print', '11'),
    ];
    const lanes = buildLanes(trace);
    assert.deepEqual(
      lanes.map((lane) => [lane.kind, lane.name]),
      [
        ['thread', 'main'],
        ['task', 'worker'],
        ['task', 'helper'],
      ],
    );
    const [main, worker, helper] = lanes;
    assert.deepEqual(main.segments, [
      { state: 'running', from: 0, to: 2 },
      { state: 'waiting', from: 2, to: 10, detail: 'wait worker' },
      { state: 'running', from: 10, to: 11 },
    ]);
    assert.deepEqual(
      main.marks.map((mark) => mark.event),
      ['runner', 'created', 'print'],
    );
    assert.equal(main.end, null);
    assert.deepEqual(worker.segments, [
      { state: 'running', from: 3, to: 4 },
      { state: 'waiting', from: 4, to: 7, detail: 'get in_queue (empty)' },
      { state: 'running', from: 7, to: 9 },
    ]);
    assert.deepEqual(worker.end, { t: 9, event: 'finished', detail: 'returned 11' });
    assert.deepEqual(helper.segments, [{ state: 'running', from: 5, to: 8 }]);
    assert.deepEqual(helper.marks, [{ t: 6, event: 'raised', detail: 'ValueError' }]);
    assert.deepEqual(helper.end, { t: 8, event: 'failed', detail: 'ValueError' });
  });

  test('a stuck task runs to the end of the trace, unfinished; a timed-out wait is marked', () => {
    const lanes = buildLanes([
      event(0, 'main', null, 'blocked', 'wait spinner'),
      event(10, 'loop', 'spinner', 'started'),
      event(20, 'loop', 'spinner', 'spin', 'for ever'),
      event(1000, 'main', null, 'timed_out', 'wait spinner'),
      event(1500, 'main', null, 'runner', 'left runner: FORCE_STOPPED'),
    ]);
    const [main, spinner] = lanes;
    assert.deepEqual(main.segments, [
      { state: 'waiting', from: 0, to: 1000, detail: 'wait spinner' },
      { state: 'running', from: 1000, to: 1500 },
    ]);
    assert.deepEqual(
      main.marks.map((mark) => mark.event),
      ['timed_out', 'runner'],
    );
    assert.deepEqual(spinner.segments, [{ state: 'running', from: 10, to: 1500, unfinished: true }]);
    assert.equal(spinner.end, null);
  });

  test('segments, marks and ends keep the path of the step that produced them', () => {
    const at = (entry, path) => ({ ...entry, path });
    const [main, worker] = buildLanes([
      at(event(0, 'main', null, 'created', 'worker'), '/main/0/body/0'),
      at(event(1, 'main', null, 'blocked', 'wait worker'), '/main/0/body/1'),
      at(event(2, 'loop', 'worker', 'started'), '/tasks/worker'),
      at(event(3, 'loop', 'worker', 'finished', 'returned 1'), '/tasks/worker'),
      at(event(4, 'main', null, 'unblocked', 'wait worker'), '/main/0/body/1'),
    ]);
    assert.deepEqual(main.marks, [{ t: 0, event: 'created', detail: 'worker', path: '/main/0/body/0' }]);
    assert.deepEqual(
      main.segments.map((segment) => [segment.state, segment.path]),
      [
        ['running', '/main/0/body/0'],
        ['waiting', '/main/0/body/1'],
        ['running', '/main/0/body/1'],
      ],
    );
    assert.equal(worker.segments[0].path, '/tasks/worker');
    assert.equal(worker.end.path, '/tasks/worker');
  });

  test('threads other than main get their own lanes, after main', () => {
    const lanes = buildLanes([
      event(0, 'worker-thread', null, 'put', 'q <- 1'),
      event(1, 'main', null, 'print', 'x'),
    ]);
    assert.deepEqual(
      lanes.map((lane) => lane.name),
      ['main', 'worker-thread'],
    );
  });
});
