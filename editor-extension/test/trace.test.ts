import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { effectiveLevel, traceChannel } from '../src/trace';

// vscode.LogLevel: Off 0, Trace 1, Debug 2, Info 3, Warning 4, Error 5.
const TRACE = 1, INFO = 3;

class FakeChannel {
  name = 'AD Lens';
  logLevel = INFO;
  lines: string[] = [];
  private levelListeners: ((l: number) => unknown)[] = [];
  onDidChangeLogLevel = (l: (level: number) => unknown) => {
    this.levelListeners.push(l);
    return { dispose: () => { this.levelListeners = this.levelListeners.filter((x) => x !== l); } };
  };
  setLevel(l: number) { this.logLevel = l; for (const f of this.levelListeners) f(l); }
  trace(m: string) { if (this.logLevel <= TRACE) this.lines.push(`[trace] ${m}`); }
  info(m: string) { if (this.logLevel <= INFO) this.lines.push(`[info] ${m}`); }
  appendLine(m: string) { this.lines.push(m); }
}

function setup(initial = 'off') {
  const channel = new FakeChannel();
  let setting = initial;
  let settingListeners: (() => unknown)[] = [];
  const wrapped = traceChannel(channel, {
    setting: () => setting,
    onSettingChange: (l) => { settingListeners.push(l); return { dispose: () => { settingListeners = settingListeners.filter((x) => x !== l); } }; },
    traceLevel: TRACE,
  });
  const change = (v: string) => { setting = v; for (const l of settingListeners) l(); };
  return { channel, wrapped, change, listeners: () => settingListeners.length };
}

test('effectiveLevel: Trace while adlens.trace.server asks for a trace, else the channel\'s own level', () => {
  assert.equal(effectiveLevel(INFO, 'off', TRACE), INFO);
  assert.equal(effectiveLevel(INFO, 'messages', TRACE), TRACE);
  assert.equal(effectiveLevel(INFO, 'verbose', TRACE), TRACE);
  assert.equal(effectiveLevel(TRACE, 'off', TRACE), TRACE, 'a channel set to Trace by hand keeps tracing');
  assert.equal(effectiveLevel(INFO, 'bogus', TRACE), INFO);
});

test('with the setting on, trace lines reach a channel at Info level (they were dropped before)', () => {
  const { channel, wrapped } = setup('verbose');
  assert.equal(wrapped.logLevel, TRACE, 'the client sees Trace and so traces');
  wrapped.trace("Sending request 'textDocument/hover - (3)'.");
  assert.deepEqual(channel.lines, ["[info] Sending request 'textDocument/hover - (3)'."]);
  channel.trace('dropped');   // the bare channel at Info drops trace lines: the bug this fixes
  assert.equal(channel.lines.length, 1);
});

test('with the setting off, the channel is itself: its level, and trace lines only at Trace', () => {
  const { channel, wrapped } = setup('off');
  assert.equal(wrapped.logLevel, INFO);
  wrapped.trace('x');
  assert.deepEqual(channel.lines, []);
  channel.setLevel(TRACE);
  assert.equal(wrapped.logLevel, TRACE);
  wrapped.trace('y');
  assert.deepEqual(channel.lines, ['[trace] y']);
});

test('turning the setting on or off, or changing the channel level, tells the client the new level', () => {
  const { channel, wrapped, change, listeners } = setup('off');
  const seen: number[] = [];
  const sub = wrapped.onDidChangeLogLevel((l) => seen.push(l));
  change('messages');
  change('off');
  channel.setLevel(TRACE);
  assert.deepEqual(seen, [TRACE, INFO, TRACE]);
  sub.dispose();
  assert.equal(listeners(), 0, 'disposing unsubscribes from the setting');
  change('verbose');
  assert.equal(seen.length, 3);
});

test('everything else passes through to the channel', () => {
  const { channel, wrapped } = setup('verbose');
  assert.equal(wrapped.name, 'AD Lens');
  wrapped.appendLine('plain');
  wrapped.info('info');
  assert.deepEqual(channel.lines, ['plain', '[info] info']);
});

test('client.ts gives the client the wrapped channel for its trace', () => {
  const src = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'client.ts'), 'utf8');
  assert.match(src, /traceOutputChannel:\s*traceChannel\(channel,/);
  assert.match(src, /traceLevel:\s*vscode\.LogLevel\.Trace/);
});
