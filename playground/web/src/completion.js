// Completion from the scenario schema: step ops (with what each does) as the
// value of "op", and the properties a step, a task or the document can have
// as keys.

import { syntaxTree } from '@codemirror/language';

const text = (state, node) => state.sliceDoc(node.from, node.to);

// The value of the "op" member of the Object node `object`, or null.
function opOf(state, object) {
  for (let property = object.firstChild; property; property = property.nextSibling) {
    const key = property.name === 'Property' ? property.firstChild : null;
    const value = property.lastChild;
    if (key?.name === 'PropertyName' && text(state, key) === '"op"' && value?.name === 'String') {
      return JSON.parse(text(state, value));
    }
  }
  return null;
}

// The keys already present in the Object node `object`.
function keysOf(state, object) {
  const keys = new Set();
  for (let property = object.firstChild; property; property = property.nextSibling) {
    const key = property.name === 'Property' ? property.firstChild : null;
    if (key?.name === 'PropertyName') keys.add(text(state, key).slice(1, -1));
  }
  return keys;
}

function keyOptions(properties, present) {
  return Object.entries(properties ?? {})
    .filter(([name]) => !present.has(name))
    .map(([name, spec]) => ({ label: name, type: 'property', info: spec.description }));
}

// A CodeMirror completion source for scenario documents described by `schema`.
export function scenarioCompletion(schema) {
  const definitions = schema.definitions ?? {};
  const ops = (definitions.step?.properties?.op?.enum ?? []).map((op) => ({
    label: op,
    type: 'keyword',
    info: definitions[`op_${op}`]?.description,
  }));

  return (context) => {
    const node = syntaxTree(context.state).resolveInner(context.pos, -1);
    if (context.pos <= node.from) return null;
    const parent = node.parent;
    if (node.name === 'String' && parent?.name === 'Property') {
      const key = parent.firstChild;
      if (key?.name !== 'PropertyName' || text(context.state, key) !== '"op"') return null;
      return { from: node.from + 1, options: ops, validFor: /^\w*$/ };
    }
    if (node.name !== 'PropertyName' || parent?.name !== 'Property') return null;
    const object = parent.parent;
    const present = keysOf(context.state, object);
    let properties;
    if (object.parent?.name === 'JsonText') {
      properties = schema.properties;
    } else {
      const op = opOf(context.state, object);
      if (op === null) return null;
      properties = definitions[`op_${op}`]?.properties;
    }
    return { from: node.from + 1, options: keyOptions(properties, present), validFor: /^\w*$/ };
  };
}
