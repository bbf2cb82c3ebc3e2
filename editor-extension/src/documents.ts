// Which documents the language client serves. Pure: no `vscode` import, unit-tested.
//
// Python files and untitled Python buffers, and the Python cells of notebooks, registered the
// way Microsoft's vscode-python-tools-extension-template registers its servers: a cell is a
// text document whose URI has the `vscode-notebook-cell` scheme (the notebook's path, the cell
// in the fragment), and `vscode-notebook` is the scheme of older notebook documents.
//
// What a cell's server sees depends on the server. When it advertises LSP 3.17
// `notebookDocumentSync`, vscode-languageclient sends the cells it selects as one notebook
// (notebookDocument/didOpen with every cell, in order) instead of as separate text
// documents; when it does not, each cell arrives as its own text document. Hovers and code
// lenses are requested for the cell either way, because the providers are registered with
// this selector.

import { SCT_SCHEME } from './sct';

export const PYTHON = 'python';
export const NOTEBOOK_CELL_SCHEME = 'vscode-notebook-cell';
export const NOTEBOOK_SCHEME = 'vscode-notebook';

export interface DocumentFilter {
  readonly scheme: string;
  readonly language: string;
}

export const DOCUMENT_SELECTOR: readonly DocumentFilter[] = Object.freeze([
  { scheme: 'file', language: PYTHON },
  { scheme: 'untitled', language: PYTHON },
  { scheme: NOTEBOOK_SCHEME, language: PYTHON },
  { scheme: NOTEBOOK_CELL_SCHEME, language: PYTHON },
]);

/**
 * What the language client is registered for: the documents above, plus the code AD Lens
 * generates by source transformation (`adlens-sct:` documents, served by the extension's
 * content provider: sct.ts), so that hovers and links on it reach the server. Those are not
 * "served" Python for the palette commands (`isServed`): they are not the user's code.
 */
export const CLIENT_SELECTOR: readonly DocumentFilter[] = Object.freeze([
  ...DOCUMENT_SELECTOR,
  { scheme: SCT_SCHEME, language: PYTHON },
]);

/** The slice of a TextDocument the selector looks at. */
export interface DocumentLike {
  readonly uri: { readonly scheme: string };
  readonly languageId: string;
}

/**
 * Does the server get this document? (The same scheme + language test as
 * `vscode.languages.match` with DOCUMENT_SELECTOR.) A Python document under another scheme,
 * such as `git:` in a diff view or `output:`, is not the server's.
 */
export function isServed(doc: DocumentLike): boolean {
  return DOCUMENT_SELECTOR.some((f) => f.scheme === doc.uri.scheme && f.language === doc.languageId);
}

/** A cell of a notebook (as opposed to a file or an untitled buffer). */
export function isNotebookCell(doc: DocumentLike): boolean {
  return doc.uri.scheme === NOTEBOOK_CELL_SCHEME;
}
