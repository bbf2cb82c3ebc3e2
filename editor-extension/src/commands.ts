// Client-side helpers for the palette commands: which function is under the cursor, and a
// starting point for "Check gradient at a point…". Pure text scanning, no `vscode` import.
// The server does the real analysis; this only has to name the function.

export const SERVER_COMMANDS = {
  checkGradient: 'adlens.checkGradient',     // [uri, functionName, pointText] -> card JSON
  showDerivatives: 'adlens.showDerivatives', // [uri, functionName] -> Markdown
  insertGradient: 'adlens.insertGradient',   // [uri, functionName] -> server sends applyEdit
  // [uri, functionName, "reverse" | "forward"] -> {uri, source, name} or {uri: null, error}
  showTransformedSource: 'adlens.showTransformedSource',
  toggleInlayHints: 'adlens.toggleInlayHints', // [] -> {enabled}
} as const;

/** Palette ids: distinct from the server's ids, which vscode-languageclient registers itself. */
export const PALETTE_COMMANDS = {
  checkGradient: 'adlens.palette.checkGradient',
  showDerivatives: 'adlens.palette.showDerivatives',
  insertGradient: 'adlens.palette.insertGradient',
  showTransformedSource: 'adlens.palette.showTransformedSource',
  showTransformedSourceForward: 'adlens.palette.showTransformedSourceForward',
  toggleInlayHints: 'adlens.palette.toggleInlayHints',
  restart: 'adlens.palette.restartServer',
  showLog: 'adlens.palette.showLog',
} as const;

/** The message after toggling the inlay hints (the server answers `{enabled}`). */
export function inlayHintsMessage(result: unknown): string | undefined {
  if (!result || typeof result !== 'object' || typeof (result as { enabled?: unknown }).enabled !== 'boolean') return undefined;
  return (result as { enabled: boolean }).enabled
    ? 'AD Lens: inlay hints on (values and adjoints at the point).'
    : 'AD Lens: inlay hints off (until adlens.inlayHints.enabled changes, or toggled again).';
}

export interface DefInfo {
  name: string;
  /** 0-based line of the `def`. */
  line: number;
  params: { name: string; default?: string }[];
}

const DEF_RE = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;

/** Top-level functions (a `def` at column 0), in order. */
export function listFunctions(lines: readonly string[]): DefInfo[] {
  const out: DefInfo[] = [];
  lines.forEach((l, i) => {
    const m = DEF_RE.exec(l);
    if (m) out.push({ name: m[1], line: i, params: parseParams(lines, i) });
  });
  return out;
}

/**
 * The top-level function around 0-based `line`: on a decorator, the `def` below it; else the
 * nearest `def` above, unless a top-level statement lies between (then the cursor is outside
 * any function).
 */
export function functionAt(lines: readonly string[], line: number): DefInfo | undefined {
  if (line < 0 || line >= lines.length) return undefined;
  if (/^@/.test(lines[line])) {
    for (let i = line; i < lines.length && i < line + 50; i++) {
      const m = DEF_RE.exec(lines[i]);
      if (m) return { name: m[1], line: i, params: parseParams(lines, i) };
      if (!/^(@|\s|$|#)/.test(lines[i])) break;
    }
    return undefined;
  }
  for (let i = line; i >= 0; i--) {
    const l = lines[i];
    const m = DEF_RE.exec(l);
    if (m) return { name: m[1], line: i, params: parseParams(lines, i) };
    // A column-0 statement (not blank, comment, decorator, closing bracket or string) ends the
    // search: the cursor is in module-level code. Continuation lines of a multi-line signature
    // (`):`) and docstring text may sit at column 0; lines starting with a quote or bracket
    // are allowed through.
    if (/^[A-Za-z_]/.test(l) && !/^(async\s+)?def\b/.test(l)) {
      if (!insideTripleQuotedString(lines, i)) return undefined;
    }
  }
  return undefined;
}

function insideTripleQuotedString(lines: readonly string[], line: number): boolean {
  let open = false;
  for (let i = 0; i < line; i++) {
    const n = (lines[i].match(/"""|'''/g) || []).length;
    if (n % 2 === 1) open = !open;
  }
  return open;
}

/** Parameter names (and literal defaults as written) of the `def` on `line`, spanning lines. */
export function parseParams(lines: readonly string[], line: number): { name: string; default?: string }[] {
  let text = '';
  let depth = 0;
  let started = false;
  outer: for (let i = line; i < lines.length && i < line + 40; i++) {
    for (const ch of lines[i]) {
      if (ch === '(') { depth++; if (!started) { started = true; continue; } }
      if (ch === ')') { depth--; if (started && depth === 0) break outer; }
      if (started) text += ch;
    }
    text += ' ';
  }
  const parts: string[] = [];
  let cur = '';
  let d = 0;
  for (const ch of text) {
    if ('([{'.includes(ch)) d++;
    if (')]}'.includes(ch)) d--;
    if (ch === ',' && d === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  parts.push(cur);
  const out: { name: string; default?: string }[] = [];
  for (const raw of parts) {
    const p = raw.replace(/#.*$/gm, '').trim();
    if (!p || p === '/' || p === '*' || p.startsWith('*')) continue;
    const m = /^([A-Za-z_]\w*)\s*(?::[^=]*)?(?:=\s*(.+))?$/s.exec(p);
    if (!m || m[1] === 'self' || m[1] === 'cls') continue;
    out.push(m[2] !== undefined ? { name: m[1], default: m[2].trim() } : { name: m[1] });
  }
  return out;
}

/** `# adlens: x=1.5, w=[0.1, 0.2]` on the comment lines right above the def (or its decorators). */
export function directiveAbove(lines: readonly string[], defLine: number): string | undefined {
  for (let i = defLine - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (l.startsWith('@')) continue;
    const m = /^#\s*adlens:\s*(.*)$/.exec(l);
    if (m) {
      const body = m[1].trim();
      if (/^[A-Za-z_]\w*\s*=/.test(body) && !/^gradient-of\s*=/.test(body)) return body;
      continue;
    }
    if (!l.startsWith('#')) break;
  }
  return undefined;
}

/** Initial text of the "point" input box: the directive, else defaults, else 1.0 per parameter. */
export function pointPrefill(lines: readonly string[], def: DefInfo): string {
  const d = directiveAbove(lines, def.line);
  if (d) return d;
  return def.params.map((p) => `${p.name}=${p.default ?? '1.0'}`).join(', ');
}

/** A light check of "x=1.0, w=[0.1, 0.2]" before sending it; the server parses it for real. */
export function validatePointText(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Enter a point such as  x=1.0, y=2.0';
  if (!/^[A-Za-z_]\w*\s*=\s*\S/.test(t)) return 'Write name=value pairs separated by commas, such as  x=1.0, w=[0.1, 0.2]';
  let depth = 0;
  for (const ch of t) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (depth < 0) return 'Unbalanced brackets';
  }
  return depth === 0 ? undefined : 'Unbalanced brackets';
}
