// The wire contract the extension relies on, against the real server: launched exactly as
// the extension launches it (launchSpec), initialized with the extension's
// initializationOptions, it must advertise hovers, code lenses and the three commands the
// palette sends, and answer a hover on a def. Skipped (with the reason) when `lsp_server`
// is not importable: set ADLENS_TEST_PYTHON, or `make` the repo's .venv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type ProtocolConnection, StreamMessageReader, StreamMessageWriter, createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { SERVER_COMMANDS } from '../src/commands';
import { checkServer } from '../src/python';
import { launchSpec } from '../src/server';
import { initializationOptions } from '../src/settings';

const EXT = path.resolve(__dirname, '..', '..');
const REPO = path.resolve(EXT, '..');
const PYTHON = process.env.ADLENS_TEST_PYTHON
  || (fs.existsSync(path.join(REPO, '.venv', 'bin', 'python')) ? path.join(REPO, '.venv', 'bin', 'python') : 'python3');

const SOURCE = 'def f(x, y):\n    return x * y + x ** 2\n';

async function withServer(trusted: boolean, body: (c: ProtocolConnection, init: { capabilities: Record<string, any> }) => Promise<void>) {
  const spec = launchSpec(PYTHON, EXT, initializationOptions({ execution: 'trusted' }, trusted));
  const proc = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
    p.items.map((i) => (i.section === 'adlens' ? { execution: 'trusted', timeLimit: 2, codeLens: { enabled: true }, hover: { enabled: true }, logLevel: 'info' } : null)));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('window/logMessage', () => undefined);
  conn.onNotification('window/showMessage', () => undefined);
  conn.onNotification('textDocument/publishDiagnostics', () => undefined);
  conn.listen();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adlens-contract-'));
  try {
    const init = await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: `file://${dir}`,
      workspaceFolders: [{ uri: `file://${dir}`, name: 'ws' }],
      capabilities: { workspace: { configuration: true, workspaceFolders: true, codeLens: { refreshSupport: true } },
        textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] } }, window: { workDoneProgress: true },
        notebookDocument: { synchronization: { dynamicRegistration: false, executionSummarySupport: true } } },
      initializationOptions: spec.initializationOptions,
    }) as { capabilities: Record<string, any> };
    await conn.sendNotification('initialized', {});
    await body(conn, init);
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
  } catch (e) {
    throw new Error(`${String(e)}\nserver stderr:\n${stderr.slice(-3000)}`);
  } finally {
    conn.dispose();
    setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
  }
}

test('the real server: launched like the extension launches it, it speaks the contract', { timeout: 90_000 }, async (t) => {
  const check = await checkServer(PYTHON, { cwd: EXT });
  if (check.kind !== 'ok') { t.skip(`lsp_server not importable with ${PYTHON}: ${check.kind} ${check.detail}`); return; }

  await withServer(false, async (conn, init) => {
    const caps = init.capabilities;
    assert.ok(caps.hoverProvider, 'hoverProvider');
    assert.ok(caps.codeLensProvider, 'codeLensProvider');
    const commands: string[] = caps.executeCommandProvider?.commands ?? [];
    for (const id of Object.values(SERVER_COMMANDS)) assert.ok(commands.includes(id), `server command ${id} (has ${commands.join(', ')})`);

    const uri = 'file:///tmp/adlens-contract/f.py';
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: SOURCE } });
    // Untrusted (execution never): the static card, with a derivative, and no user code run.
    // The first answer may be a "computing…" placeholder (the card is built in the
    // background, then the server asks for a refresh): ask again until it is ready.
    let text = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 4 } }) as
        { contents: { value?: string } | string } | null;
      text = !hover ? '' : typeof hover.contents === 'string' ? hover.contents : hover.contents.value ?? JSON.stringify(hover.contents);
      if (text && !/computing…/.test(text)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(text, 'a hover on the def name');
    assert.match(text, /\bf\b/, `the card names the function: ${text.slice(0, 400)}`);
    // The trust contract: under {trusted: false, execution: "never"} the card is static.
    assert.match(text, /static/i, `an untrusted server says it is static only: ${text.slice(0, 400)}`);
    assert.doesNotMatch(text, /∇f\s*=|gradient at/i, 'no gradient value computed');
    const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as unknown[];
    assert.ok(Array.isArray(lenses) && lenses.length > 0, 'code lenses above f');
  });
});

