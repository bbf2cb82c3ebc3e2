import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLIENT_SELECTOR, DOCUMENT_SELECTOR, isNotebookCell, isServed } from '../src/documents';

const EXT = path.resolve(__dirname, '..', '..');
const doc = (scheme: string, languageId: string) => ({ uri: { scheme }, languageId });

test('selector: Python files, untitled buffers and notebook cells, as the Python tools template registers them', () => {
  assert.deepEqual(DOCUMENT_SELECTOR.map((f) => `${f.scheme}:${f.language}`),
    ['file:python', 'untitled:python', 'vscode-notebook:python', 'vscode-notebook-cell:python']);
  assert.ok(Object.isFrozen(DOCUMENT_SELECTOR));
});

test('served: Python in a file, an untitled buffer or a notebook cell; not a Markdown cell, a diff or an output', () => {
  assert.equal(isServed(doc('file', 'python')), true);
  assert.equal(isServed(doc('untitled', 'python')), true);
  assert.equal(isServed(doc('vscode-notebook-cell', 'python')), true);
  assert.equal(isServed(doc('vscode-notebook-cell', 'markdown')), false, 'a Markdown cell of the same notebook');
  assert.equal(isServed(doc('file', 'markdown')), false);
  assert.equal(isServed(doc('git', 'python')), false, 'the old side of a diff is not on disk');
  assert.equal(isServed(doc('output', 'python')), false);
  assert.equal(isNotebookCell(doc('vscode-notebook-cell', 'python')), true);
  assert.equal(isNotebookCell(doc('file', 'python')), false);
});

test('the client also takes the generated code of source transformation; the palette does not', () => {
  assert.deepEqual(CLIENT_SELECTOR.map((f) => `${f.scheme}:${f.language}`),
    [...DOCUMENT_SELECTOR.map((f) => `${f.scheme}:${f.language}`), 'adlens-sct:python']);
  assert.ok(Object.isFrozen(CLIENT_SELECTOR));
  assert.equal(isServed(doc('adlens-sct', 'python')), false, 'generated code is not the user\'s: no palette commands on it');
});

test('the bundle registers the client with this selector (client.ts uses CLIENT_SELECTOR, not a copy)', () => {
  // client.ts imports `vscode` and is not compiled for the tests: read its source.
  const src = fs.readFileSync(path.join(EXT, 'src', 'client.ts'), 'utf8');
  assert.match(src, /documentSelector:\s*CLIENT_SELECTOR\b/);
  assert.doesNotMatch(src, /scheme:\s*'file'/, 'no second, hand-written selector in client.ts');
});

test('a notebook with Python cells activates the extension (onLanguage:python covers cell documents)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(EXT, 'package.json'), 'utf8'));
  assert.ok(pkg.activationEvents.includes('onLanguage:python'));
  // Palette and context-menu entries are keyed on the editor's language, which is `python` in
  // a Python cell too: no `resourceExtname == .py` or `resourceScheme == file` that would hide them.
  const whens: string[] = [...pkg.contributes.menus.commandPalette, ...pkg.contributes.menus['editor/context']].map((m: { when: string }) => m.when);
  for (const w of whens) assert.doesNotMatch(w, /resourceExtname|resourceScheme|resourceLangId/, w);
});
