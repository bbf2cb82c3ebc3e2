// AD Lens for VS Code: wiring only. The logic lives in python.ts, settings.ts, trust.ts,
// server.ts, commands.ts and documents.ts, which do not import `vscode` and are unit-tested.

import * as vscode from 'vscode';
import { createClient } from './client';
import {
  type DefInfo, PALETTE_COMMANDS, SERVER_COMMANDS, functionAt, inlayHintsMessage, listFunctions, pointPrefill,
  validatePointText,
} from './commands';
import { isNotebookCell, isServed } from './documents';
import { GeneratedTexts, type Mode, REVEAL_COMMAND, SCT_SCHEME, shownCode } from './sct';
import { checkServer, errorText, interpreterFromPythonApi } from './python';
import { type ServerState, ServerController } from './server';
import { SECTION, needsRestart, readSettings } from './settings';
import { whenTrustGranted } from './trust';

const PYTHON_EXTENSION_ID = 'ms-python.python';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('AD Lens', { log: true });
  context.subscriptions.push(log);

  const status = vscode.window.createStatusBarItem('adlens.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'AD Lens';
  status.command = PALETTE_COMMANDS.showLog;
  context.subscriptions.push(status);
  showState(status, 'starting', 'activating');
  status.show();

  const settings = () => {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const { settings: s, problems } = readSettings((k) => cfg.get(k));
    for (const p of problems) log.warn(p);
    return s;
  };

  const shownProblems = new Set<string>();
  controller = new ServerController({
    settings,
    trusted: () => vscode.workspace.isTrusted,
    workspaceFolders: () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    extensionPath: context.extensionPath,
    pythonExtension: pythonExtensionInterpreter(context, () => controller?.requestRestart('Python interpreter changed')),
    check: (python, cwd) => checkServer(python, { cwd }),
    createClient: (spec, onEvent) => createClient(spec, log, onEvent),
    onState: (state, detail) => showState(status, state, detail),
    onProblem: (check, install, message) => {
      const key = `${check.kind}:${check.python}`;
      if (shownProblems.has(key)) return;
      shownProblems.add(key);
      void showProblem(check.kind, install, message, log);
    },
    log,
  });

  context.subscriptions.push(
    vscode.commands.registerCommand(PALETTE_COMMANDS.showLog, () => log.show(true)),
    vscode.commands.registerCommand(PALETTE_COMMANDS.restart, async () => {
      shownProblems.clear();
      await controller?.restart('restart requested');
    }),
    vscode.commands.registerCommand(PALETTE_COMMANDS.checkGradient, () => checkGradient(log)),
    vscode.commands.registerCommand(PALETTE_COMMANDS.showDerivatives, () => showDerivatives(log)),
    vscode.commands.registerCommand(PALETTE_COMMANDS.insertGradient, () => insertGradient(log)),
    vscode.commands.registerCommand(PALETTE_COMMANDS.showTransformedSource, () => showTransformedSource(log, 'reverse')),
    vscode.commands.registerCommand(PALETTE_COMMANDS.showTransformedSourceForward, () => showTransformedSource(log, 'forward')),
    vscode.commands.registerCommand(PALETTE_COMMANDS.toggleInlayHints, () => toggleInlayHints(log)),
    vscode.commands.registerCommand(REVEAL_COMMAND, (uri: string, line: number) => revealSourceLine(uri, line)),
    vscode.workspace.registerTextDocumentContentProvider(SCT_SCHEME, generatedCode),
    whenTrustGranted(vscode.workspace, () => {
      log.info('workspace trust granted: restarting the server with execution enabled');
      void controller?.requestRestart('workspace trusted');
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (needsRestart((k) => e.affectsConfiguration(k))) void controller?.requestRestart('settings changed');
    }),
    { dispose: () => { void controller?.stop(); } },
  );

  await controller.start('start');
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}

// ------------------------------------------------------------------------------------------
// Status bar

const STATE_TEXT: Record<ServerState, string> = {
  starting: '$(loading~spin) AD Lens: starting',
  ready: '$(check) AD Lens: ready',
  'static-only': '$(shield) AD Lens: static only',
  error: '$(error) AD Lens: error',
  stopped: '$(circle-slash) AD Lens: stopped',
};

function showState(item: vscode.StatusBarItem, state: ServerState, detail: string): void {
  item.text = STATE_TEXT[state];
  item.tooltip = `AD Lens: ${detail}\nClick to show the log.`;
  item.backgroundColor = state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
}