// The notebook the e2e harness opens in code-server (a helper in cell 1, a function using it in
// cell 2), sent the way vscode-languageclient sends a notebook to a server that advertises LSP
// 3.17 notebookDocumentSync. Skipped, saying so, while the server does not advertise it: then
// VS Code sends each cell as a separate text document, and cell 2 cannot see cell 1.
test('notebooks: a cell sees the definitions of the cells above it (LSP 3.17 notebook sync)', { timeout: 90_000 }, async (t) => {
  const check = await checkServer(PYTHON, { cwd: EXT });
  if (check.kind !== 'ok') { t.skip(`lsp_server not importable with ${PYTHON}: ${check.kind} ${check.detail}`); return; }
  const nb = JSON.parse(fs.readFileSync(path.join(EXT, 'e2e', 'notebook', 'two_cells.ipynb'), 'utf8')) as
    { cells: { cell_type: string; source: string | string[] }[] };
  const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => ([] as string[]).concat(c.source).join(''));
  assert.equal(code.length, 2);

  await withServer(true, async (conn, init) => {
    const sync = init.capabilities.notebookDocumentSync as
      { notebookSelector?: { notebook?: string | { notebookType?: string }; cells?: { language: string }[] }[] } | undefined;
    if (!sync) { t.skip('the server does not advertise notebookDocumentSync yet: VS Code sends each cell as its own text document'); return; }
    // VS Code's built-in ipynb support: notebookType "jupyter-notebook", Python cells.
    const selects = (sync.notebookSelector ?? []).some((s) => {
      const type = typeof s.notebook === 'string' ? s.notebook : s.notebook?.notebookType;
      return (type === undefined || type === '*' || type === 'jupyter-notebook')
        && (!s.cells || s.cells.some((c) => c.language === 'python' || c.language === '*'));
    });
    assert.ok(selects, `the notebookSelector takes the Python cells of a jupyter-notebook: ${JSON.stringify(sync)}`);

    const nbUri = 'file:///tmp/adlens-contract/two_cells.ipynb';
    const cellUri = (i: number) => `vscode-notebook-cell:/tmp/adlens-contract/two_cells.ipynb#W${i}sZmlsZQ%3D%3D`;
    await conn.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: nbUri, notebookType: 'jupyter-notebook', version: 1,
        cells: code.map((_, i) => ({ kind: 2, document: cellUri(i) })) },
      cellTextDocuments: code.map((text, i) => ({ uri: cellUri(i), languageId: 'python', version: 1, text })),
    });
    const lines = code[1].split('\n');
    const line = lines.findIndex((l) => l.startsWith('def loss('));
    let text = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri: cellUri(1) }, position: { line, character: 5 } }) as
        { contents: { value?: string } | string } | null;
      text = !hover ? '' : typeof hover.contents === 'string' ? hover.contents : hover.contents.value ?? JSON.stringify(hover.contents);
      if (text && !/computing…/.test(text)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(text, /\bloss\b/, `a card for loss in cell 2: ${text.slice(0, 400)}`);
    assert.doesNotMatch(text, /NameError|not defined/, `cell 2 sees softplus from cell 1: ${text.slice(0, 600)}`);
    assert.match(text, /matches finite differences/, `a computed, checked gradient: ${text.slice(0, 600)}`);
    const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: cellUri(1) } }) as unknown[];
    assert.ok(Array.isArray(lenses) && lenses.length > 0, 'code lenses in cell 2');
  });
});
