import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULTS, EXECUTION_MODES, KEYS, LOG_LEVELS, effectiveExecution, initializationOptions, needsRestart,
  readSettings, runsUserCode,
} from '../src/settings';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const props = pkg.contributes.configuration.properties as Record<string, { default: unknown; enum?: string[]; type: string }>;

test('no settings: the documented defaults', () => {
  const { settings, problems } = readSettings(() => undefined);
  assert.deepEqual(settings, {
    python: '', execution: 'trusted', timeLimit: 2, codeLensEnabled: true, hoverEnabled: true, logLevel: 'info',
  });
  assert.deepEqual(problems, []);
});

test('valid values are read from the dotted keys', () => {
  const values: Record<string, unknown> = {
    python: ' /opt/py/bin/python ', execution: 'always', timeLimit: 0.5,
    'codeLens.enabled': false, 'hover.enabled': false, logLevel: 'debug',
  };
  const { settings, problems } = readSettings((k) => values[k]);
  assert.deepEqual(settings, {
    python: '/opt/py/bin/python', execution: 'always', timeLimit: 0.5, codeLensEnabled: false, hoverEnabled: false, logLevel: 'debug',
  });
  assert.deepEqual(problems, []);
});

test('invalid values fall back to the defaults and are reported', () => {
  const values: Record<string, unknown> = {
    python: 3, execution: 'sometimes', timeLimit: -1, 'codeLens.enabled': 'yes', 'hover.enabled': 0, logLevel: 'loud',
  };
  const { settings, problems } = readSettings((k) => values[k]);
  assert.deepEqual(settings, { ...DEFAULTS });
  assert.equal(problems.length, 6);
  assert.match(problems.join('\n'), /adlens\.execution: ignoring invalid value "sometimes"; using "trusted"/);
  assert.match(problems.join('\n'), /adlens\.timeLimit/);
});

test('initializationOptions: {trusted, execution}, and never in an untrusted workspace', () => {
  for (const mode of EXECUTION_MODES) {
    assert.deepEqual(initializationOptions({ execution: mode }, true), { trusted: true, execution: mode });
    assert.deepEqual(initializationOptions({ execution: mode }, false), { trusted: false, execution: 'never' });
  }
  assert.deepEqual(Object.keys(initializationOptions(DEFAULTS, true)).sort(), ['execution', 'trusted']);
  assert.equal(effectiveExecution('always', false), 'never');
});

test('runsUserCode follows the server rule', () => {
  assert.equal(runsUserCode({ trusted: true, execution: 'trusted' }), true);
  assert.equal(runsUserCode({ trusted: true, execution: 'always' }), true);
  assert.equal(runsUserCode({ trusted: false, execution: 'always' }), true); // the server's rule; the client never sends this
  assert.equal(runsUserCode({ trusted: true, execution: 'never' }), false);
  assert.equal(runsUserCode({ trusted: false, execution: 'trusted' }), false);
  assert.equal(runsUserCode(initializationOptions({ execution: 'always' }, false)), false);
});

test('restart only for the interpreter and the execution mode', () => {
  const affects = (changed: string) => (k: string) => changed === k || changed.startsWith(k + '.') || k.startsWith(changed + '.');
  assert.equal(needsRestart(affects('adlens.python')), true);
  assert.equal(needsRestart(affects('adlens.execution')), true);
  assert.equal(needsRestart(affects('adlens')), true);
  assert.equal(needsRestart(affects('adlens.timeLimit')), false);
  assert.equal(needsRestart(affects('adlens.hover.enabled')), false);
  assert.equal(needsRestart(affects('editor.fontSize')), false);
});

test('package.json contributes every setting with the same default and choices', () => {
  for (const [field, key] of Object.entries(KEYS)) {
    const prop = props[`adlens.${key}`];
    assert.ok(prop, `adlens.${key} is contributed`);
    assert.deepEqual(prop.default, (DEFAULTS as unknown as Record<string, unknown>)[field], `default of adlens.${key}`);
  }
  assert.deepEqual(props['adlens.execution'].enum, [...EXECUTION_MODES]);
  assert.deepEqual(props['adlens.logLevel'].enum, [...LOG_LEVELS]);
});

test('package.json: limited support in untrusted workspaces, interpreter and execution restricted', () => {
  const u = pkg.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, 'limited');
  assert.deepEqual([...u.restrictedConfigurations].sort(), ['adlens.execution', 'adlens.kernelPython', 'adlens.python']);
  assert.equal(pkg.extensionDependencies, undefined, 'no hard dependency (offline installs would fail)');
  assert.ok(/^\^1\.(9[1-9]|\d{3})/.test(pkg.engines.vscode), 'engines.vscode >= 1.91 (vscode-languageclient 11)');
  const typesVscode = pkg.devDependencies['@types/vscode'].replace(/^[^\d]*/, '');
  const engine = pkg.engines.vscode.replace(/^[^\d]*/, '');
  const [a, b] = [typesVscode, engine].map((v: string) => v.split('.').map(Number));
  assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), '@types/vscode <= engines.vscode');
});
