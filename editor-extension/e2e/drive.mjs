#!/usr/bin/env node
// End-to-end driver: real VS Code (code-server) + headless Chromium (playwright-core), offline.
//
//   node drive.mjs --vsix X.vsix --folder DIR --file rel/path.py --hover-line N --hover-col M \
//                  --shot out.png --json out.json [options]
//
// Line/column are 1-based, as in VS Code's status bar ("Ln 4, Col 5").
// A notebook (--file x.ipynb, opened by VS Code's built-in ipynb support): --cell N picks the
// cell (1-based, counting every cell), and line/column are within that cell. The JSON then has
// cellLenses (the lens titles of each cell, in order) besides codeLenses (those of cell N).
// --report-only: a hover or lens that is missing or wrong is recorded in json.observations
// instead of failing the run (exit 0 when the harness itself worked).
// Steps: fresh temp dir -> quiet settings.json -> `code-server --install-extension X.vsix`
// -> start code-server on a free port (own user-data/extensions dir, own process group)
// -> Chromium opens ?folder=DIR -> open file at N:M -> wait for the language server
// (optional --ready-text in the status bar, then code lenses) -> mouse-hover the token ->
// read .monaco-hover-content + .codelens-decoration -> screenshot -> shut down only what
// this script started (browser via Playwright, code-server by its process group id).
//
// Exit code: 0 ok; 1 a check failed (see json.errors); 2 harness crashed / timed out.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const HERE = path.dirname(new URL(import.meta.url).pathname);
// Where install.sh put node 24 and code-server (REAL_VSCODE_PREFIX, default ~/.cache/real-vscode).
const PREFIX = process.env.REAL_VSCODE_PREFIX || path.join(os.homedir(), '.cache', 'real-vscode');
const join = path.join;
const T0 = Date.now();
const since = () => Date.now() - T0;

