// Fakes for the controller: a language client that records what it was started with.
import { type ClientEvent, type ClientHandle, type ControllerDeps, type LaunchSpec, ServerController, type ServerState } from '../src/server';
import { type AdlensSettings, DEFAULTS } from '../src/settings';
import type { ServerCheck } from '../src/python';

export class FakeClient implements ClientHandle {
  started = false;
  stopped = false;
  commands: [string, unknown[]][] = [];
  constructor(public spec: LaunchSpec, public emit: (e: ClientEvent) => void, private failStart?: Error, private log?: string[]) {}
  async start() {
    this.log?.push(`start ${JSON.stringify(this.spec.initializationOptions)}`);
    await new Promise((r) => setTimeout(r, 5));
    if (this.failStart) throw this.failStart;
    this.started = true;
    this.emit('running');
  }
  async stop() {
    this.log?.push('stop');
    await new Promise((r) => setTimeout(r, 5));
    this.stopped = true;
    this.emit('stopped');
  }
  async executeCommand(command: string, args: unknown[]) { this.commands.push([command, args]); return null; }
}

export interface Harness {
  controller: ServerController;
  clients: FakeClient[];
  states: [ServerState, string][];
  problems: { check: ServerCheck; install: string; message: string }[];
  events: string[];
  logs: string[];
  settings: AdlensSettings;
  trust: { isTrusted: boolean; grant(): void; onDidGrantWorkspaceTrust(l: () => unknown): { dispose(): void } };
  checked: string[];
}

export function harness(opts: {
  settings?: Partial<AdlensSettings>; trusted?: boolean; check?: (python: string) => ServerCheck;
  failStart?: Error; pythonExtension?: () => Promise<string | undefined>; folders?: string[];
} = {}): Harness {
  const listeners: (() => unknown)[] = [];
  const trust = {
    isTrusted: opts.trusted ?? true,
    grant() { this.isTrusted = true; for (const l of listeners) l(); },
    onDidGrantWorkspaceTrust(l: () => unknown) { listeners.push(l); return { dispose() { listeners.splice(listeners.indexOf(l), 1); } }; },
  };
  const h: Harness = {
    controller: undefined as unknown as ServerController, clients: [], states: [], problems: [], events: [], logs: [],
    settings: { ...DEFAULTS, ...opts.settings }, trust, checked: [],
  };
  const deps: ControllerDeps = {
    settings: () => h.settings,
    trusted: () => trust.isTrusted,
    workspaceFolders: () => opts.folders ?? ['/ws'],
    extensionPath: '/ext/adlens',
    pythonExtension: opts.pythonExtension,
    check: async (python) => {
      h.checked.push(python);
      return opts.check ? opts.check(python) : { kind: 'ok', python, executable: python, version: '3.11.7', detail: '/site/lsp_server/__init__.py' };
    },
    createClient: (spec, onEvent) => {
      const c = new FakeClient(spec, onEvent, opts.failStart, h.events);
      h.clients.push(c);
      return c;
    },
    onState: (s, d) => h.states.push([s, d]),
    onProblem: (check, install, message) => h.problems.push({ check, install, message }),
    log: { info: (m) => h.logs.push(`info ${m}`), warn: (m) => h.logs.push(`warn ${m}`), error: (m) => h.logs.push(`error ${m}`) },
  };
  h.controller = new ServerController(deps);
  return h;
}
