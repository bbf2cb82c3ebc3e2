import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  GeneratedTexts, REVEAL_COMMAND, SCT_SCHEME, lineTarget, revealCommandUri, rewriteLinkTarget, shownCode,
} from '../src/sct';

const EXT = path.resolve(__dirname, '..', '..');

test('shownCode: the server answer with generated code, or nothing to show', () => {
  const ok = { uri: 'adlens-sct:/0a1b2c3d4e5f/swing_grad.py', source: 'def swing_grad(x):\n', name: 'swing_grad', mode: 'reverse' };
  assert.deepEqual(shownCode(ok), { uri: ok.uri, source: ok.source, name: 'swing_grad' });
  // refused (untrusted, a construct ad.sct does not transform): the server has said why
  assert.equal(shownCode({ uri: null, error: 'the workspace is not trusted' }), undefined);
  assert.equal(shownCode(undefined), undefined);
  assert.equal(shownCode('def f(): pass'), undefined);
  // a URI of another scheme is not ours to serve from the content provider
  assert.equal(shownCode({ uri: 'file:///tmp/x.py', source: 'x' }), undefined);
});

test('GeneratedTexts: by URI, says when a shown document must refresh, keeps the last ones', () => {
  const texts = new GeneratedTexts(2);
  assert.equal(texts.set('adlens-sct:/a/f_grad.py', 'one'), false);
  assert.equal(texts.set('adlens-sct:/a/f_grad.py', 'two'), true, 'shown before: refresh');
  assert.equal(texts.get('adlens-sct:/a/f_grad.py'), 'two');
  texts.set('adlens-sct:/b/g_grad.py', 'g');
  texts.set('adlens-sct:/c/h_grad.py', 'h');
  assert.equal(texts.get('adlens-sct:/a/f_grad.py'), undefined, 'the oldest is dropped');
  assert.equal(texts.get('adlens-sct:/c/h_grad.py'), 'h');
});

test('lineTarget: the #L fragment of the server links (1-based) as a 0-based line', () => {
  assert.deepEqual(lineTarget('file:///w/m.py#L36'), { uri: 'file:///w/m.py', line: 35 });
  assert.deepEqual(lineTarget('file:///w/my%20model.py#L1,5'), { uri: 'file:///w/my%20model.py', line: 0 });
  assert.equal(lineTarget('file:///w/m.py'), undefined);
  assert.equal(lineTarget('https://example.com/#section'), undefined);
  assert.equal(lineTarget('file:///w/m.py#L0'), undefined);
});

test('links in generated code become the reveal command, with the file and the line', () => {
  const target = rewriteLinkTarget('file:///w/m.py#L36');
  assert.ok(target.startsWith(`command:${REVEAL_COMMAND}?`), target);
  const args = JSON.parse(decodeURIComponent(target.slice(`command:${REVEAL_COMMAND}?`.length)));
  assert.deepEqual(args, ['file:///w/m.py', 35]);
  assert.equal(target, revealCommandUri('file:///w/m.py', 35));
  assert.equal(rewriteLinkTarget('https://example.com/'), 'https://example.com/', 'other links stay');
});

test('the extension wires them: content provider, links rewritten in generated documents only', () => {
  // extension.ts and client.ts import `vscode` and are not compiled for the tests: read them.
  const ext = fs.readFileSync(path.join(EXT, 'src', 'extension.ts'), 'utf8');
  assert.match(ext, /registerTextDocumentContentProvider\(SCT_SCHEME, generatedCode\)/);
  assert.match(ext, /registerCommand\(REVEAL_COMMAND,/);
  assert.match(ext, /viewColumn: vscode\.ViewColumn\.Beside/);
  const client = fs.readFileSync(path.join(EXT, 'src', 'client.ts'), 'utf8');
  assert.match(client, /provideDocumentLinks:[\s\S]*document\.uri\.scheme !== SCT_SCHEME[\s\S]*rewriteLinkTarget/);
  assert.equal(SCT_SCHEME, 'adlens-sct', 'the scheme the server names its documents with (lsp_server/lsp/transformed.py)');
  const server = fs.readFileSync(path.join(EXT, '..', 'lsp_server', 'lsp', 'transformed.py'), 'utf8');
  assert.match(server, new RegExp(`^SCHEME = "${SCT_SCHEME}"$`, 'm'));
});
