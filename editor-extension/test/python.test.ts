import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkServer, classifyCheck, describeCheck, expandPath, findRepoRoot, installCommand, interpreterFromPythonApi,
  isInside, resolveInterpreter, shellQuote,
} from '../src/python';

const WS = '/home/u/project';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'adlens-ext-test-'));

test('interpreter: adlens.python first', async () => {
  const r = await resolveInterpreter({
    setting: '/opt/py/bin/python', trusted: true, workspaceFolders: [WS], pythonExtension: async () => '/from/ext/python',
  });
  assert.deepEqual(r, { command: '/opt/py/bin/python', source: 'setting', notes: [] });
});

test('interpreter: the Python extension when the setting is empty', async () => {
  const r = await resolveInterpreter({ setting: '  ', trusted: true, workspaceFolders: [WS], pythonExtension: async () => '/from/ext/python' });
  assert.equal(r.command, '/from/ext/python');
  assert.equal(r.source, 'python-extension');
});

test('interpreter: python3 without setting and without the Python extension', async () => {
  assert.deepEqual(await resolveInterpreter({ setting: '', trusted: true, workspaceFolders: [WS] }),
    { command: 'python3', source: 'default', notes: [] });
  const none = await resolveInterpreter({ setting: '', trusted: true, workspaceFolders: [WS], pythonExtension: async () => undefined });
  assert.equal(none.command, 'python3');
  assert.match(none.notes[0], /no active interpreter/);
});

test('interpreter: a failing Python extension API falls back to python3 with a note', async () => {
  const r = await resolveInterpreter({
    setting: '', trusted: true, workspaceFolders: [WS], pythonExtension: async () => { throw new Error('boom'); },
  });
  assert.equal(r.command, 'python3');
  assert.match(r.notes.join(), /Python extension API failed: boom/);
});

test('interpreter: relative and ${workspaceFolder} settings are anchored in the first folder', async () => {
  const a = await resolveInterpreter({ setting: '.venv/bin/python', trusted: true, workspaceFolders: [WS, '/other'] });
  assert.equal(a.command, '/home/u/project/.venv/bin/python');
  const b = await resolveInterpreter({ setting: '${workspaceFolder}/env/bin/python', trusted: true, workspaceFolders: [WS] });
  assert.equal(b.command, '/home/u/project/env/bin/python');
  const c = await resolveInterpreter({ setting: 'python3.12', trusted: true, workspaceFolders: [WS] });
  assert.equal(c.command, 'python3.12', 'a bare command is looked up on PATH');
});

test('interpreter: untrusted workspace never runs a Python that lives inside it', async () => {
  const ext = async () => '/home/u/project/.venv/bin/python';
  const r = await resolveInterpreter({ setting: '', trusted: false, workspaceFolders: [WS], pythonExtension: ext });
  assert.equal(r.command, 'python3');
  assert.match(r.notes.join(), /inside the untrusted workspace/);
  const s = await resolveInterpreter({ setting: '~/venvs/ad/bin/python', trusted: false, workspaceFolders: [WS], home: '/home/u', pythonExtension: ext });
  assert.equal(s.command, '/home/u/venvs/ad/bin/python', 'outside the workspace: fine');
  const t = await resolveInterpreter({ setting: '', trusted: true, workspaceFolders: [WS], pythonExtension: ext });
  assert.equal(t.command, '/home/u/project/.venv/bin/python', 'trusted: fine');
});

test('expandPath and isInside', () => {
  assert.equal(expandPath('~/x/python', { home: '/h' }), '/h/x/python');
  assert.equal(expandPath('${userHome}/x', { home: '/h' }), '/h/x');
  assert.equal(expandPath('${env:PYROOT}/bin/python', { env: { PYROOT: '/opt/p' } }), '/opt/p/bin/python');
  assert.equal(isInside('/a/b/c', '/a/b'), true);
  assert.equal(isInside('/a/b', '/a/b'), true);
  assert.equal(isInside('/a/bc', '/a/b'), false);
  assert.equal(isInside('/a/b/../c', '/a/b'), false);
});

test('Python extension API: environments, then the legacy execution details', async () => {
  const modern = {
    environments: {
      getActiveEnvironmentPath: (r: unknown) => ({ id: 'x', path: `/envs/a/bin/python?${String(r)}` }),
      resolveEnvironment: async () => ({ executable: { uri: { fsPath: '/envs/a/bin/python3.11' } } }),
    },
  };
  assert.equal(await interpreterFromPythonApi(modern, 'res'), '/envs/a/bin/python3.11');
  const unresolved = { environments: { getActiveEnvironmentPath: () => ({ id: 'x', path: '/envs/b/bin/python' }), resolveEnvironment: async () => undefined } };
  assert.equal(await interpreterFromPythonApi(unresolved), '/envs/b/bin/python');
  assert.equal(await interpreterFromPythonApi({ settings: { getExecutionDetails: () => ({ execCommand: ['/legacy/python'] }) } }), '/legacy/python');
  assert.equal(await interpreterFromPythonApi({ settings: { getExecutionDetails: () => ({ execCommand: ['conda', 'run', 'python'] }) } }), undefined);
  assert.equal(await interpreterFromPythonApi(undefined), undefined);
  assert.equal(await interpreterFromPythonApi({}), undefined);
});

