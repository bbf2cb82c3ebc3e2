import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchSpec } from '../src/server';
import { harness } from './fakes';

test('launch: <python> -m lsp_server, no --stdio, cwd is the extension, PYTHONSAFEPATH set', () => {
  const s = launchSpec('/v/bin/python', '/ext/adlens', { trusted: true, execution: 'trusted' }, { PATH: '/bin' });
  assert.equal(s.command, '/v/bin/python');
  assert.deepEqual(s.args, ['-m', 'lsp_server']);
  assert.equal(s.cwd, '/ext/adlens');
  assert.equal(s.env.PYTHONSAFEPATH, '1');
  assert.equal(s.env.PATH, '/bin');
  assert.deepEqual(s.initializationOptions, { trusted: true, execution: 'trusted' });
});

test('start: interpreter resolved, checked, then the client; the check runs in the extension folder', async () => {
  const h = harness({ settings: { python: '/v/bin/python' } });
  await h.controller.start();
  assert.deepEqual(h.checked, ['/v/bin/python']);
  assert.equal(h.clients[0].spec.command, '/v/bin/python');
  assert.equal(h.clients[0].spec.cwd, '/ext/adlens');
  assert.deepEqual(h.states.map((s) => s[0]), ['starting', 'ready']);
  assert.match(h.logs.join('\n'), /Python \/v\/bin\/python \(from setting\); workspace trusted/);
});

test('start: the Python extension interpreter when adlens.python is empty', async () => {
  const h = harness({ pythonExtension: async () => '/conda/envs/ml/bin/python' });
  await h.controller.start();
  assert.equal(h.clients[0].spec.command, '/conda/envs/ml/bin/python');
});

test('adlens not installed: no client, error state, the exact install command offered', async () => {
  const h = harness({
    settings: { python: '/v/bin/python' },
    check: (python) => ({ kind: 'not-installed', python, executable: python, version: '3.11.7', detail: "ModuleNotFoundError: No module named 'lsp_server'" }),
  });
  await h.controller.start();
  assert.equal(h.clients.length, 0);
  assert.equal(h.controller.state, 'error');
  assert.equal(h.problems.length, 1);
  assert.equal(h.problems[0].install, '/v/bin/python -m pip install adlens');
  assert.equal(h.problems[0].message, 'AD Lens is not installed for /v/bin/python. Install it with: /v/bin/python -m pip install adlens');
});

test('adlens not installed in the AD Lens source tree: pip install -e <repo>', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'adlens-repo-'));
  fs.writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "adlens"\n');
  fs.mkdirSync(path.join(root, 'lsp_server'));
  fs.mkdirSync(path.join(root, 'examples'));
  const h = harness({
    folders: [path.join(root, 'examples')],
    check: (python) => ({ kind: 'not-installed', python, executable: '/usr/bin/python3', version: '3.11.7', detail: '' }),
  });
  await h.controller.start();
  assert.equal(h.problems[0].install, `/usr/bin/python3 -m pip install -e ${root}`, 'python3 resolved to its executable');
});

test('no Python at all: error state and a message that points at adlens.python', async () => {
  const h = harness({ check: (python) => ({ kind: 'no-python', python, detail: `cannot run ${python} (ENOENT)` }) });
  await h.controller.start();
  assert.equal(h.controller.state, 'error');
  assert.match(h.problems[0].message, /could not run Python "python3".*adlens\.python/);
});

test('client.start fails: error state with the reason, not a hang', async () => {
  const h = harness({ failStart: new Error('Server initialization failed') });
  await h.controller.start();
  assert.equal(h.controller.state, 'error');
  assert.match(h.controller.detail, /failed to start: Server initialization failed/);
  assert.equal(h.controller.current, undefined);
});

test('a crash shows error; the client restarting it shows ready again', async () => {
  const h = harness();
  await h.controller.start();
  const c = h.clients[0];
  c.emit('stopped');
  assert.equal(h.controller.state, 'error');
  assert.match(h.controller.detail, /stopped unexpectedly/);
  c.emit('running');
  assert.equal(h.controller.state, 'ready');
});

test('restarts are serialized: never two servers at once, and stop is not a crash', async () => {
  const h = harness();
  await Promise.all([h.controller.start(), h.controller.restart('a'), h.controller.restart('b')]);
  assert.deepEqual(h.events.map((e) => e.split(' ')[0]), ['start', 'stop', 'start', 'stop', 'start']);
  assert.equal(h.clients.length, 3);
  assert.ok(!h.states.some(([s]) => s === 'error'), 'intentional stops are not errors');
  assert.equal(h.controller.state, 'ready');
  await h.controller.stop();
  assert.equal(h.controller.state, 'stopped');
  assert.equal(h.controller.current, undefined);
});

test('start is a no-op while running; restart after a failed check tries again', async () => {
  let installed = false;
  const h = harness({ check: (python) => (installed ? { kind: 'ok', python, detail: '' } : { kind: 'not-installed', python, detail: '' }) });
  await h.controller.start();
  assert.equal(h.controller.state, 'error');
  installed = true;
  await h.controller.restart('restart requested');
  assert.equal(h.controller.state, 'ready');
  await h.controller.start();
  assert.equal(h.clients.length, 1);
});
