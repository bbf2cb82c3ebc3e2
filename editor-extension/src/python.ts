// Which Python runs the server, and is AD Lens installed there?
// Pure Node (child_process, fs, path): no `vscode` import, unit-tested without VS Code.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SERVER_MODULE = 'lsp_server';
// Windows installs have `python` (or the `py` launcher), rarely `python3`.
export const DEFAULT_PYTHON = process.platform === 'win32' ? 'python' : 'python3';
export const PIP_PACKAGE = 'adlens';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface Interpreter {
  /** The executable: an absolute path, or a bare command looked up on PATH (`python3`). */
  command: string;
  source: InterpreterSource;
  /** Why earlier candidates were skipped (for the log). */
  notes: string[];
}

export interface ResolveInput {
  /** `adlens.python` (already user-level only in an untrusted workspace: it is a restricted setting). */
  setting: string;
  trusted: boolean;
  /** File-system paths of the workspace folders; the first one anchors relative paths. */
  workspaceFolders: readonly string[];
  /** The active interpreter of the Python extension (`ms-python.python`), when it is installed. */
  pythonExtension?: () => Promise<string | undefined>;
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in a setting,
 * and make a relative path (one with a separator, like `.venv/bin/python`) absolute against
 * the first workspace folder. A bare command (`python3.12`) is left for PATH lookup.
 */
export function expandPath(value: string, ctx: { workspaceFolder?: string; home?: string; env?: NodeJS.ProcessEnv }): string {
  const home = ctx.home ?? os.homedir();
  const env = ctx.env ?? process.env;
  let v = value.trim();
  v = v.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder ?? '');
  v = v.replace(/\$\{userHome\}/g, home);
  v = v.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
  if (v === '~') v = home;
  else if (v.startsWith('~/')) v = path.join(home, v.slice(2));
  const hasSep = v.includes('/') || (process.platform === 'win32' && v.includes('\\'));
  if (hasSep && !path.isAbsolute(v) && ctx.workspaceFolder) v = path.resolve(ctx.workspaceFolder, v);
  return v;
}

/** True when `child` is `parent` or lies below it (lexically; both made absolute). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Choose the interpreter: `adlens.python`, else the Python extension's active interpreter,
 * else `python3`. In an untrusted workspace an interpreter that lives inside the workspace
 * (say `.venv/bin/python` picked by the Python extension) is a binary the workspace controls:
 * it is skipped, and the next candidate is used.
 */
export async function resolveInterpreter(input: ResolveInput): Promise<Interpreter> {
  const notes: string[] = [];
  const folder = input.workspaceFolders[0];
  const insideWorkspace = (p: string) => path.isAbsolute(p) && input.workspaceFolders.some((f) => isInside(p, f));
  const acceptable = (p: string, what: string): boolean => {
    if (!input.trusted && insideWorkspace(p)) {
      notes.push(`${what} ${p} is inside the untrusted workspace; not running it`);
      return false;
    }
    return true;
  };

  if (input.setting.trim()) {
    const p = expandPath(input.setting, { workspaceFolder: folder, home: input.home, env: input.env });
    if (p && acceptable(p, 'adlens.python')) return { command: p, source: 'setting', notes };
  }
  if (input.pythonExtension) {
    try {
      const p = await input.pythonExtension();
      if (p && acceptable(p, 'the Python extension interpreter')) return { command: p, source: 'python-extension', notes };
      if (!p) notes.push('the Python extension reported no active interpreter');
    } catch (e) {
      notes.push(`the Python extension API failed: ${errorText(e)}`);
    }
  }
  return { command: DEFAULT_PYTHON, source: 'default', notes };
}

/**
 * The active interpreter from the Python extension's exported API, given the object that
 * `extensions.getExtension('ms-python.python').activate()` resolves to. Supports the
 * `environments` API (2023+) and the older `settings.getExecutionDetails`.
 */
export async function interpreterFromPythonApi(api: unknown, resource?: unknown): Promise<string | undefined> {
  const a = api as {
    environments?: {
      getActiveEnvironmentPath?: (r?: unknown) => { id?: string; path?: string } | undefined;
      resolveEnvironment?: (e: unknown) => Promise<{ executable?: { uri?: { fsPath?: string } } } | undefined>;
    };
    settings?: { getExecutionDetails?: (r?: unknown) => { execCommand?: string[] } | undefined };
  } | undefined;
  const envs = a?.environments;
  if (envs?.getActiveEnvironmentPath) {
    const active = envs.getActiveEnvironmentPath(resource);
    if (active) {
      const resolved = envs.resolveEnvironment ? await envs.resolveEnvironment(active) : undefined;
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) return exe;
      if (active.path) return active.path;
    }
  }
  const cmd = a?.settings?.getExecutionDetails?.(resource)?.execCommand;
  // `conda run -n env python` and the like are not a single executable: skip them.
  if (cmd && cmd.length === 1 && cmd[0]) return cmd[0];
  return undefined;
}

// ------------------------------------------------------------------------------------------
// Is the server importable there?

export type CheckKind = 'ok' | 'no-python' | 'too-old' | 'not-installed' | 'failed';

export interface ServerCheck {
  kind: CheckKind;
  python: string;
  /** The interpreter's own `sys.executable` and version, when it ran. */
  executable?: string;
  version?: string;
  /** Where `lsp_server` was imported from (ok), or the error text. */
  detail: string;
}

// Printed markers keep the parse robust against sitecustomize noise on stdout.
const CHECK_SCRIPT = [
  'import sys',
  'v = "%d.%d.%d" % sys.version_info[:3]',
  'if sys.version_info < (3, 10):',
  '    print("ADLENS-TOO-OLD", sys.executable, v); sys.exit(4)',
  'try:',
  '    import MODULE as m',
  'except ImportError as e:',
  '    print("ADLENS-MISSING", sys.executable, v, "%s: %s" % (type(e).__name__, e)); sys.exit(3)',
  'print("ADLENS-OK", sys.executable, v, getattr(m, "__file__", "") or "")',
].join('\n');