// ---------------------------------------------------------------- the import check, for real

test('check: a module that is importable -> ok, with version and executable', async () => {
  const r = await checkServer('python3', { cwd: os.tmpdir(), module: 'json' });
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  assert.match(r.version ?? '', /^3\.\d+\.\d+$/);
  assert.ok(r.executable && path.isAbsolute(r.executable));
  assert.match(r.detail, /json/);
});

test('check: a module that is missing -> not-installed', async () => {
  const r = await checkServer('python3', { cwd: os.tmpdir(), module: 'adlens_surely_not_installed_xyz' });
  assert.equal(r.kind, 'not-installed', JSON.stringify(r));
  assert.match(r.detail, /ModuleNotFoundError: No module named 'adlens_surely_not_installed_xyz'/);
});

test('check: no such interpreter -> no-python', async () => {
  const r = await checkServer('/nonexistent/bin/python3', { cwd: os.tmpdir() });
  assert.equal(r.kind, 'no-python');
  const r2 = await checkServer('python-does-not-exist-4.2', { cwd: os.tmpdir() });
  assert.equal(r2.kind, 'no-python');
});

test('check: an interpreter that crashes or hangs -> failed, with its stderr', async () => {
  const dir = tmp();
  const crash = path.join(dir, 'crash');
  fs.writeFileSync(crash, '#!/bin/sh\necho "Fatal Python error: init_fs_encoding" >&2\nexit 1\n', { mode: 0o755 });
  const r = await checkServer(crash, { cwd: dir });
  assert.equal(r.kind, 'failed');
  assert.match(r.detail, /Fatal Python error/);
  const hang = path.join(dir, 'hang');
  fs.writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  const t0 = Date.now();
  const h = await checkServer(hang, { cwd: dir, timeoutMs: 300 });
  assert.equal(h.kind, 'failed');
  assert.match(h.detail, /did not answer in time/);
  assert.ok(Date.now() - t0 < 5000);
});

test('check: a module file in the working directory does not shadow the installed one', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'adlens_shadow_probe.py'), 'raise SystemExit("workspace code ran")\n');
  const r = await checkServer('python3', { cwd: dir, module: 'adlens_shadow_probe' });
  // PYTHONSAFEPATH=1 (Python 3.11+): the cwd is not on sys.path, so the file is not imported.
  assert.equal(r.kind, 'not-installed', JSON.stringify(r));
});

test('classifyCheck: too old, and executables with spaces', () => {
  const old = classifyCheck('py', Object.assign(new Error('x'), { code: 4 }), 'ADLENS-TOO-OLD /usr/bin/python3.8 3.8.10\n', '');
  assert.equal(old.kind, 'too-old');
  assert.equal(old.version, '3.8.10');
  assert.match(describeCheck(old, ''), /needs Python 3\.10 or newer.*3\.8\.10/);
  const ok = classifyCheck('py', null, 'noise\nADLENS-OK /My Envs/bin/python 3.12.1 /site/lsp_server/__init__.py\n', '');
  assert.deepEqual([ok.kind, ok.executable, ok.version, ok.detail], ['ok', '/My Envs/bin/python', '3.12.1', '/site/lsp_server/__init__.py']);
});

// ---------------------------------------------------------------- install command

test('install command: pip install adlens, quoted where needed', () => {
  assert.equal(installCommand('/usr/bin/python3'), '/usr/bin/python3 -m pip install adlens');
  assert.equal(installCommand('/My Envs/py'), "'/My Envs/py' -m pip install adlens");
  assert.equal(installCommand('C:\\Py 3\\python.exe', undefined, 'win32'), '"C:\\Py 3\\python.exe" -m pip install adlens');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

test('install command: an editable install when the workspace is in the AD Lens source tree', () => {
  const root = tmp();
  fs.writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "adlens"\nversion = "0.1.0"\n');
  fs.mkdirSync(path.join(root, 'lsp_server'));
  fs.mkdirSync(path.join(root, 'examples'));
  assert.equal(findRepoRoot([path.join(root, 'examples')]), root);
  assert.equal(findRepoRoot([root]), root);
  assert.equal(installCommand('/v/bin/python', findRepoRoot([path.join(root, 'examples')])), `/v/bin/python -m pip install -e ${root}`);
  const other = tmp();
  fs.writeFileSync(path.join(other, 'pyproject.toml'), '[project]\nname = "something-else"\n');
  assert.equal(findRepoRoot([other], 0), undefined);
});

test('describeCheck names the interpreter and the exact command', () => {
  const cmd = '/v/bin/python -m pip install adlens';
  const msg = describeCheck({ kind: 'not-installed', python: '/v/bin/python', detail: "ModuleNotFoundError: No module named 'lsp_server'" }, cmd);
  assert.equal(msg, `AD Lens is not installed for /v/bin/python. Install it with: ${cmd}`);
  const broken = describeCheck({ kind: 'not-installed', python: 'p', detail: "ModuleNotFoundError: No module named 'pygls'" }, cmd);
  assert.match(broken, /\(ModuleNotFoundError: No module named 'pygls'\)\. Install it with/);
  assert.match(describeCheck({ kind: 'no-python', python: 'python3', detail: '' }, cmd), /could not run Python "python3".*adlens\.python/);
});
