#!/usr/bin/env node
// Does the AD Lens server sync notebooks (LSP 3.17 notebookDocumentSync)?
//
//   node capabilities.mjs PYTHON      -> prints {"notebookDocumentSync": <options or null>, ...}
//
// Starts `PYTHON -m lsp_server` as the extension does (cwd: the extension folder,
// PYTHONSAFEPATH=1), sends `initialize` with a client that supports notebook sync (static and
// dynamic registration), listens to `client/registerCapability` for a moment after
// `initialized`, and shuts the server down. run.sh uses the answer to decide whether the
// notebook scenario must pass.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const EXT = path.resolve(HERE, '..');
// The extension's own dependency (editor-extension/node_modules), installed by `npm ci`.
const require = createRequire(path.join(EXT, 'package.json'));
const { StreamMessageReader, StreamMessageWriter, createProtocolConnection } = require('vscode-languageserver-protocol/node');

const python = process.argv[2];
if (!python) { console.error('usage: node capabilities.mjs PYTHON'); process.exit(2); }

const proc = spawn(python, ['-m', 'lsp_server'], {
  cwd: EXT, env: { ...process.env, PYTHONSAFEPATH: '1', PYTHONUNBUFFERED: '1' }, stdio: ['pipe', 'pipe', 'pipe'],
});
let stderr = '';
proc.stderr.on('data', (d) => { stderr += d; });
const giveUp = setTimeout(() => { console.error(`no answer to initialize in 60 s\n${stderr.slice(-2000)}`); proc.kill('SIGKILL'); process.exit(2); }, 60000);

const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
const registrations = [];
conn.onRequest('client/registerCapability', (p) => { registrations.push(...(p.registrations ?? [])); return null; });
conn.onRequest('workspace/configuration', (p) => p.items.map(() => null));
conn.onRequest('window/workDoneProgress/create', () => null);
conn.onRequest('workspace/codeLens/refresh', () => null);
conn.onNotification(() => undefined);
conn.listen();

try {
  const init = await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: null,
    capabilities: {
      workspace: { configuration: true, codeLens: { refreshSupport: true } },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, codeLens: {} },
      notebookDocument: { synchronization: { dynamicRegistration: true, executionSummarySupport: true } },
    },
    initializationOptions: { trusted: false, execution: 'never' },
  });
  await conn.sendNotification('initialized', {});
  await new Promise((r) => setTimeout(r, 1000));
  const dynamic = registrations.find((r) => r.method === 'notebookDocument/sync');
  const out = {
    notebookDocumentSync: init.capabilities.notebookDocumentSync ?? dynamic?.registerOptions ?? null,
    registeredDynamically: Boolean(dynamic),
    serverInfo: init.serverInfo ?? null,
  };
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(`${e}\n${stderr.slice(-2000)}`);
  process.exitCode = 2;
} finally {
  clearTimeout(giveUp);
  conn.dispose();
  setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
}
