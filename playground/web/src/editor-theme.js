// The editors' look, in the page's colours: one CodeMirror theme and one
// highlight style written with the page's CSS variables, so that switching the
// page between light and dark (style.css) switches the editors too.

import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';

const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--panel)', color: 'var(--ink)' },
  '.cm-content': { caretColor: 'var(--ink)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--ink)' },
  '.cm-gutters': {
    backgroundColor: 'var(--gutter)',
    color: 'var(--muted)',
    borderRight: '1px solid var(--line)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection':
    { backgroundColor: 'var(--selection)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--ink)', border: '1px solid var(--line)' },
  '.cm-step-hover': { backgroundColor: 'var(--step-hover)' },
});

const highlight = HighlightStyle.define([
  {
    tag: [tags.keyword, tags.controlKeyword, tags.modifier, tags.operatorKeyword],
    color: 'var(--hl-keyword)',
  },
  { tag: [tags.typeName, tags.className, tags.namespace], color: 'var(--hl-type)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--hl-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--hl-number)' },
  { tag: [tags.propertyName], color: 'var(--hl-property)' },
  {
    tag: [tags.comment, tags.lineComment, tags.blockComment],
    color: 'var(--hl-comment)',
    fontStyle: 'italic',
  },
  { tag: [tags.processingInstruction, tags.macroName], color: 'var(--hl-macro)' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: 'var(--hl-function)' },
  { tag: tags.invalid, color: 'var(--failed)' },
]);

// Tells CodeMirror's own parts (tooltips, panels) whether the page is dark.
const darkness = new Compartment();

export function pageTheme(dark) {
  return [theme, syntaxHighlighting(highlight), darkness.of(EditorView.darkTheme.of(dark))];
}

export function setEditorDark(view, dark) {
  view.dispatch({ effects: darkness.reconfigure(EditorView.darkTheme.of(dark)) });
}
