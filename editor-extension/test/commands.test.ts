import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PALETTE_COMMANDS, SERVER_COMMANDS, directiveAbove, functionAt, inlayHintsMessage, listFunctions, parseParams,
  pointPrefill, validatePointText,
} from '../src/commands';

const SRC = `import numpy as np
import math

SCALE = 2.0


# adlens: x=1.5, y=-0.5
def f(x, y):
    """Doc.

Some text at column zero.
    """
    z = x * y
    return math.sin(z) + y


@some.decorator
def g(w: np.ndarray, b: float = 0.1, *, k=3):
    return np.sum(w) + b


def loss(
    w,
    x=[1.0, 2.0],
):
    return np.sum((w - x) ** 2)

print(f(1.0, 2.0))

async def h(self, a, *args, **kw): pass
`;
const LINES = SRC.split('\n');
const lineOf = (s: string) => LINES.findIndex((l) => l.includes(s));

test('functionAt: on the def, in the body, in a docstring at column 0, on a decorator', () => {
  assert.equal(functionAt(LINES, lineOf('def f('))?.name, 'f');
  assert.equal(functionAt(LINES, lineOf('z = x * y'))?.name, 'f');
  assert.equal(functionAt(LINES, lineOf('Some text at column zero'))?.name, 'f');
  assert.equal(functionAt(LINES, lineOf('return math.sin'))?.name, 'f');
  assert.equal(functionAt(LINES, lineOf('@some.decorator'))?.name, 'g');
  assert.equal(functionAt(LINES, lineOf('return np.sum(w) + b'))?.name, 'g');
  assert.equal(functionAt(LINES, LINES.indexOf('):'))?.name, 'loss');
  assert.equal(functionAt(LINES, lineOf('async def h'))?.name, 'h');
});

test('functionAt: module-level code is outside any function', () => {
  assert.equal(functionAt(LINES, lineOf('import numpy')), undefined);
  assert.equal(functionAt(LINES, lineOf('SCALE = 2.0')), undefined);
  assert.equal(functionAt(LINES, lineOf('print(f(1.0')), undefined);
  assert.equal(functionAt(LINES, 10_000), undefined);
});

test('listFunctions: the top-level defs in order', () => {
  assert.deepEqual(listFunctions(LINES).map((f) => f.name), ['f', 'g', 'loss', 'h']);
});

test('parseParams: names and literal defaults, multi-line, annotations, no self/*args/**kw', () => {
  assert.deepEqual(parseParams(LINES, lineOf('def f(')), [{ name: 'x' }, { name: 'y' }]);
  assert.deepEqual(parseParams(LINES, lineOf('def g(')), [{ name: 'w' }, { name: 'b', default: '0.1' }, { name: 'k', default: '3' }]);
  assert.deepEqual(parseParams(LINES, lineOf('def loss(')), [{ name: 'w' }, { name: 'x', default: '[1.0, 2.0]' }]);
  assert.deepEqual(parseParams(LINES, lineOf('async def h')), [{ name: 'a' }]);
});

test('directive above the def and the input box prefill', () => {
  assert.equal(directiveAbove(LINES, lineOf('def f(')), 'x=1.5, y=-0.5');
  assert.equal(directiveAbove(LINES, lineOf('def g(')), undefined);
  const fns = listFunctions(LINES);
  assert.equal(pointPrefill(LINES, fns[0]), 'x=1.5, y=-0.5');
  assert.equal(pointPrefill(LINES, fns[1]), 'w=1.0, b=0.1, k=3');
  assert.equal(pointPrefill(LINES, fns[2]), 'w=1.0, x=[1.0, 2.0]');
  const withGradOf = ['# adlens: gradient-of=f', 'def df(x, y):', '    return 1'];
  assert.equal(directiveAbove(withGradOf, 1), undefined);
});

test('validatePointText', () => {
  assert.equal(validatePointText('x=1.0, y=2.0'), undefined);
  assert.equal(validatePointText('w=[0.1, 0.2], b=(1, 2)'), undefined);
  assert.match(validatePointText('') ?? '', /Enter a point/);
  assert.match(validatePointText('1.0, 2.0') ?? '', /name=value/);
  assert.match(validatePointText('w=[0.1, 0.2') ?? '', /Unbalanced/);
  assert.match(validatePointText('w=0.1]') ?? '', /Unbalanced/);
});

test('palette commands are contributed, titled as specified, and distinct from the server ids', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const contributed = new Map<string, string>(pkg.contributes.commands.map((c: { command: string; title: string; category: string }) =>
    [c.command, `${c.category}: ${c.title}`]));
  assert.deepEqual([...contributed.keys()].sort(), Object.values(PALETTE_COMMANDS).sort());
  assert.equal(contributed.get(PALETTE_COMMANDS.checkGradient), 'AD Lens: Check gradient at a point…');
  assert.equal(contributed.get(PALETTE_COMMANDS.showDerivatives), 'AD Lens: Show derivatives and Wengert list');
  assert.equal(contributed.get(PALETTE_COMMANDS.insertGradient), 'AD Lens: Insert gradient function');
  assert.equal(contributed.get(PALETTE_COMMANDS.showTransformedSource), 'AD Lens: Show gradient code (source transformation)');
  assert.equal(contributed.get(PALETTE_COMMANDS.showTransformedSourceForward), 'AD Lens: Show forward-mode code (source transformation)');
  assert.equal(contributed.get(PALETTE_COMMANDS.toggleInlayHints), 'AD Lens: Toggle inlay hints (values and adjoints)');
  assert.equal(contributed.get(PALETTE_COMMANDS.restart), 'AD Lens: Restart server');
  assert.equal(contributed.get(PALETTE_COMMANDS.showLog), 'AD Lens: Show log');
  for (const id of Object.values(SERVER_COMMANDS)) assert.ok(!contributed.has(id), `${id} is left to vscode-languageclient`);
});

test('every server command the extension sends has a palette wrapper of its own id', () => {
  const wrapped: Record<keyof typeof SERVER_COMMANDS, string> = {
    checkGradient: PALETTE_COMMANDS.checkGradient,
    showDerivatives: PALETTE_COMMANDS.showDerivatives,
    insertGradient: PALETTE_COMMANDS.insertGradient,
    showTransformedSource: PALETTE_COMMANDS.showTransformedSource,
    toggleInlayHints: PALETTE_COMMANDS.toggleInlayHints,
  };
  for (const [k, palette] of Object.entries(wrapped)) {
    assert.notEqual(palette, SERVER_COMMANDS[k as keyof typeof SERVER_COMMANDS]);
  }
  // extension.ts registers each wrapper (it imports `vscode`: read its source)
  const ext = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'extension.ts'), 'utf8');
  for (const k of Object.keys(PALETTE_COMMANDS)) {
    assert.match(ext, new RegExp(`registerCommand\\(PALETTE_COMMANDS\\.${k},`), `PALETTE_COMMANDS.${k} is registered`);
  }
});

test('toggling the inlay hints: the message says which way they went', () => {
  assert.match(inlayHintsMessage({ enabled: true }) ?? '', /inlay hints on/);
  assert.match(inlayHintsMessage({ enabled: false }) ?? '', /inlay hints off/);
  assert.equal(inlayHintsMessage(null), undefined);
  assert.equal(inlayHintsMessage({ enabled: 'yes' }), undefined);
});
