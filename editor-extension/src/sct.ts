// Source transformation in the editor: the code ad.sct generates for a function, opened beside
// it as a read-only Python document. Pure: no `vscode` import, unit-tested.
//
// The server answers `adlens.showTransformedSource` with the generated text and a URI of its
// own scheme (`adlens-sct:/<key>/<name>.py`). The extension keeps the text here and serves it
// from a TextDocumentContentProvider for that scheme; the language client sends the document
// to the server (its selector includes the scheme), which recognises the URI and answers
// hovers ("the adjoint of line 36 of swing") and document links on it.
//
// The server's links point at the source line the standard way (`file:///m.py#L36`), which
// VS Code opens in the *active* editor group: the generated code's own, covering it. So the
// extension rewrites each link of a generated document into a command that reveals that line
// in the editor already showing the file, beside the generated code.

export const SCT_SCHEME = 'adlens-sct';

/** The command a rewritten link runs (registered by the extension, never in the palette). */
export const REVEAL_COMMAND = 'adlens.revealSourceLine';

export type Mode = 'reverse' | 'forward';

/** What the server's `adlens.showTransformedSource` answers. */
export interface TransformedAnswer {
  uri: string | null;
  source?: string;
  name?: string;
  mode?: Mode;
  function?: string;
  error?: string;
}

/** The answer, if it carries generated code to show (else undefined: the server said why). */
export function shownCode(result: unknown): { uri: string; source: string; name: string } | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as TransformedAnswer;
  if (typeof r.uri !== 'string' || typeof r.source !== 'string') return undefined;
  if (!r.uri.startsWith(`${SCT_SCHEME}:`)) return undefined;
  return { uri: r.uri, source: r.source, name: typeof r.name === 'string' ? r.name : 'generated' };
}

/** The generated texts by URI (as `Uri.toString()` spells it), for the content provider. */
export class GeneratedTexts {
  private readonly texts = new Map<string, string>();
  constructor(private readonly keep = 32) {}

  /** Store the text; true when a document with this URI was already shown (it must refresh). */
  set(uri: string, text: string): boolean {
    const had = this.texts.has(uri);
    this.texts.delete(uri);
    this.texts.set(uri, text);
    while (this.texts.size > this.keep) {
      const oldest = this.texts.keys().next().value as string;
      this.texts.delete(oldest);
    }
    return had;
  }

  get(uri: string): string | undefined {
    return this.texts.get(uri);
  }
}

/** `file:///m.py#L36` -> the file's URI and the 0-based line; undefined for other targets. */
export function lineTarget(target: string): { uri: string; line: number } | undefined {
  const m = /^([^#]+)#L(\d+)(?:,\d+)?$/.exec(target);
  if (!m) return undefined;
  const line = Number(m[2]) - 1;
  return line >= 0 ? { uri: m[1], line } : undefined;
}

/** A `command:` URI that runs REVEAL_COMMAND on that line (what a rewritten link targets). */
export function revealCommandUri(uri: string, line: number): string {
  return `command:${REVEAL_COMMAND}?${encodeURIComponent(JSON.stringify([uri, line]))}`;
}

/** The link target in a generated document: the reveal command for a line target. */
export function rewriteLinkTarget(target: string): string {
  const t = lineTarget(target);
  return t ? revealCommandUri(t.uri, t.line) : target;
}