export function checkScript(module = SERVER_MODULE): string {
  return CHECK_SCRIPT.replace('MODULE', module);
}

/**
 * Environment for running Python on behalf of the extension: `PYTHONSAFEPATH=1` (3.11+) stops
 * Python from putting the current directory on `sys.path`, so a workspace file named
 * `lsp_server.py` can never shadow the real server. (The cwd is the extension's own folder
 * too, which covers 3.10.)
 */
export function pythonEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, PYTHONSAFEPATH: '1', PYTHONUNBUFFERED: '1' };
}

export interface CheckOptions {
  cwd: string;
  timeoutMs?: number;
  module?: string;
  env?: NodeJS.ProcessEnv;
}

/** Run `<python> -c "import lsp_server"` (plus a version check) and classify the outcome. */
export function checkServer(python: string, opts: CheckOptions): Promise<ServerCheck> {
  return new Promise((resolve) => {
    execFile(python, ['-c', checkScript(opts.module)],
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 20000, env: opts.env ?? pythonEnv(), windowsHide: true, encoding: 'utf8' },
      (err, stdout, stderr) => resolve(classifyCheck(python, err, stdout, stderr)));
  });
}

export function classifyCheck(python: string, err: (Error & { code?: unknown; killed?: boolean; signal?: unknown }) | null,
  stdout: string, stderr: string): ServerCheck {
  const line = (marker: string) => stdout.split(/\r?\n/).find((l) => l.startsWith(marker + ' '));
  const fields = (l: string) => {
    // "MARKER <executable> <version> <rest…>"; executables may contain spaces, versions do not.
    const m = /^\S+ (.*) (\d+\.\d+\.\d+)(?: (.*))?$/.exec(l);
    return m ? { executable: m[1], version: m[2], rest: m[3] ?? '' } : { executable: undefined, version: undefined, rest: l };
  };
  const ok = line('ADLENS-OK');
  if (!err && ok) {
    const f = fields(ok);
    return { kind: 'ok', python, executable: f.executable, version: f.version, detail: f.rest };
  }
  const missing = line('ADLENS-MISSING');
  if (missing) {
    const f = fields(missing);
    return { kind: 'not-installed', python, executable: f.executable, version: f.version, detail: f.rest };
  }
  const old = line('ADLENS-TOO-OLD');
  if (old) {
    const f = fields(old);
    return { kind: 'too-old', python, executable: f.executable, version: f.version, detail: `Python ${f.version} is too old; AD Lens needs 3.10 or newer` };
  }
  if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTDIR')) {
    return { kind: 'no-python', python, detail: `cannot run ${python} (${String(err.code)})` };
  }
  if (err && err.killed) return { kind: 'failed', python, detail: `${python} did not answer in time (${String(err.signal ?? 'killed')})` };
  const tail = (stderr || stdout || (err ? err.message : '')).trim().split(/\r?\n/).slice(-6).join('\n');
  return { kind: 'failed', python, detail: tail || 'the interpreter check failed with no output' };
}

// ------------------------------------------------------------------------------------------
// How to install it

/** POSIX shell quoting (single quotes) when needed; Windows gets double quotes. */
export function shellQuote(s: string, platform: NodeJS.Platform = process.platform): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (platform === 'win32') return `"${s.replace(/"/g, '\\"')}"`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The exact command that installs AD Lens for `python`: `<python> -m pip install adlens`, or
 * an editable install of the AD Lens source tree when the workspace is (inside) it.
 */
export function installCommand(python: string, repoRoot?: string, platform: NodeJS.Platform = process.platform): string {
  const target = repoRoot ? `-e ${shellQuote(repoRoot, platform)}` : PIP_PACKAGE;
  return `${shellQuote(python, platform)} -m pip install ${target}`;
}

/** Is `dir` an AD Lens source tree (pyproject.toml naming the `adlens` project, and `lsp_server/`)? */
export function isAdlensRepo(dir: string): boolean {
  try {
    const toml = fs.readFileSync(path.join(dir, 'pyproject.toml'), 'utf8');
    return /^\s*name\s*=\s*["']adlens["']/m.test(toml) && fs.statSync(path.join(dir, SERVER_MODULE)).isDirectory();
  } catch {
    return false;
  }
}

/** The AD Lens source tree containing one of the folders (the folder itself or up to 4 levels up). */
export function findRepoRoot(folders: readonly string[], maxUp = 4): string | undefined {
  for (const f of folders) {
    let dir = path.resolve(f);
    for (let i = 0; i <= maxUp; i++) {
      if (isAdlensRepo(dir)) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** A human sentence for a failed check, with the remedy. */
export function describeCheck(check: ServerCheck, install: string): string {
  switch (check.kind) {
    case 'ok':
      return `AD Lens server found for ${check.python} (Python ${check.version ?? '?'})`;
    case 'no-python':
      return `AD Lens could not run Python "${check.python}". Install Python 3.10+ or set "adlens.python" to an interpreter.`;
    case 'too-old':
      return `AD Lens needs Python 3.10 or newer; "${check.python}" is Python ${check.version}. Set "adlens.python" to a newer interpreter.`;
    case 'not-installed':
      return `AD Lens is not installed for ${check.python}${check.detail && !/No module named '?lsp_server'?/.test(check.detail) ? ` (${check.detail})` : ''}. Install it with: ${install}`;
    case 'failed':
      return `AD Lens could not check ${check.python}: ${check.detail}`;
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
