// Starting, restarting and stopping the language server. No `vscode` import: the VS Code and
// vscode-languageclient pieces are injected (see extension.ts / client.ts), so the sequencing
// (interpreter -> import check -> client -> state) is unit-tested with fakes.

import {
  type AdlensSettings, type InitializationOptions, initializationOptions, runsUserCode,
} from './settings';
import {
  type Interpreter, type ServerCheck, SERVER_MODULE, describeCheck, errorText, findRepoRoot,
  installCommand, pythonEnv, resolveInterpreter,
} from './python';
import * as path from 'node:path';

/** How the server process is launched: `<python> -m lsp_server` (stdio, no extra flags). */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** The extension's own folder, never the workspace (see python.pythonEnv). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  initializationOptions: InitializationOptions;
}

export function launchSpec(python: string, extensionPath: string, init: InitializationOptions,
  baseEnv: NodeJS.ProcessEnv = process.env): LaunchSpec {
  return {
    command: python,
    args: ['-m', SERVER_MODULE],
    cwd: extensionPath,
    env: pythonEnv(baseEnv),
    initializationOptions: { ...init },
  };
}

export type ServerState = 'stopped' | 'starting' | 'ready' | 'static-only' | 'error';

/** The slice of a vscode-languageclient LanguageClient the controller uses. */
export interface ClientHandle {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `workspace/executeCommand` on this connection. */
  executeCommand(command: string, args: unknown[], token?: unknown): Promise<unknown>;
}

/** Reported by the client wrapper when the connection changes state on its own (crash, auto-restart). */
export type ClientEvent = 'running' | 'stopped';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface ControllerDeps {
  settings(): AdlensSettings;
  trusted(): boolean;
  workspaceFolders(): readonly string[];
  extensionPath: string;
  /** Active interpreter of the Python extension, when that extension is installed. */
  pythonExtension?: () => Promise<string | undefined>;
  check(python: string, cwd: string): Promise<ServerCheck>;
  createClient(spec: LaunchSpec, onEvent: (e: ClientEvent) => void): ClientHandle;
  /** Status bar. */
  onState(state: ServerState, detail: string): void;
  /** The server cannot start with this interpreter: tell the user, with the install command. */
  onProblem(check: ServerCheck, install: string, message: string): void;
  log: Logger;
}

export interface Running {
  client: ClientHandle;
  spec: LaunchSpec;
  interpreter: Interpreter;
  check: ServerCheck;
}

export class ServerController {
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private _state: ServerState = 'stopped';
  private _detail = '';
  current: Running | undefined;

  constructor(private readonly deps: ControllerDeps) {}

  get state(): ServerState { return this._state; }
  get detail(): string { return this._detail; }

  /** Start (no-op when running). Operations are serialized: a restart never overlaps a start. */
  start(reason = 'start'): Promise<void> {
    return this.enqueue(async () => { if (!this.current) await this.doStart(reason); });
  }

  restart(reason = 'restart'): Promise<void> {
    return this.enqueue(async () => { await this.doStop(); await this.doStart(reason); });
  }

  stop(): Promise<void> {
    this.cancelPendingRestart();
    return this.enqueue(() => this.doStop());
  }

  private pending: { reasons: string[]; done: Promise<void>; cancelled: boolean } | undefined;

  /**
   * Restart after `delayMs`, merging requests that arrive meanwhile into one restart. Granting
   * trust fires both onDidGrantWorkspaceTrust and a configuration change (the restricted
   * settings become visible): that is one restart, not two.
   */
  requestRestart(reason: string, delayMs = 250): Promise<void> {
    if (this.pending) {
      if (!this.pending.reasons.includes(reason)) this.pending.reasons.push(reason);
      return this.pending.done;
    }
    const p = { reasons: [reason], cancelled: false, done: Promise.resolve() };
    p.done = new Promise<void>((r) => setTimeout(r, delayMs)).then(() => {
      if (this.pending === p) this.pending = undefined;
      return p.cancelled ? undefined : this.restart(p.reasons.join(' + '));
    });
    this.pending = p;
    return p.done;
  }

  private cancelPendingRestart(): void {
    if (this.pending) { this.pending.cancelled = true; this.pending = undefined; }
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private setState(state: ServerState, detail: string): void {
    this._state = state;
    this._detail = detail;
    this.deps.onState(state, detail);
  }

  private readyState(init: InitializationOptions): [ServerState, string] {
    return runsUserCode(init)
      ? ['ready', 'gradients computed in a kernel process']
      : ['static-only', init.trusted ? 'adlens.execution is "never": static analysis only'
        : 'Restricted Mode: static analysis only (no user code runs)'];
  }

  private async doStart(reason: string): Promise<void> {
    const { deps } = this;
    const log = deps.log;
    this.setState('starting', reason);
    const settings = deps.settings();
    const trusted = deps.trusted();
    const init = initializationOptions(settings, trusted);
    const folders = deps.workspaceFolders();

    const interpreter = await resolveInterpreter({
      setting: settings.python, trusted, workspaceFolders: folders, pythonExtension: deps.pythonExtension,
    });
    for (const n of interpreter.notes) log.warn(n);
    log.info(`${reason}: Python ${interpreter.command} (from ${interpreter.source}); workspace ${trusted ? 'trusted' : 'untrusted'}; initializationOptions ${JSON.stringify(init)}`);

    const check = await deps.check(interpreter.command, deps.extensionPath);
    if (check.kind !== 'ok') {
      const py = path.isAbsolute(interpreter.command) ? interpreter.command : (check.executable || interpreter.command);
      const install = installCommand(py, findRepoRoot(folders));
      const message = describeCheck(check, install);
      log.error(message);
      if (check.kind === 'failed' || check.kind === 'not-installed') log.error(check.detail);
      this.setState('error', message);
      deps.onProblem(check, install, message);
      return;
    }
    log.info(`${SERVER_MODULE} ${check.detail || ''} (Python ${check.version ?? '?'}, ${check.executable ?? interpreter.command})`);

    const spec = launchSpec(interpreter.command, deps.extensionPath, init);
    let client: ClientHandle | undefined;
    const onEvent = (e: ClientEvent) => {
      if (!client || this.current?.client !== client || this.stopping) return;
      if (e === 'stopped') {
        log.error('the AD Lens server stopped unexpectedly (see the log above); vscode-languageclient restarts it a few times');
        this.setState('error', 'the server stopped unexpectedly');
      } else if (e === 'running' && this._state === 'error') {
        this.setState(...this.readyState(init));
      }
    };
    client = deps.createClient(spec, onEvent);
    this.current = { client, spec, interpreter, check };
    try {
      await client.start();
    } catch (e) {
      this.current = undefined;
      const message = `the AD Lens server failed to start: ${errorText(e)}`;
      log.error(message);
      try { await client.stop(); } catch { /* never started */ }
      this.setState('error', message);
      return;
    }
    this.setState(...this.readyState(init));
  }

  private async doStop(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.stopping = true;
    try {
      await cur.client.stop();
    } catch (e) {
      this.deps.log.warn(`stopping the server: ${errorText(e)}`);
    } finally {
      this.current = undefined;
      this.stopping = false;
    }
    this.setState('stopped', 'stopped');
  }
}
