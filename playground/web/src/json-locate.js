// A JSON reader that remembers where each value sits in the text, so that an
// error reported as a JSON Pointer ("/tasks/worker/body/2/op") can be shown at
// its line and column, and so that a syntax error names its position in words.

class JsonSyntaxError extends Error {
  constructor(message, offset) {
    super(message);
    this.offset = offset;
  }
}

function describeChar(text, offset) {
  if (offset >= text.length) return 'the end of the document';
  return `'${text[offset]}'`;
}

function escapePointerToken(token) {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

// Reads `text` as JSON. Returns {ok: true, value, spans} where spans maps each
// JSON Pointer to {from, to} (the value's offsets; for an object member `from`
// is where its key starts), or {ok: false, error: {offset, message}}.
export function parseWithLocations(text) {
  const spans = new Map();
  let pos = 0;

  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) ++pos;
  };
  const fail = (expected) => {
    throw new JsonSyntaxError(`expected ${expected} but found ${describeChar(text, pos)}`, pos);
  };
  const literal = (word, value) => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail('a value (object, array, string, number, true, false or null)');
  };

  const readString = () => {
    const start = pos;
    let end = pos + 1;
    while (end < text.length && text[end] !== '"' && text[end] !== '\n') {
      end += text[end] === '\\' ? 2 : 1;
    }
    if (text[end] !== '"') {
      throw new JsonSyntaxError("string is not closed: add the closing '\"'", start);
    }
    pos = end + 1;
    try {
      return JSON.parse(text.slice(start, pos));
    } catch {
      throw new JsonSyntaxError('string has an invalid escape or control character', start);
    }
  };

  const readNumber = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!match) fail('a value (object, array, string, number, true, false or null)');
    pos += match[0].length;
    return Number(match[0]);
  };

  const readValue = (pointer, keyFrom) => {
    skipSpace();
    const from = pos;
    let value;
    const c = text[pos];
    if (c === '{') value = readObject(pointer);
    else if (c === '[') value = readArray(pointer);
    else if (c === '"') value = readString();
    else if (c === 't') value = literal('true', true);
    else if (c === 'f') value = literal('false', false);
    else if (c === 'n') value = literal('null', null);
    else if (c === '-' || (c >= '0' && c <= '9')) value = readNumber();
    else fail('a value (object, array, string, number, true, false or null)');
    spans.set(pointer, { from: keyFrom ?? from, to: pos });
    return value;
  };

  const readObject = (pointer) => {
    const result = {};
    ++pos;
    skipSpace();
    if (text[pos] === '}') {
      ++pos;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail('a property name in double quotes');
      const keyFrom = pos;
      const key = readString();
      skipSpace();
      if (text[pos] !== ':') fail(`':' after the property name "${key}"`);
      ++pos;
      result[key] = readValue(`${pointer}/${escapePointerToken(key)}`, keyFrom);
      skipSpace();
      if (text[pos] === ',') {
        ++pos;
        continue;
      }
      if (text[pos] === '}') {
        ++pos;
        return result;
      }
      fail("',' or '}' after the property value");
    }
  };

  const readArray = (pointer) => {
    const result = [];
    ++pos;
    skipSpace();
    if (text[pos] === ']') {
      ++pos;
      return result;
    }
    for (;;) {
      result.push(readValue(`${pointer}/${result.length}`));
      skipSpace();
      if (text[pos] === ',') {
        ++pos;
        continue;
      }
      if (text[pos] === ']') {
        ++pos;
        return result;
      }
      fail("',' or ']' after the array element");
    }
  };

  try {
    const value = readValue('');
    skipSpace();
    if (pos < text.length) fail('the end of the document after the top-level value');
    return { ok: true, value, spans };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { ok: false, error: { offset: error.offset, message: error.message } };
  }
}

// The span of the value at `pointer`, or of its nearest ancestor that exists
// (an error about a missing member points at the object that lacks it).
export function locatePointer(spans, pointer) {
  let current = pointer;
  for (;;) {
    const span = spans.get(current);
    if (span) return span;
    if (current === '') return { from: 0, to: 0 };
    current = current.slice(0, current.lastIndexOf('/'));
  }
}

// 1-based line and column of `offset` in `text`.
export function lineColumn(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; ++i) {
    if (text[i] === '\n') {
      ++line;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
