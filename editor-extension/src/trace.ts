// The channel vscode-languageclient traces the protocol to. Pure: no `vscode` import.
//
// vscode-languageclient 11 traces only while its trace channel's log level is Trace, and
// writes each line with `channel.trace()`. The AD Lens log channel sits at Info unless the user
// changes it with "Developer: Set Log Level…", so `adlens.trace.server` on its own did nothing.
// The client gets this wrapper instead: while `adlens.trace.server` is "messages" or "verbose"
// it reports log level Trace (so the client traces, in the format the setting asks for) and
// writes the trace lines to the channel at Info level, where they are shown; with "off" it is
// the channel as it is (a channel set to Trace by hand still gets the client's default trace).

export type TraceSetting = 'off' | 'messages' | 'verbose';

export interface Disposable { dispose(): unknown }

/** The part of a vscode.LogOutputChannel the wrapper changes; the rest passes through. */
export interface LevelledChannel {
  readonly logLevel: number;
  readonly onDidChangeLogLevel: (listener: (level: number) => unknown) => Disposable;
  trace(message: string): void;
  info(message: string): void;
}

export interface TraceOptions {
  /** The current `adlens.trace.server`. */
  setting(): string;
  /** Subscribe to changes of `adlens.trace.server`. */
  onSettingChange(listener: () => unknown): Disposable;
  /** vscode.LogLevel.Trace (injected: this module does not import `vscode`). */
  traceLevel: number;
}

export function tracing(setting: string): boolean {
  return setting === 'messages' || setting === 'verbose';
}

/** The level the client should see: Trace while the setting asks for a trace. */
export function effectiveLevel(channelLevel: number, setting: string, traceLevel: number): number {
  return tracing(setting) ? traceLevel : channelLevel;
}

export function traceChannel<C extends LevelledChannel>(channel: C, opts: TraceOptions): C {
  const level = () => effectiveLevel(channel.logLevel, opts.setting(), opts.traceLevel);
  const onDidChangeLogLevel = (listener: (level: number) => unknown): Disposable => {
    const subs = [
      channel.onDidChangeLogLevel(() => listener(level())),
      opts.onSettingChange(() => listener(level())),
    ];
    return { dispose: () => { for (const s of subs) s.dispose(); } };
  };
  const trace = (message: string) => {
    // Asked for by the setting, on a channel below Trace: at Info, or it would drop them.
    if (tracing(opts.setting()) && channel.logLevel !== opts.traceLevel) channel.info(message);
    else channel.trace(message);
  };
  return new Proxy(channel, {
    get(target, prop) {
      if (prop === 'logLevel') return level();
      if (prop === 'onDidChangeLogLevel') return onDidChangeLogLevel;
      if (prop === 'trace') return trace;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