// ------------------------------------------------------------------ CLI
const { values: opt } = parseArgs({
  options: {
    vsix: { type: 'string', multiple: true },            // may repeat
    folder: { type: 'string' },
    file: { type: 'string' },
    'hover-line': { type: 'string' },
    'hover-col': { type: 'string' },
    shot: { type: 'string' },
    json: { type: 'string' },
    node: { type: 'string', default: process.env.E2E_NODE || join(PREFIX, 'bin', 'node') },
    'code-server': { type: 'string', default: process.env.E2E_CODE_SERVER || join(PREFIX, 'cs/node_modules/code-server/out/node/entry.js') },
    chromium: { type: 'string', default: process.env.E2E_CHROMIUM || '/usr/bin/chromium' },
    env: { type: 'string', multiple: true },             // KEY=VALUE, passed to code-server (=> extension host)
    setting: { type: 'string', multiple: true },         // key=<json value>, merged into User/settings.json
    settings: { type: 'string' },                        // JSON file merged into User/settings.json
    'ready-text': { type: 'string' },                    // wait until the status bar contains this text
    'expect-hover': { type: 'string' },                  // substring required in the hover text
    'expect-lenses': { type: 'string' },                 // minimum number of resolved code lenses
    'pending-text': { type: 'string' },
    untrusted: { type: 'boolean', default: false },      // workspace trust on: the folder opens in Restricted Mode
    'grant-trust': { type: 'boolean', default: false },  // implies --untrusted: probe, trust the folder in the UI, probe again
    'ready-text-after': { type: 'string' },              // status bar text to wait for after trust was granted
    'shot-before': { type: 'string' },                   // screenshot of the Restricted Mode probe
    'expect-notification': { type: 'string' },           // only wait for a notification containing TEXT (no hover)
    'palette-command': { type: 'string' },               // after the hover: run this command from the palette (F1)
    'expect-document': { type: 'string' },               // ... and require a new editor whose text contains TEXT
    'check-gradient': { type: 'string' },                // then "AD Lens: Check gradient at a point…" with this point
    'expect-check': { type: 'string' },                  // ... and require a notification containing TEXT
    'sct-command': { type: 'string' },                   // after the probe: run this palette command (source transformation)
    'sct-expect': { type: 'string' },                    // ... require an editor beside whose text contains TEXT
    'sct-header': { type: 'string' },                    // ... find TEXT there (a block header), hover the line below it
    'sct-expect-hover': { type: 'string' },              // ... require the hover to contain TEXT
    'sct-link-line': { type: 'string' },                 // ... Ctrl+click the header's link: the cursor must land on line N
    'sct-shot': { type: 'string' },                      // screenshot of the side-by-side view with that hover
    cell: { type: 'string' },                            // notebook: 1-based cell index; --hover-line/col are within it
    'report-only': { type: 'boolean', default: false },  // expectations about hover/lenses are observations, not failures
    'lens-timeout': { type: 'string', default: '30000' },
    'hover-timeout': { type: 'string', default: '60000' },
    timeout: { type: 'string', default: '180000' },      // whole run
    port: { type: 'string', default: '0' },              // 0: code-server picks a free port
    open: { type: 'string', default: 'payload' },        // payload (URL openFile, falls back) | quickopen
    'keep-tmp': { type: 'boolean', default: false },
    headed: { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

const USAGE = `usage: node drive.mjs --folder DIR --file REL --hover-line N --hover-col M [options]
  --vsix X.vsix            extension to install (repeatable)
  --shot out.png           screenshot with the hover visible (failure: out.fail.png)
  --json out.json          {ok, hoverText, codeLenses[], elapsedMs, errors[], timings, ...}
  --env K=V                env for code-server / extension host / language server (repeatable)
  --setting key=JSON       extra User/settings.json entry (repeatable); --settings FILE.json
  --ready-text TEXT        wait for TEXT in the status bar before hovering
  --expect-hover TEXT      fail unless the hover contains TEXT
  --expect-lenses N        fail unless >= N code lenses are shown
  --pending-text TEXT      placeholder the server shows while it works: wait until hover/lenses lose it
  --expect-notification T  instead of hovering: wait for a notification containing T (and --ready-text)
  --palette-command TITLE  after the hover, run TITLE from the command palette;
  --expect-document TEXT   ... and require that the editor it opens contains TEXT
  --check-gradient POINT   then run "AD Lens: Check gradient at a point…", type POINT in its input box;
  --expect-check TEXT      ... and require a notification containing TEXT
  --sct-command TITLE      source transformation: run TITLE from the palette (cursor in the function);
  --sct-expect TEXT        ... require an editor beside the file whose text contains TEXT;
  --sct-header TEXT        ... find TEXT in it, hover the line below; --sct-expect-hover TEXT required there;
  --sct-link-line N        ... Ctrl+click the link on that line: the cursor must land on line N of the file;
  --sct-shot PNG           ... screenshot of the two editors with that hover
  --cell N                 notebook (.ipynb): hover in cell N (1-based, all cells); line/col within the cell
  --report-only            a missing/wrong hover or lens goes to json.observations; exit 0 if the harness worked
  --untrusted              workspace trust enabled: the folder opens in Restricted Mode
  --grant-trust            --untrusted, probe, then trust the folder from the UI and probe again
                           (json.beforeTrust holds the first probe); --ready-text-after TEXT, --shot-before PNG
  --open payload|quickopen how to open the file (default payload, falls back to quickopen)
  --hover-timeout MS (60000) --lens-timeout MS (30000) --timeout MS (180000) --port N (0=free)
  --node PATH (${opt.node})  --code-server ENTRY.js (${opt['code-server']})
  --chromium PATH (${opt.chromium})  --keep-tmp  --headed  -v/--verbose`;
if (opt.help || !opt.folder || !opt.file || !opt['hover-line'] || !opt['hover-col']) {
  console.log(USAGE);
  process.exit(opt.help ? 0 : 2);
}

const log = (...a) => { if (opt.verbose) console.error(`[drive +${(since() / 1000).toFixed(1)}s]`, ...a); };

const result = {
  ok: false,
  hoverText: null,
  codeLenses: [],
  elapsedMs: 0,
  errors: [],
  timings: {},
  hoverMethod: null,
  statusBar: null,
  port: null,
  runDir: null,
  shot: null,
  browserErrors: [],
  leftoverPids: [],
  observations: [],
};
// An expectation about what AD Lens shows: a failure, or (--report-only) an observation.
const expectFail = (msg) => (opt['report-only'] ? result.observations : result.errors).push(msg);
const mark = (k) => { result.timings[k] = since(); log(k); };

// ------------------------------------------------------------------ temp dirs + settings
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cs-'));
result.runDir = runDir;
const userDataDir = path.join(runDir, 'user-data');
const extDir = path.join(runDir, 'extensions');
const chromeDir = path.join(runDir, 'chrome-profile');
const csConfig = path.join(runDir, 'config.yaml');
const csLog = path.join(runDir, 'code-server.log');
for (const d of [userDataDir, extDir, chromeDir, path.join(userDataDir, 'User')]) fs.mkdirSync(d, { recursive: true });
fs.writeFileSync(csConfig, 'auth: none\ncert: false\n');

const settings = {
  // no welcome/walkthrough/tips
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.welcomePage.experimentalOnboarding': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  // no telemetry / updates / gallery chatter / recommendations
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'npm.fetchOnlinePackageInfo': false,
  // no AI/chat surfaces, no secondary side bar
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
  // trust + misc
  'security.workspace.trust.enabled': Boolean(opt.untrusted || opt['grant-trust']),
  'security.workspace.trust.startupPrompt': 'never',   // untrusted runs: open in Restricted Mode, no modal
  'security.workspace.trust.banner': 'never',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'files.autoSave': 'off',
  // test-friendly editor
  'editor.hover.delay': 100,
  'editor.hover.sticky': true,
  'editor.hover.above': false,          // hover below the line: keeps the code lens above it visible
  'editor.codeLens': true,
  'editor.minimap.enabled': false,
  'editor.cursorBlinking': 'solid',
  'workbench.colorTheme': 'Default Dark Modern',
  // notebooks: line numbers in cells (the driver finds lines by them), nothing floating over cells
  // .ipynb in the notebook editor: the workbench `payload` opens files as text otherwise
  'workbench.editorAssociations': { '*.ipynb': 'jupyter-notebook' },
  'notebook.lineNumbers': 'on',
  'notebook.stickyScroll.enabled': false,
  'notebook.globalToolbar': false,
};
if (opt.settings) Object.assign(settings, JSON.parse(fs.readFileSync(opt.settings, 'utf8')));
for (const kv of opt.setting || []) {
  const i = kv.indexOf('=');
  const k = kv.slice(0, i), v = kv.slice(i + 1);
  try { settings[k] = JSON.parse(v); } catch { settings[k] = v; }
}
fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

// Environment for code-server and everything under it (extension host, language server).
const childEnv = { ...process.env };
childEnv.PATH = `${path.dirname(opt.node)}:${process.env.PATH}`;   // `#!/usr/bin/env node` children get node 24
childEnv.VSCODE_IPC_HOOK_CLI = '';   // never talk to an enclosing code-server/VS Code instance
delete childEnv.VSCODE_CWD;
for (const k of ['PASSWORD', 'HASHED_PASSWORD', 'CODE_SERVER_CONFIG', 'EXTENSIONS_GALLERY']) delete childEnv[k];
for (const kv of opt.env || []) {
  const i = kv.indexOf('=');
  childEnv[kv.slice(0, i)] = kv.slice(i + 1);
}
const csBaseArgs = [opt['code-server'], '--config', csConfig, '--user-data-dir', userDataDir, '--extensions-dir', extDir];

// ------------------------------------------------------------------ process bookkeeping
let csProc = null;        // code-server, leader of its own process group
let context = null;       // Playwright persistent context (owns the Chromium process)
let cleaned = false;

function pidsInGroup(pgid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (context) {
    try { await Promise.race([context.close(), new Promise((r) => setTimeout(r, 10000))]); } catch { /* ignore */ }
  }
  if (csProc && csProc.pid) {
    const pgid = csProc.pid;   // spawned with detached:true => pgid == pid
    const alive = () => pidsInGroup(pgid).length > 0;
    try { process.kill(-pgid, 'SIGTERM'); } catch { /* already gone */ }
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive()) {
      log('code-server group still alive after SIGTERM; SIGKILL', pidsInGroup(pgid));
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
      for (let i = 0; i < 20 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    }
    result.leftoverPids = pidsInGroup(pgid);
  }
  // Processes that escaped the group (setsid, or a Chromium that did not close) but whose command
  // line names our unique temp dir: they are ours; report them and SIGKILL them by pid.
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(runDir) && !result.leftoverPids.includes(Number(d))) result.leftoverPids.push(Number(d));
    } catch { /* gone */ }
  }
  if (result.leftoverPids.length) {
    result.errors.push(`leftover processes (killed): ${result.leftoverPids.join(',')}`);
    for (const pid of result.leftoverPids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
}

function finish(code) {
  result.elapsedMs = since();
  result.ok = code === 0 && result.errors.length === 0;
  if (!result.ok && code === 0) code = 1;
  if (result.ok && !opt['keep-tmp']) {
    fs.rmSync(runDir, { recursive: true, force: true });
    result.runDir = null;
  }
  if (opt.json) {
    fs.mkdirSync(path.dirname(path.resolve(opt.json)), { recursive: true });
    fs.writeFileSync(opt.json, JSON.stringify(result, null, 2));
  }
  console.log(JSON.stringify({ ok: result.ok, hoverText: result.hoverText, codeLenses: result.codeLenses,
    elapsedMs: result.elapsedMs, errors: result.errors, runDir: result.runDir,
    ...(opt['report-only'] ? { observations: result.observations } : {}) }, null, 2));
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => { result.errors.push(`interrupted by ${sig}`); await cleanup(); finish(2); });
}
const overall = setTimeout(async () => {
  result.errors.push(`overall timeout ${opt.timeout}ms`);
  await cleanup();
  finish(2);
}, Number(opt.timeout));

// ------------------------------------------------------------------ helpers
function httpGet(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

function installVsix(vsix) {
  const r = spawnSync(opt.node, [...csBaseArgs, '--install-extension', path.resolve(vsix), '--force'], {
    env: childEnv, encoding: 'utf8', timeout: 120000,
  });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  log('install-extension:', out.trim().split('\n').slice(-3).join(' | '));
  if (r.status !== 0 || !/successfully installed|already installed/i.test(out)) {
    throw new Error(`--install-extension ${vsix} failed (rc=${r.status}): ${out.slice(-2000)}`);
  }
}

function startCodeServer() {
  return new Promise((resolve, reject) => {
    const logFd = fs.openSync(csLog, 'a');
    const args = [...csBaseArgs,
      '--bind-addr', `127.0.0.1:${opt.port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(opt.untrusted || opt['grant-trust'] ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--disable-proxy',
      '--ignore-last-opened',
      '--log', 'info',
    ];
    csProc = spawn(opt.node, args, { env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    log('code-server pid', csProc.pid);
    let buf = '';
    let done = false;
    const onData = (chunk) => {
      fs.writeSync(logFd, chunk);
      if (done) return;
      buf += chunk.toString();
      const m = buf.match(/HTTP server listening on (http:\/\/[^\s/]+)/);
      if (m) { done = true; resolve(m[1]); }
    };
    csProc.stdout.on('data', onData);
    csProc.stderr.on('data', onData);
    csProc.on('exit', (code, sig) => {
      if (!done) reject(new Error(`code-server exited early (code=${code} sig=${sig}): ${buf.slice(-2000)}`));
    });
    setTimeout(() => { if (!done) reject(new Error(`code-server not listening after 60s: ${buf.slice(-2000)}`)); }, 60000);
  });
}

async function waitFor(fn, { timeout, interval = 200, what }) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timeout (${timeout}ms) waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

// Pixel centre of the character at (line, col) (1-based) in the visible editor (or the editor
// matching `scope`, a notebook cell's), or null. Uses the line-number gutter to find the row's
// `top`, then a DOM Range over the view-line's text.
async function charCenter(page, line, col, scope = null) {
  return page.evaluate(({ line, col, scope }) => {
    const editor = scope ? document.querySelector(scope)
      : document.querySelector('.editor-instance .monaco-editor') || document.querySelector('.monaco-editor');
    if (!editor) return null;
    const nums = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')];
    const num = nums.find((n) => n.textContent.trim() === String(line));
    if (!num) return null;
    const row = num.closest('[style*="top"]') || num.parentElement;
    const top = Math.round(row.getBoundingClientRect().top);
    const viewLine = [...editor.querySelectorAll('.view-lines .view-line')]
      .find((v) => Math.abs(Math.round(v.getBoundingClientRect().top) - top) <= 1);
    if (!viewLine) return null;
    const walker = document.createTreeWalker(viewLine, NodeFilter.SHOW_TEXT);
    let remaining = col - 1;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const len = n.textContent.length;
      if (remaining < len) {
        const r = document.createRange();
        r.setStart(n, remaining);
        r.setEnd(n, remaining + 1);
        const b = r.getBoundingClientRect();
        return { x: b.left + b.width / 2, y: b.top + b.height / 2, ch: n.textContent[remaining] };
      }
      remaining -= len;
    }
    return null;
  }, { line, col, scope });
}

async function hoverText(page) {
  return page.evaluate(() => {
    const els = [...document.querySelectorAll('.monaco-hover-content')]
      .filter((e) => e.getBoundingClientRect().height > 0 && getComputedStyle(e).visibility !== 'hidden');
    const t = els.map((e) => e.innerText.trim()).filter(Boolean).join('\n---\n');
    return t && !/^Loading\.\.\.$/.test(t) ? t : null;
  });
}

async function notificationTexts(page) {
  return page.evaluate(() => [...document.querySelectorAll('.notifications-toasts .notification-toast, .notification-list-item')]
    .map((e) => e.innerText.replace(/\s+/g, ' ').trim()).filter(Boolean));
}

async function lensTexts(page, scope = null) {
  return page.evaluate((scope) => [...(scope ? document.querySelector(scope) ?? document.createElement('div') : document)
    .querySelectorAll('.codelens-decoration')]
    .map((e) => e.innerText.replace(/\s+/g, ' ').trim()).filter(Boolean), scope);
}

// What the client sent the server, from the AD Lens log channel (adlens.trace.server
// "verbose" puts each message's params there): how many of each method, and the URI schemes
// of the documents. For a notebook this tells whether its cells went as text documents or
// as a notebook (LSP 3.17 notebookDocument/*).
function lspTraffic() {
  const logs = [];
  const walk = (d) => {
    let ents = [];
    try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\/exthost\d+\/adlens\.adlens\/[^/]+\.log$/.test(p)) logs.push(p);
    }
  };
  walk(path.join(userDataDir, 'logs'));
  if (!logs.length) return null;
  const methods = {};
  const uris = new Set();
  for (const p of logs) {
    const text = fs.readFileSync(p, 'utf8');
    for (const m of text.matchAll(/Sending (?:notification|request) '([^' ]+)/g)) methods[m[1]] = (methods[m[1]] || 0) + 1;
    for (const m of text.matchAll(/"uri": "([a-z-]+:[^"]*)"/g)) uris.add(m[1]);
  }
  return { methods, uris: [...uris].slice(0, 50) };
}

// ------------------------------------------------------------------ notebooks
// The notebook editor is a list: one row per cell (data-index = the cell's index), each code
// cell holding its own Monaco editor. Rows are positioned absolutely, so order them by index.
const NOTEBOOK_ROWS = '.notebook-editor .monaco-list-rows > .monaco-list-row';

/** Tag cell N's editor (1-based) and return a selector for it, or null while it is not rendered. */
async function cellEditor(page, cell) {
  return page.evaluate(({ rowsSel, cell }) => {
    const rows = [...document.querySelectorAll(rowsSel)].filter((r) => r.getBoundingClientRect().height > 0);
    const row = rows.find((r) => Number(r.getAttribute('data-index')) === cell - 1);
    const editor = row?.querySelector('.monaco-editor');
    if (!editor) return null;
    for (const e of document.querySelectorAll('[data-e2e-cell]')) if (e !== editor) e.removeAttribute('data-e2e-cell');
    editor.setAttribute('data-e2e-cell', String(cell));
    return `[data-e2e-cell="${cell}"]`;
  }, { rowsSel: NOTEBOOK_ROWS, cell });
}

/** Lens titles of every cell, in cell order ([] for a Markdown cell or a cell without lenses). */
async function cellLensTexts(page) {
  return page.evaluate((rowsSel) => [...document.querySelectorAll(rowsSel)]
    .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
    .map((r) => ({
      kind: r.querySelector('.monaco-editor') ? 'code' : 'markdown',
      lenses: [...r.querySelectorAll('.codelens-decoration')].map((e) => e.innerText.replace(/\s+/g, ' ').trim()).filter(Boolean),
    })), NOTEBOOK_ROWS);
}

// Tails of the extension output channels (<user-data>/logs/*/exthost*/output_logging_*/N-Name.log)
// and the extension host log, for failure reports.
function collectExtensionLogs() {
  const out = {};
  const walk = (d) => {
    let ents = [];
    try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // exthostN/<publisher.name>/<Channel>.log: LogOutputChannels of non-builtin extensions;
      // exthostN/output_logging_*/N-<Channel>.log: plain OutputChannels; plus the ext host log.
      else if (p.endsWith('.log') && (/output_logging_|remoteexthost\.log$/.test(p) ||
               /\/exthost\d+\/(?!vscode\.)[^/]+\.[^/]+\/[^/]+\.log$/.test(p))) {
        const lines = fs.readFileSync(p, 'utf8').trimEnd().split('\n');
        out[path.relative(userDataDir, p)] = lines.slice(-25).join('\n');
      }
    }
  };
  walk(path.join(userDataDir, 'logs'));
  return out;
}

// Cursor to line:col, wait for the server (status bar text) and the lenses, hover the
// character, read the card and the lens titles, screenshot. Returns what it saw. With `cell`
// (a notebook), line:col are within that cell and the lenses read are that cell's.
async function probe(page, line, col, readyText, shot, tag = '', cell = null) {
  const r = { statusBar: null, codeLenses: [], hoverText: null, hoverMethod: null, shot: null };
  let scope = null;
  if (cell) {
    // Click the character: the cell enters edit mode with the cursor there.
    scope = await waitFor(() => cellEditor(page, cell), { timeout: 30000, what: `the editor of notebook cell ${cell}` });
    const c = await waitFor(() => charCenter(page, line, col, scope), { timeout: 10000, what: `line ${line}, column ${col} of cell ${cell}` });
    await page.mouse.click(c.x, c.y);
  } else {
    // Put the cursor on line:col (also scrolls it into view): Ctrl+G "line:col" Enter.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
    await page.keyboard.type(`${line}:${col}`);
    await page.keyboard.press('Enter');
  }
  await page.waitForTimeout(300);

  // Wait for the language server.
  if (readyText) {
    r.statusBar = await waitFor(async () => {
      const t = await page.locator('.statusbar').innerText().catch(() => '');
      return t.includes(readyText) ? t.replace(/\s+/g, ' ').trim() : null;
    }, { timeout: Number(opt['hover-timeout']), what: `status bar text "${readyText}"` });
    mark(`${tag}serverReady`);
  }
  const lenses = async () => {
    if (cell) scope = (await cellEditor(page, cell)) ?? scope;   // re-tag: the row may have been re-rendered
    return lensTexts(page, scope);
  };
  try {
    // Resolved lenses have a title (unresolved ones render as an empty/placeholder decoration).
    r.codeLenses = await waitFor(async () => { const l = await lenses(); return l.length ? l : null; },
      { timeout: Number(opt['lens-timeout']), what: cell ? `.codelens-decoration in cell ${cell}` : '.codelens-decoration' });
    if (opt['pending-text']) {
      // Lenses resolved but still showing the placeholder: wait for the server's refresh.
      const pending = opt['pending-text'];
      await waitFor(async () => { const l = await lenses(); return l.length && !l.some((t) => t.includes(pending)) ? l : null; },
        { timeout: Number(opt['lens-timeout']), what: `code lenses without "${pending}"` })
        .catch((e) => result.browserErrors.push(String(e.message)));
    }
    await page.waitForTimeout(300);   // let the remaining visible lenses resolve
    r.codeLenses = await lenses();
    mark(`${tag}codeLensesVisible`);
  } catch (e) {
    if (opt['expect-lenses']) expectFail(String(e.message)); else result.browserErrors.push(String(e.message));
  }

  // Hover: mouse first (realistic), keyboard (editor.action.showHover) as a fallback.
  const hoverDeadline = Date.now() + Number(opt['hover-timeout']);
  let attempt = 0;
  while (!r.hoverText && Date.now() < hoverDeadline) {
    attempt++;
    const useKeyboard = attempt % 3 === 0;
    if (cell) scope = (await cellEditor(page, cell)) ?? scope;
    if (useKeyboard) {
      await page.keyboard.press('Escape');
      if (cell) {   // Escape leaves the cell's edit mode: put the cursor back first
        const c = await charCenter(page, line, col, scope);
        if (c) await page.mouse.click(c.x, c.y);
      }
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
    } else {
      const c = await charCenter(page, line, col, scope);
      if (!c) { await page.waitForTimeout(300); continue; }
      if (attempt === 1) log('hover target char', JSON.stringify(c));
      await page.mouse.move(5, 5);
      await page.waitForTimeout(50);
      await page.mouse.move(c.x, c.y, { steps: 3 });
    }
    try {
      r.hoverText = await waitFor(() => hoverText(page), { timeout: 3000, interval: 100, what: '.monaco-hover-content' });
      r.hoverMethod = useKeyboard ? 'keyboard' : 'mouse';
      // A placeholder card ("computing…"): hover again until the real card is there (or time runs out).
      if (opt['pending-text'] && r.hoverText.includes(opt['pending-text']) && Date.now() + 1500 < hoverDeadline) {
        log('hover shows the placeholder; hovering again');
        r.pendingHovers = (r.pendingHovers || 0) + 1;
        r.lastPendingHover = r.hoverText;
        r.hoverText = null;
        await page.keyboard.press('Escape');
        await page.mouse.move(5, 5);
        await page.waitForTimeout(700);
      }
    } catch { /* retry */ }
  }
  if (!r.hoverText) {
    const why = `no .monaco-hover-content after ${attempt} attempts${r.lastPendingHover ? ` (the last one said ${JSON.stringify(r.lastPendingHover.slice(0, 200))})` : ''}`;
    if (!opt['report-only']) throw new Error(why);
    expectFail(why);
    r.hoverText = r.lastPendingHover ?? null;
  } else {
    mark(`${tag}hoverVisible`);
    await page.waitForTimeout(200);   // let the hover finish rendering / resizing
    r.hoverText = (await hoverText(page)) || r.hoverText;
  }
  const lensesNow = await lenses();
  if (lensesNow.length >= r.codeLenses.length) r.codeLenses = lensesNow;
  if (cell) r.cellLenses = await cellLensTexts(page);

  if (shot) {
    fs.mkdirSync(path.dirname(path.resolve(shot)), { recursive: true });
    await page.screenshot({ path: shot });
    r.shot = path.resolve(shot);
    mark(`${tag}screenshot`);
  }

  return r;
}

// Workspace trust from the UI, as a user does it: "Workspaces: Manage Workspace Trust", then
// the trust editor's "Trust" button. No reload: the extension hears onDidGrantWorkspaceTrust.
async function grantTrust(page) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type('Manage Workspace Trust');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 10000 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  const trust = page.locator('.workspace-trust-editor').getByRole('button', { name: 'Trust', exact: true });
  await trust.first().waitFor({ state: 'visible', timeout: 15000 });
  await trust.first().click();
  await waitFor(async () => (await page.locator('.workspace-trust-editor').innerText().catch(() => '')).includes('trusted')
    || null, { timeout: 10000, what: 'the workspace to become trusted' }).catch(() => {});
  await page.keyboard.press('Control+W').catch(() => {});   // close the trust editor
}

// ------------------------------------------------------------------ source transformation
// The generated code beside the function: run the palette command with the cursor in the
// function, find the editor it opens beside the file, hover a line of an adjoint block, and
// follow the block header's link back to the source line.

/** Tag the editor whose visible text contains `want`; a selector for it, or null. */
async function editorWith(page, want) {
  return page.evaluate((want) => {
    const editors = [...document.querySelectorAll('.editor-instance .monaco-editor')];
    const hit = editors.find((e) => (e.querySelector('.view-lines')?.innerText ?? '').replace(/\u00a0/g, ' ').includes(want));
    if (!hit) return null;
    for (const e of document.querySelectorAll('[data-e2e-sct]')) if (e !== hit) e.removeAttribute('data-e2e-sct');
    hit.setAttribute('data-e2e-sct', '1');
    return '[data-e2e-sct="1"]';
  }, want);
}

async function cursorLine(page) {
  const t = await page.locator('.statusbar').innerText().catch(() => '');
  const m = /Ln (\d+), Col (\d+)/.exec(t);
  return m ? { line: Number(m[1]), col: Number(m[2]) } : null;
}

async function sourceTransformation(page, tabSel) {
  const sct = result.sct = { document: null, headerLine: null, hoverText: null, linkLanded: null, shot: null };
  await page.keyboard.press('Escape');
  // Room for two editors side by side: close the side bar (the Explorer).
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type('View: Close Primary Side Bar');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 10000 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  await page.locator(tabSel).first().click();
  await page.waitForTimeout(300);
  await page.keyboard.press('Control+G');   // the cursor back in the function
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type(`${opt['hover-line']}:${opt['hover-col']}`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type(opt['sct-command']);
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 10000 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  mark('sctCommand');
  const want = opt['sct-expect'] || 'def ';
  const scope = await waitFor(() => editorWith(page, want),
    { timeout: Number(opt['hover-timeout']), what: `an editor beside the file containing "${want}"` });
  sct.groups = await page.locator('.editor-group-container').count();
  sct.tabs = await page.evaluate(() => [...document.querySelectorAll('.tabs-container .tab')].map((t) => t.getAttribute('data-resource-name')));
  sct.document = await page.evaluate((scope) => document.querySelector(`${scope} .view-lines`).innerText.replace(/\u00a0/g, ' '), scope);
  mark('sctDocumentVisible');
  if (!opt['sct-header']) return;
  // Find the block header in the generated editor (Ctrl+F): the status bar gives its line.
  await page.locator(`${scope} .view-lines`).click({ position: { x: 200, y: 10 } });
  await page.keyboard.press('Control+F');
  await page.waitForSelector(`${scope} .find-widget.visible textarea, ${scope} .find-widget.visible input`, { timeout: 10000 });
  await page.keyboard.type(opt['sct-header']);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  await page.keyboard.press('Escape');
  const at = await waitFor(() => cursorLine(page), { timeout: 5000, what: 'the cursor line in the status bar' });
  sct.headerLine = at.line;
  // Hover the first line of the block's adjoint code, below its header.
  const hoverDeadline = Date.now() + Number(opt['hover-timeout']);
  while (!sct.hoverText && Date.now() < hoverDeadline) {
    const c = await charCenter(page, at.line + 1, 10, scope);
    if (!c) { await page.waitForTimeout(300); continue; }
    await page.mouse.move(5, 5);
    await page.waitForTimeout(50);
    await page.mouse.move(c.x, c.y, { steps: 3 });
    sct.hoverText = await waitFor(async () => {
      const t = await hoverText(page);
      return t && (!opt['sct-expect-hover'] || t.includes(opt['sct-expect-hover'])) ? t : null;
    }, { timeout: 3000, interval: 100, what: 'a hover in the generated code' }).catch(() => null);
  }
  mark('sctHoverVisible');
  if (opt['sct-expect-hover'] && !(sct.hoverText ?? '').includes(opt['sct-expect-hover'])) {
    result.errors.push(`the hover in the generated code lacks ${JSON.stringify(opt['sct-expect-hover'])}: ${JSON.stringify(sct.hoverText)}`);
  }
  if (opt['sct-shot']) {
    await page.waitForTimeout(300);
    fs.mkdirSync(path.dirname(path.resolve(opt['sct-shot'])), { recursive: true });
    await page.screenshot({ path: opt['sct-shot'] });
    sct.shot = path.resolve(opt['sct-shot']);
  }
  if (opt['sct-link-line']) {
    // Ctrl+click the header's document link: the source line, in the editor showing the file.
    await page.keyboard.press('Escape');
    await page.mouse.move(5, 5);
    const c = await charCenter(page, at.line, 8, scope);
    if (!c) { result.errors.push(`line ${at.line} of the generated code is not visible`); return; }
    await page.mouse.move(c.x, c.y);
    await page.keyboard.down('Control');
    await page.waitForTimeout(300);
    sct.linkUnderlined = await page.evaluate((scope) => document.querySelectorAll(`${scope} .detected-link, ${scope} .detected-link-active`).length, scope);
    await page.mouse.click(c.x, c.y);
    await page.keyboard.up('Control');
    const want = Number(opt['sct-link-line']);
    sct.linkLanded = await waitFor(async () => {
      const l = await cursorLine(page);
      return l && l.line === want ? l : null;
    }, { timeout: 10000, what: `the cursor on line ${want} of the file after following the link` })
      .catch((e) => { result.errors.push(String(e.message)); return cursorLine(page); });
    sct.activeTab = await page.evaluate(() => document.querySelector('.editor-group-container.active .tab.active')?.getAttribute('data-resource-name') ?? null);
    sct.groupsAfterLink = await page.locator('.editor-group-container').count();
    mark('sctLinkFollowed');
  }
}

// ------------------------------------------------------------------ main
async function main() {
  const folder = path.resolve(opt.folder);
  const fileAbs = path.resolve(folder, opt.file);
  if (!fs.existsSync(fileAbs)) throw new Error(`no such file: ${fileAbs}`);
  const line = Number(opt['hover-line']), col = Number(opt['hover-col']);
  const cell = opt.cell ? Number(opt.cell) : (fileAbs.endsWith('.ipynb') ? 1 : null);
  if (cell !== null && !(cell >= 1)) throw new Error(`--cell ${opt.cell}: a cell number from 1`);
  result.notebookCell = cell;

  for (const v of opt.vsix || []) installVsix(v);
  mark('extensionsInstalled');

  const base = await startCodeServer();
  result.port = Number(new URL(base).port);
  await waitFor(async () => (await httpGet(`${base}/healthz`)) === 200, { timeout: 30000, what: '/healthz' });
  mark('codeServerListening');

  context = await chromium.launchPersistentContext(chromeDir, {
    executablePath: opt.chromium,
    headless: !opt.headed,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-features=Translate,OptimizationHints,MediaRouter',
      '--no-default-browser-check', '--password-store=basic'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => result.browserErrors.push(`pageerror: ${String(e.message || e).slice(0, 300)}`));
  page.on('console', (m) => { if (m.type() === 'error') result.browserErrors.push(`console: ${m.text().slice(0, 300)}`); });
  // Everything outside 127.0.0.1 is offline anyway; fail it fast instead of waiting for DNS.
  await context.route((url) => !/^(https?|wss?):\/\/(127\.0\.0\.1|localhost)[:/]/.test(url.href) && /^(https?|wss?):/.test(url.href),
    (route) => route.abort('internetdisconnected'));
  mark('browserLaunched');

  // Open the folder, and the file via the workbench `payload` (upstream VS Code web behaviour).
  const host = new URL(base).host;
  const payload = JSON.stringify([['openFile', `vscode-remote://${host}${fileAbs}`]]);
  let url = `${base}/?folder=${encodeURIComponent(folder)}`;
  if (opt.open === 'payload') url += `&payload=${encodeURIComponent(payload)}`;
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  mark('workbenchVisible');

  const tabSel = `.tabs-container .tab[data-resource-name="${path.basename(fileAbs)}"]`;
  try {
    if (opt.open !== 'payload') throw new Error('quickopen requested');
    await page.waitForSelector(tabSel, { timeout: 15000 });
  } catch {
    // Fallback: Quick Open (Ctrl+P) with the workspace-relative path.
    log(opt.open === 'payload' ? 'payload did not open the file; using Quick Open' : 'opening via Quick Open');
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
    await page.keyboard.type(opt.file);
    // wait until the file search has a result row, then open it
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 15000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    await page.waitForSelector(tabSel, { timeout: 15000 });
  }
  if (cell) {
    // VS Code's built-in ipynb support opens the notebook editor: wait for cell N's editor.
    await waitFor(() => cellEditor(page, cell), { timeout: 30000, what: `notebook cell ${cell} (is ${opt.file} a notebook with ${cell} cells?)` });
  } else {
    await page.waitForSelector('.editor-instance .monaco-editor .view-lines .view-line', { timeout: 30000 });
  }
  mark('fileOpen');

  if (opt['expect-notification']) {
    // A message the extension shows (e.g. "AD Lens is not installed for …"), with its buttons.
    const want = opt['expect-notification'];
    result.notifications = await waitFor(async () => {
      const all = await notificationTexts(page);
      return all.some((t) => t.includes(want)) ? all : null;
    }, { timeout: Number(opt['hover-timeout']), what: `a notification containing "${want}"` });
    mark('notificationVisible');
    if (opt['ready-text']) {
      result.statusBar = await waitFor(async () => {
        const t = await page.locator('.statusbar').innerText().catch(() => '');
        return t.includes(opt['ready-text']) ? t.replace(/\s+/g, ' ').trim() : null;
      }, { timeout: 10000, what: `status bar text "${opt['ready-text']}"` });
    }
    if (opt.shot) {
      fs.mkdirSync(path.dirname(path.resolve(opt.shot)), { recursive: true });
      await page.screenshot({ path: opt.shot });
      result.shot = path.resolve(opt.shot);
    }
    return;
  }

  if (opt['grant-trust']) {
    // Restricted Mode first (the folder opens untrusted), then trust it from the workbench.
    result.beforeTrust = await probe(page, line, col, opt['ready-text'], opt['shot-before'], 'untrusted:', cell);
    await page.keyboard.press('Escape');
    await grantTrust(page);
    mark('trustGranted');
    await page.locator(tabSel).first().click();
    await page.waitForTimeout(300);
    Object.assign(result, await probe(page, line, col, opt['ready-text-after'] || opt['ready-text'], opt.shot, '', cell));
  } else {
    Object.assign(result, await probe(page, line, col, opt['ready-text'], opt.shot, '', cell));
  }

  if (opt['palette-command']) {
    // With the cursor still in the function: F1, the command's title, Enter; then read the
    // editor it opens (the visible lines of the new active editor).
    await page.keyboard.press('Escape');
    const before = await page.locator('.tabs-container .tab').count();
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
    await page.keyboard.type(opt['palette-command']);
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 10000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    mark('paletteCommand');
    if (opt['expect-document']) {
      const want = opt['expect-document'];
      result.document = await waitFor(async () => {
        if ((await page.locator('.tabs-container .tab').count()) <= before) return null;
        const texts = await page.evaluate(() => [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines')]
          .map((e) => e.innerText.replace(/\u00a0/g, ' ')));   // Monaco renders spaces as &nbsp;
        return texts.find((t) => t.includes(want)) || null;
      }, { timeout: Number(opt['hover-timeout']), what: `an editor containing "${want}" after "${opt['palette-command']}"` })
        .catch(async (e) => {
          result.errors.push(String(e.message));
          if (opt.shot) await page.screenshot({ path: opt.shot.replace(/\.png$/, '') + '.fail.png' }).catch(() => {});
          return null;
        });
      result.notifications = await notificationTexts(page);
      mark('documentVisible');
    }
  }

  if (opt['check-gradient']) {
    // Back to the file (the cursor is still in the function), then the palette command and its input box.
    await page.locator(tabSel).first().click();
    await page.waitForTimeout(300);
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
    await page.keyboard.type('AD Lens: Check gradient at a point');
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 10000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    // The input box (title "AD Lens: check the gradient of …"), prefilled: replace the point.
    await waitFor(async () => (await page.locator('.quick-input-widget').innerText().catch(() => '')).includes('check the gradient of'),
      { timeout: 10000, what: 'the point input box' });
    result.checkPrefill = await page.locator('.quick-input-widget input').first().inputValue().catch(() => null);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(opt['check-gradient']);
    await page.keyboard.press('Enter');
    mark('checkGradientSent');
    if (opt['expect-check']) {
      const want = opt['expect-check'];
      result.checkNotification = await waitFor(async () => (await notificationTexts(page)).find((t) => t.includes(want)) || null,
        { timeout: Number(opt['hover-timeout']), what: `a notification containing "${want}"` })
        .catch((e) => { result.errors.push(String(e.message)); return null; });
      mark('checkGradientAnswered');
    }
  }

  if (opt['sct-command']) await sourceTransformation(page, tabSel);

  if (opt['expect-hover'] && !(result.hoverText ?? '').includes(opt['expect-hover'])) {
    expectFail(`hover text lacks ${JSON.stringify(opt['expect-hover'])}`);
  }
  if (opt['expect-lenses'] && result.codeLenses.length < Number(opt['expect-lenses'])) {
    expectFail(`expected >= ${opt['expect-lenses']} code lenses${cell ? ` in cell ${cell}` : ''}, got ${result.codeLenses.length}`);
  }
}

try {
  await main();
} catch (e) {
  result.errors.push(String(e && e.stack || e).split('\n').slice(0, 3).join(' '));
  // Failure screenshot for debugging.
  if (context && opt.shot) {
    try { await context.pages()[0].screenshot({ path: opt.shot.replace(/\.png$/, '') + '.fail.png' }); } catch { /* ignore */ }
  }
}
clearTimeout(overall);
await cleanup();
mark('shutdown');
if (result.errors.length || result.observations.length) {
  result.codeServerLog = csLog;
  result.extensionLogs = collectExtensionLogs();
}
result.lspTraffic = lspTraffic();
finish(result.errors.length ? 1 : 0);