// ------------------------------------------------------------------------------------------
// Missing Python / missing server

async function showProblem(kind: string, install: string, message: string, log: vscode.LogOutputChannel): Promise<void> {
  const INSTALL = 'Install in terminal';
  const SETTINGS = 'Choose Python…';
  const LOG = 'Show log';
  const buttons = kind === 'not-installed' ? [INSTALL, SETTINGS, LOG] : [SETTINGS, LOG];
  const pick = await vscode.window.showErrorMessage(message, ...buttons);
  if (pick === INSTALL) {
    const term = vscode.window.createTerminal({ name: 'AD Lens: install' });
    term.show();
    term.sendText(install);
    const RESTART = 'Restart server';
    const again = await vscode.window.showInformationMessage(
      `Installing AD Lens in the terminal (${install}). When it has finished, restart the server.`, RESTART);
    if (again === RESTART) await vscode.commands.executeCommand(PALETTE_COMMANDS.restart);
  } else if (pick === SETTINGS) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.python`);
  } else if (pick === LOG) {
    log.show(true);
  }
}

// ------------------------------------------------------------------------------------------
// The Python extension, when installed (optional: never an extensionDependency)

function pythonExtensionInterpreter(context: vscode.ExtensionContext, onChange: () => void):
  (() => Promise<string | undefined>) | undefined {
  let subscribed = false;
  return async () => {
    const ext = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
    if (!ext) return undefined;
    const api: unknown = ext.isActive ? ext.exports : await withTimeout(ext.activate(), 15000, 'activating the Python extension');
    const envs = (api as { environments?: { onDidChangeActiveEnvironmentPath?: vscode.Event<unknown> } } | undefined)?.environments;
    if (!subscribed && envs?.onDidChangeActiveEnvironmentPath) {
      subscribed = true;
      context.subscriptions.push(envs.onDidChangeActiveEnvironmentPath(() => {
        if (!readSettings((k) => vscode.workspace.getConfiguration(SECTION).get(k)).settings.python) onChange();
      }));
    }
    return interpreterFromPythonApi(api, vscode.workspace.workspaceFolders?.[0]?.uri);
  };
}

function withTimeout<T>(p: Thenable<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out ${what}`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

// ------------------------------------------------------------------------------------------
// Palette commands: they supply the document and the function under the cursor.

interface Target { editor: vscode.TextEditor; uri: string; fn: DefInfo; lines: string[] }

async function target(action: string): Promise<Target | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isServed(editor.document)) {
    void vscode.window.showWarningMessage(`AD Lens: open a Python file or notebook cell to ${action}.`);
    return undefined;
  }
  const lines = editor.document.getText().split(/\r?\n/);
  let fn = functionAt(lines, editor.selection.active.line);
  if (!fn) {
    const all = listFunctions(lines);
    if (!all.length) {
      void vscode.window.showWarningMessage(`AD Lens: no top-level function in this ${isNotebookCell(editor.document) ? 'cell' : 'file'}.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      all.map((f) => ({ label: f.name, description: `(${f.params.map((p) => p.name).join(', ')})`, detail: `line ${f.line + 1}`, f })),
      { placeHolder: `Function to ${action}` });
    fn = pick?.f;
  }
  return fn ? { editor, uri: editor.document.uri.toString(), fn, lines } : undefined;
}

async function runServerCommand(log: vscode.LogOutputChannel, title: string, command: string, args: unknown[]): Promise<unknown> {
  const running = controller?.current;
  if (!running) {
    const RESTART = 'Restart server';
    const pick = await vscode.window.showErrorMessage(
      `AD Lens: the server is not running (${controller?.detail ?? 'not started'}).`, RESTART, 'Show log');
    if (pick === RESTART) await vscode.commands.executeCommand(PALETTE_COMMANDS.restart);
    else if (pick) log.show(true);
    return undefined;
  }
  log.info(`${command} ${JSON.stringify(args)}`);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title },
      (_p, token) => running.client.executeCommand(command, args, token));
  } catch (e) {
    log.error(`${command} failed: ${errorText(e)}`);
    void vscode.window.showErrorMessage(`AD Lens: ${command} failed: ${errorText(e)}`);
    return undefined;
  }
}

async function checkGradient(log: vscode.LogOutputChannel): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    const MANAGE = 'Manage Workspace Trust';
    const pick = await vscode.window.showWarningMessage(
      'AD Lens: checking a gradient runs your function, which Restricted Mode does not allow. Trust this workspace first.', MANAGE);
    if (pick === MANAGE) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  const t = await target('check');
  if (!t) return;
  const point = await vscode.window.showInputBox({
    title: `AD Lens: check the gradient of ${t.fn.name}`,
    prompt: 'Point: name=value pairs (Python literals), e.g. x=1.0, w=[0.1, 0.2]',
    value: pointPrefill(t.lines, t.fn),
    validateInput: validatePointText,
    ignoreFocusOut: true,
  });
  if (point === undefined) return;
  const result = await runServerCommand(log, `AD Lens: checking ∇${t.fn.name} at ${point}`,
    SERVER_COMMANDS.checkGradient, [t.uri, t.fn.name, point.trim()]);
  if (result !== undefined) log.info(`${SERVER_COMMANDS.checkGradient} -> ${JSON.stringify(result).slice(0, 2000)}`);
}

async function showDerivatives(log: vscode.LogOutputChannel): Promise<void> {
  const t = await target('show derivatives of');
  if (!t) return;
  const result = await runServerCommand(log, `AD Lens: derivatives of ${t.fn.name}`,
    SERVER_COMMANDS.showDerivatives, [t.uri, t.fn.name]);
  const content = markdownOf(result);
  if (content === undefined) {
    if (result !== undefined) void vscode.window.showWarningMessage(`AD Lens: the server returned no derivatives for ${t.fn.name}.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

/** The server returns Markdown text; accept `{markdown}`/`{content}`/`{value}` wrappers too. */
function markdownOf(result: unknown): string | undefined {
  if (typeof result === 'string') return result;
  if (result && typeof result === 'object') {
    for (const k of ['markdown', 'content', 'value']) {
      const v = (result as Record<string, unknown>)[k];
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}

async function insertGradient(log: vscode.LogOutputChannel): Promise<void> {
  const t = await target('generate a gradient for');
  if (!t) return;
  // The server answers with a workspace/applyEdit of its own.
  const result = await runServerCommand(log, `AD Lens: generating ${t.fn.name}_grad`,
    SERVER_COMMANDS.insertGradient, [t.uri, t.fn.name]);
  if (result !== undefined) log.info(`${SERVER_COMMANDS.insertGradient} -> ${JSON.stringify(result).slice(0, 500)}`);
}

// ------------------------------------------------------------------------------------------
// Source transformation: the code ad.sct generates, read-only, beside the function (sct.ts).

const generatedTexts = new GeneratedTexts();
const generatedChanged = new vscode.EventEmitter<vscode.Uri>();
const generatedCode: vscode.TextDocumentContentProvider = {
  onDidChange: generatedChanged.event,
  provideTextDocumentContent: (uri) => generatedTexts.get(uri.toString())
    ?? '# This code was generated in an earlier session: run "AD Lens: Show gradient code" again.\n',
};

async function showTransformedSource(log: vscode.LogOutputChannel, mode: Mode): Promise<void> {
  const t = await target(mode === 'reverse' ? 'show the gradient code of' : 'show the forward-mode code of');
  if (!t) return;
  const result = await runServerCommand(log, `AD Lens: ${t.fn.name} by source transformation`,
    SERVER_COMMANDS.showTransformedSource, [t.uri, t.fn.name, mode]);
  const shown = shownCode(result);
  if (!shown) return; // the server showed why (untrusted, a construct ad.sct does not transform)
  const uri = vscode.Uri.parse(shown.uri);
  if (generatedTexts.set(uri.toString(), shown.source)) generatedChanged.fire(uri);
  let doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'python') doc = await vscode.languages.setTextDocumentLanguage(doc, 'python');
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
}

/** A link in generated code: the source line, in the editor that already shows its file. */
async function revealSourceLine(uri: string, line: number): Promise<void> {
  const target = vscode.Uri.parse(uri);
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.toString());
  const doc = shown?.document ?? await vscode.workspace.openTextDocument(target);
  const n = Math.max(0, Math.min(line, doc.lineCount - 1));
  const at = new vscode.Range(n, 0, n, doc.lineAt(n).text.length);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, selection: at });
  editor.revealRange(at, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

async function toggleInlayHints(log: vscode.LogOutputChannel): Promise<void> {
  const result = await runServerCommand(log, 'AD Lens: inlay hints', SERVER_COMMANDS.toggleInlayHints, []);
  const message = inlayHintsMessage(result);
  if (message) void vscode.window.showInformationMessage(message);
}
