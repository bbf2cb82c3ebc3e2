// The `adlens.*` settings and what the client sends the server at start-up.
// Pure: no `vscode` import, so it is unit-tested without VS Code.
//
// Contract (docs/architecture.md, "Settings" and "Initialization options"):
//   adlens.execution        "trusted" | "always" | "never"      default "trusted"
//   adlens.timeLimit        number (seconds)                    default 2
//   adlens.codeLens.enabled boolean                             default true
//   adlens.hover.enabled    boolean                             default true
//   adlens.logLevel         "error" | "warning" | "info" | "debug"  default "info"
//   adlens.python           string (client only)                default ""
// initializationOptions = {trusted: bool, execution: str}; an untrusted workspace always
// gets execution "never", whatever the setting says.

export const SECTION = 'adlens';

export const EXECUTION_MODES = ['trusted', 'always', 'never'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AdlensSettings {
  python: string;
  execution: ExecutionMode;
  timeLimit: number;
  codeLensEnabled: boolean;
  hoverEnabled: boolean;
  logLevel: LogLevel;
}

export const DEFAULTS: Readonly<AdlensSettings> = Object.freeze({
  python: '',
  execution: 'trusted',
  timeLimit: 2,
  codeLensEnabled: true,
  hoverEnabled: true,
  logLevel: 'info',
});

/** Keys below `adlens.` for each field (what `getConfiguration('adlens').get(key)` takes). */
export const KEYS: Readonly<Record<keyof AdlensSettings, string>> = Object.freeze({
  python: 'python',
  execution: 'execution',
  timeLimit: 'timeLimit',
  codeLensEnabled: 'codeLens.enabled',
  hoverEnabled: 'hover.enabled',
  logLevel: 'logLevel',
});

function isOneOf<T extends string>(allowed: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v);
}

/**
 * Read and validate the settings. `get(key)` returns the raw value for `adlens.<key>`
 * (undefined when unset). Invalid values (a typo in settings.json) fall back to the default
 * and are reported in `problems`, so the log can say which setting was ignored.
 */
export function readSettings(get: (key: string) => unknown): { settings: AdlensSettings; problems: string[] } {
  const problems: string[] = [];
  const raw = (k: keyof AdlensSettings) => get(KEYS[k]);
  const check = <T>(k: keyof AdlensSettings, v: unknown, ok: boolean, value: T, fallback: T): T => {
    if (v === undefined || v === null) return fallback;
    if (!ok) {
      problems.push(`adlens.${KEYS[k]}: ignoring invalid value ${JSON.stringify(v)}; using ${JSON.stringify(fallback)}`);
      return fallback;
    }
    return value;
  };

  const py = raw('python');
  const python = check('python', py, typeof py === 'string', typeof py === 'string' ? py.trim() : '', DEFAULTS.python);

  const ex = raw('execution');
  const execution = check('execution', ex, isOneOf(EXECUTION_MODES, ex),
    ex as ExecutionMode, DEFAULTS.execution);

  const tl = raw('timeLimit');
  const timeLimit = check('timeLimit', tl, typeof tl === 'number' && Number.isFinite(tl) && tl > 0,
    tl as number, DEFAULTS.timeLimit);

  const cl = raw('codeLensEnabled');
  const codeLensEnabled = check('codeLensEnabled', cl, typeof cl === 'boolean', cl as boolean, DEFAULTS.codeLensEnabled);

  const hv = raw('hoverEnabled');
  const hoverEnabled = check('hoverEnabled', hv, typeof hv === 'boolean', hv as boolean, DEFAULTS.hoverEnabled);

  const ll = raw('logLevel');
  const logLevel = check('logLevel', ll, isOneOf(LOG_LEVELS, ll), ll as LogLevel, DEFAULTS.logLevel);

  return { settings: { python, execution, timeLimit, codeLensEnabled, hoverEnabled, logLevel }, problems };
}

export interface InitializationOptions {
  trusted: boolean;
  execution: ExecutionMode;
}

/** What the server may do with the user's code, given the setting and the workspace's trust. */
export function effectiveExecution(setting: ExecutionMode, trusted: boolean): ExecutionMode {
  return trusted ? setting : 'never';
}

/** `initializationOptions` for the server: exactly `{trusted, execution}`. */
export function initializationOptions(settings: Pick<AdlensSettings, 'execution'>, trusted: boolean): InitializationOptions {
  return { trusted, execution: effectiveExecution(settings.execution, trusted) };
}

/** True when the server can run user code (kernel on) under these options. */
export function runsUserCode(opts: InitializationOptions): boolean {
  return opts.execution === 'always' || (opts.execution === 'trusted' && opts.trusted);
}

/**
 * Settings whose change needs a new server process: the interpreter (a different Python),
 * and the execution mode (it is part of initializationOptions). The others reach the running
 * server through `workspace/didChangeConfiguration` + `workspace/configuration`.
 */
export const RESTART_KEYS: readonly string[] = [`${SECTION}.${KEYS.python}`, `${SECTION}.${KEYS.execution}`];

export function needsRestart(affects: (key: string) => boolean): boolean {
  return RESTART_KEYS.some((k) => affects(k));
}
