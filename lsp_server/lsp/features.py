"""The LSP features, one decorated ``async def`` each: protocol types in, cards and
their renderings out. The state they share lives in `server.AdLensServer`.

Rules kept throughout (see docs/server.md):
- no `@server.thread()`: in pygls 2 the stdio reader shares that pool, so busy
  threads would stall reading, cancellations included;
- requests for unknown documents or positions answer None, never an error;
- positions are UTF-16 on the wire and code points in the analysis (`positions`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcInternalError, JsonRpcInvalidParams

from lsp_server import render
from lsp_server.analysis import FunctionInfo, PointError, Span, assignments, point_from_text
from lsp_server.cards import Card, gradient_source, transformed
from lsp_server.kernel.schema import Binding, Failure

from .documents import Document
from .positions import LineIndex, utf16_len
from .server import NAME, AdLensServer
from .settings import Settings
from .transformed import Generated, generated_uri, import_line, is_generated, missing_imports
from .transport import ClientLogHandler

logger = logging.getLogger("adlens.server")

# How long a hover waits for its card before answering with the static part and
# "computing…". The kernel part of an open file's functions is computed ahead of time
# (CardScheduler.prefetch), so this is rarely reached; a function that runs long
# answers after it with what is known, and the lenses refresh when the card lands.
HOVER_BUDGET = 2.0
# A lens resolve waits less: lenses appear asynchronously anyway, and the server sends
# workspace/codeLens/refresh when the card lands.
RESOLVE_BUDGET = 0.5
# A hover on a version younger than this waits for it to settle (see `_settle`).
SETTLE = 0.3
# The first hovers after the server starts also wait for SymPy to be imported (a
# second or two, on a busy machine more) before their budget starts: a first hover
# shows values in clients that never ask again (Neovim), not "computing…".
WARM_UP_LIMIT = 10.0

server = AdLensServer()


# -- lifecycle ------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
def initialize(ls: AdLensServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    ls.init_options = dict(options) if isinstance(options, dict) else {}
    # Until the configuration answers, the initialization options are all we know.
    ls.settings = Settings.from_client(None, ls.init_options)


@server.feature(types.INITIALIZED)
async def initialized(ls: AdLensServer, params: types.InitializedParams) -> None:
    adlens_log = logging.getLogger("adlens")
    handler = ClientLogHandler(ls, asyncio.get_running_loop())
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    adlens_log.addHandler(handler)
    adlens_log.propagate = False  # from now on, not to stderr as well
    # Import SymPy now, in the background: the first hover needs it, and nothing else
    # is happening yet. The kernels start when the settings say code may run.
    ls.cards.warm_up()
    await ls.pull_settings()
    caps = ls.client_capabilities.workspace
    dyn = caps.did_change_configuration if caps else None
    if dyn and dyn.dynamic_registration:
        # Without this, VS Code only sends didChangeConfiguration when the client
        # sets synchronize.configurationSection; registering covers other clients.
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=str(uuid.uuid4()),
                        method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                        register_options=types.DidChangeConfigurationRegistrationOptions(
                            section="adlens"
                        ),
                    )
                ]
            )
        )


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: AdLensServer, params: types.DidChangeConfigurationParams
) -> None:
    # The notification's payload is unreliable across clients (often null): re-pull.
    await ls.pull_settings()


@server.feature(types.SHUTDOWN)
def shutdown(ls: AdLensServer, params: Any = None) -> None:
    ls.diagnostics.cancel_all()
    ls.analyses.cancel_all()
    ls.cards.close()


# Code ad.sct generated (`transformed.SCHEME`), shown by the client as a Python document,
# is never analysed as the user's: it is served from `ls.generated` (hover, links).


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: AdLensServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    if not is_generated(item.uri):
        ls.open(item.uri, item.version, item.text, edited=False)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: AdLensServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if is_generated(uri):
        return
    # pygls has applied the incremental changes before calling us.
    text = ls.workspace.get_text_document(uri).source
    ls.open(uri, params.text_document.version, text, edited=True)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: AdLensServer, params: types.DidCloseTextDocumentParams) -> None:
    if not is_generated(params.text_document.uri):
        ls.close(params.text_document.uri)


# pygls keeps the notebook's structure and its cells' texts (it has applied the change
# before calling us); the server turns each Python cell into a document (`sync_notebook`).


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
async def notebook_did_open(ls: AdLensServer, params: types.DidOpenNotebookDocumentParams
                            ) -> None:
    ls.sync_notebook(params.notebook_document.uri, edited=False)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
async def notebook_did_change(ls: AdLensServer, params: types.DidChangeNotebookDocumentParams
                              ) -> None:
    ls.sync_notebook(params.notebook_document.uri, edited=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
async def notebook_did_close(ls: AdLensServer, params: types.DidCloseNotebookDocumentParams
                             ) -> None:
    ls.close_notebook(params.notebook_document.uri)


# -- hover ----------------------------------------------------------------------------


async def _settle(ls: AdLensServer, uri: str) -> None:
    """Hovering code that is being typed: analyse it and start SymPy and kernel work only
    once the edits pause. Otherwise every keystroke's version queues work that holds the
    GIL, and the server falls behind reading the next messages."""
    doc = ls.documents.get(uri)
    if doc is None or doc.edited_at is None:
        return
    wait = doc.edited_at + SETTLE - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
    if doc.superseded:
        raise JsonRpcContentModified(f"{uri} changed")  # the client asks again or drops it


def _hover(text: str, doc: Document, span: Any) -> types.Hover:
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=doc.range(span) if span is not None else None,
    )


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: AdLensServer, params: types.HoverParams) -> types.Hover | None:
    if not ls.settings.hover:
        return None
    if (generated := ls.generated.get(params.text_document.uri)) is not None:
        return _generated_hover(ls, generated, params.position.line)
    await _settle(ls, params.text_document.uri)
    if (doc := await ls.document(params.text_document.uri)) is None:
        return None
    pos = doc.position(params.position.line, params.position.character)
    if pos is None or (target := doc.model.locate(*pos)) is None:
        return None
    fn = target.function
    await ls.wait_configured()
    try:
        card = await ls.cards.within(doc, fn, HOVER_BUDGET, warm_up=WARM_UP_LIMIT)
    except Exception as exc:  # a bug in a lower layer: say so in the hover, log it
        logger.exception("card for %s failed", fn.name)
        return _hover(f"**{fn.name}**: AD Lens failed: `{exc}`", doc, fn.name_span)
    with render.line_names(doc.line_namer):
        if target.kind == "def":
            return _hover(render.markdown(card), doc, fn.name_span)
        if target.kind == "param" and target.param is not None:
            param = fn.param(target.param)
            return _hover(render.param_markdown(card, target.param), doc,
                          param.span if param is not None else None)
        line = target.line if target.line is not None else pos[0]
        text = render.line_markdown(card, line)
        if text is None and card.pending:
            text = f"**{render.line_name(line)}**: {render.words.COMPUTING}"
    return _hover(text, doc, None) if text is not None else None


# -- code lenses ----------------------------------------------------------------------


def _lens_count(fn: FunctionInfo) -> int:
    # Fixed per kind so that listing needs no card: a verdict above a hand-written
    # derivative; check status and cost above other differentiable functions.
    if fn.gradient_of is not None:
        return 1
    return 2 if fn.differentiable else 0


# Lens titles of landed cards, rendered once: a listing of a large file fills in
# hundreds of them, and clients list again on every refresh and edit.
_TITLES: dict[int, tuple[Card, list[str]]] = {}


def _lens_title(card: Card, index: int) -> str:
    if card.pending:
        return f"$(sync~spin) {render.words.COMPUTING}" if index == 0 else ""
    hit = _TITLES.get(id(card))
    if hit is None or hit[0] is not card:
        if len(_TITLES) > 4096:
            _TITLES.clear()
        hit = _TITLES[id(card)] = (card, render.lens_titles(card))
    titles = hit[1]
    return titles[index] if index < len(titles) else ""


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: AdLensServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
    if not ls.settings.code_lens or (doc := await ls.document(params.text_document.uri)) is None:
        return None
    lenses = []
    for fn in doc.functions:
        # On the def line itself (not the decorators), at column 0 of the name's line.
        at = doc.wire(fn.name_span.line, 0)
        rng = types.Range(at, at)
        # A card that has landed fills its lenses in now: after a refresh, a client
        # shows them without a resolve round trip.
        card = ls.cards.landed(doc, fn)
        for i in range(_lens_count(fn)):
            command = None
            if card is not None:
                with render.line_names(doc.line_namer):
                    command = types.Command(title=_lens_title(card, i), command="")
            data = {"uri": doc.uri, "function": fn.name, "index": i}
            lenses.append(types.CodeLens(range=rng, command=command, data=data))
    return lenses


@server.feature(types.CODE_LENS_RESOLVE)
async def code_lens_resolve(ls: AdLensServer, lens: types.CodeLens) -> types.CodeLens:
    data = lens.data if isinstance(lens.data, dict) else {}
    doc = await ls.document(str(data.get("uri", "")))
    fn = doc.model.function(str(data.get("function", ""))) if doc is not None else None
    index = data.get("index", 0)
    title = ""
    if doc is not None and fn is not None and isinstance(index, int):
        await ls.wait_configured()
        try:
            card = await ls.cards.within(doc, fn, RESOLVE_BUDGET)
            with render.line_names(doc.line_namer):
                title = _lens_title(card, index)
        except Exception as exc:
            logger.exception("card for %s failed", fn.name)
            title = f"AD Lens failed: {exc}"
    # An empty command id: an informational lens (a click does nothing).
    lens.command = types.Command(title=title, command="")
    return lens


# -- inlay hints ------------------------------------------------------------------------------

# A function's inlay hints, built once per card (and the line its document starts at on
# the wire: a notebook cell's view): a listing of a large file fills in hundreds of them,
# and clients list again on every scroll, edit and refresh.
_HINTS: dict[int, tuple[Card, int, list[types.InlayHint]]] = {}


def _card_hints(doc: Document, fn: FunctionInfo, card: Card) -> list[types.InlayHint]:
    hit = _HINTS.get(id(card))
    if hit is None or hit[0] is not card or hit[1] != doc.first_line:
        if len(_HINTS) > 4096:
            _HINTS.clear()
        with render.line_names(doc.line_namer):
            hit = _HINTS[id(card)] = (card, doc.first_line, _hints(doc, fn, card))
    return hit[2]


def _hints(doc: Document, fn: FunctionInfo, card: Card) -> list[types.InlayHint]:
    """At the end of each assignment of `fn`: the values it bound at the point and their
    adjoints; after a parameter whose adjoint vanishes or explodes, that flag (the rest
    of the gradient is in the hover)."""
    found = {(b.line, b.name): b for b in card.debug.bindings} if card.debug else {}
    out_adjoint = card.debug.output_adjoint if card.debug is not None else None
    hints = []
    for a in assignments(fn):
        parts: list[tuple[Binding, str]] = []
        for name in a.names:
            b = next((found[k] for k in ((x, name) for x in range(a.line, a.end_line + 1))
                      if k in found), None)
            if b is not None:
                label = render.words.hint_label(b, out_adjoint)
                parts.append((b, label if len(a.names) == 1 else f"{name} {label}"))
        if parts:
            hints.append(types.InlayHint(
                position=doc.wire(a.end_line, a.end_col), label=";  ".join(p for _, p in parts),
                padding_left=True,
                tooltip=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n"
                                            .join(render.words.hint_tooltip(b, card)
                                                  for b, _ in parts))))
    gradient = card.gradient.values if card.gradient is not None else {}
    for p in fn.params:
        if p.name not in gradient:
            continue
        flag = render.words.adjoint_flag(render.words.largest(gradient[p.name]), out_adjoint)
        if flag in ("vanishing", "exploding"):
            hints.append(types.InlayHint(
                position=doc.wire(p.span.end_line, p.span.end_col),
                label=f"⚠ {render.words.bar(p.name)} {flag}", padding_left=True))
    return hints


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
async def inlay_hint(ls: AdLensServer, params: types.InlayHintParams
                     ) -> list[types.InlayHint] | None:
    """Values and adjoints at the point, at the end of each assignment of the functions
    whose card has landed (nothing is computed here: the server asks the client to list
    again when a card lands)."""
    if not ls.inlay_hints or (doc := await ls.document(params.text_document.uri)) is None:
        return None
    first, last = params.range.start.line, params.range.end.line  # on the wire
    lo, hi = first + doc.first_line, last + doc.first_line  # in the analysed text
    hints: list[types.InlayHint] = []
    for fn in doc.functions:
        if fn.span.end_line < lo or fn.span.line > hi or not fn.differentiable:
            continue
        card = ls.cards.landed(doc, fn)
        if card is not None and card.debug is not None:
            hints.extend(h for h in _card_hints(doc, fn, card)
                         if first <= h.position.line <= last)
    return hints


@server.command("adlens.toggleInlayHints")
async def toggle_inlay_hints(ls: AdLensServer, *args: Any) -> Any:
    """Turn the inlay hints off or on (until the `adlens.inlayHints.enabled` setting
    changes); the client is asked to list them again."""
    return {"enabled": ls.toggle_inlay_hints()}


# -- quick fixes ----------------------------------------------------------------------------


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix]))
async def code_action(ls: AdLensServer, params: types.CodeActionParams
                      ) -> list[types.CodeAction] | None:
    """Every fix carried by a finding in the range (a static `Problem`, or a
    `CardDiagnostic` of a card that has landed) as a quick fix. Nothing is computed
    here: a fix exists once its finding does."""
    only = params.context.only
    if only and not any(str(k).startswith(types.CodeActionKind.QuickFix) for k in only):
        return None
    if (doc := await ls.document(params.text_document.uri)) is None:
        return None
    actions: list[types.CodeAction] = []
    seen: set[tuple[str, Any, str]] = set()
    for found in ls.findings(doc):
        fix = found.fix
        if fix is None or not doc.owns(fix.span):
            continue
        rng = doc.range(found.span)
        if not _overlaps(rng, params.range) or (fix.title, fix.span, fix.text) in seen:
            continue
        seen.add((fix.title, fix.span, fix.text))
        matching = [d for d in params.context.diagnostics
                    if d.code == found.code and _overlaps(d.range, rng)]
        edit = types.TextEdit(range=doc.range(fix.span), new_text=fix.text)
        actions.append(types.CodeAction(
            title=fix.title, kind=types.CodeActionKind.QuickFix,
            diagnostics=matching or None, is_preferred=True,
            edit=types.WorkspaceEdit(changes={doc.uri: [edit]})))
    return actions


# -- commands --------------------------------------------------------------------------


async def _command_target(
    ls: AdLensServer, uri: str, function: str
) -> tuple[Document, FunctionInfo]:
    doc = await ls.document(uri)
    if doc is None:
        raise ValueError(f"document not open: {uri}")
    fn = doc.model.function(function)
    if fn is None:
        raise ValueError(f"no function {function!r} in {uri}")
    return doc, fn


@server.command("adlens.checkGradient")
async def check_gradient(ls: AdLensServer, uri: str, function: str, point_text: str) -> Any:
    doc, fn = await _command_target(ls, uri, function)
    await ls.wait_configured()
    try:
        point = point_from_text(fn, point_text)
    except PointError as exc:
        raise JsonRpcInvalidParams(f"point {point_text!r}: {exc}") from None
    card = await ls.cancellable(f"AD Lens: checking {function}", ls.cards.run(doc, fn, point))
    with render.line_names(doc.line_namer):
        message = render.summary(card)
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))
    return render.to_json(card)


@server.command("adlens.showDerivatives")
async def show_derivatives(ls: AdLensServer, uri: str, function: str) -> str:
    doc, fn = await _command_target(ls, uri, function)
    await ls.wait_configured()
    card = ls.cards.ready(doc, fn) or await ls.cancellable(
        f"AD Lens: derivatives of {function}", ls.cards.run(doc, fn)
    )
    with render.line_names(doc.line_namer):
        return render.document_markdown(card)


@server.command("adlens.insertGradient")
async def insert_gradient(ls: AdLensServer, uri: str, function: str) -> Any:
    """Insert ``def f_grad(...)`` below ``f``: derived by SymPy where the symbolic path can
    (never running the user's code), else written by source transformation (``ad.sct``,
    in the kernel, where code may run: loops, arrays, calls). The result says which."""
    doc, fn = await _command_target(ls, uri, function)
    imports: list[str] = []
    try:
        # SymPy, never the user's code (safe in an untrusted workspace); in a thread so
        # the event loop keeps serving.
        source = await ls.cancellable(
            f"AD Lens: gradient of {function}", asyncio.to_thread(gradient_source, fn)
        )
        technique = "symbolic"
    except ValueError as exc:
        sympy_why = str(exc)
        await ls.wait_configured()
        piece = await ls.cancellable(
            f"AD Lens: gradient of {function} by source transformation",
            transformed(ls.cards.service, fn, fn.point, doc.folder))
        if isinstance(piece, Failure):
            with render.line_names(doc.line_namer):
                why = piece.message + render.words.at_line(piece)
            raise JsonRpcInternalError(f"{sympy_why}; {why}") from None
        source = render.sct_insertion(piece, sympy_why)
        technique = "source transformation"
        imports = missing_imports(doc.text, piece.imports)
    edits = _insertion_edits(doc, fn, source, imports)
    edit = types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=doc.uri, version=doc.version
                ),
                edits=edits,
            )
        ]
    )
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Insert gradient of {function} "
                                                        f"({technique})")
    )
    return {"applied": bool(result and result.applied), "source": source,
            "technique": technique, "imports": imports}


def _insertion_edits(doc: Document, fn: FunctionInfo, source: str, imports: list[str]
                     ) -> list[types.TextEdit]:
    """The code below the function, and the imports it needs at the top (of the cell)."""
    # Below the function: at the start of the line after its last line, blank-line
    # separated as PEP 8 wants between top-level defs.
    line = fn.span.end_line + 1
    if line > doc.last_line:
        at = doc.wire(doc.last_line, 1 << 30)
        new_text = "\n\n\n" + source.rstrip("\n") + "\n"
    else:
        at = doc.wire(line, 0)
        new_text = "\n\n" + source.rstrip("\n") + "\n"
    edits = [types.TextEdit(range=types.Range(at, at), new_text=new_text)]
    if imports:
        top = max(import_line(doc.text, fn.span.line), doc.first_line)
        where = doc.wire(top, 0)
        edits.insert(0, types.TextEdit(range=types.Range(where, where),
                                       new_text="".join(f"{i}\n" for i in imports)))
    return edits


# -- source transformation: the generated code beside the function -------------------------


@server.command("adlens.showTransformedSource")
async def show_transformed_source(ls: AdLensServer, uri: str, function: str,
                                  mode: str = "reverse") -> Any:
    """The code ``ad.sct`` generates for ``function`` at its point (``mode`` "reverse": its
    gradient, "forward": its tangent), and the URI to show it under (the client opens it
    beside the function; hovers and document links on it lead back to the function).
    When it cannot be generated, the answer (and a message) says why."""
    if mode not in ("reverse", "forward"):
        raise JsonRpcInvalidParams(f"mode must be 'reverse' or 'forward', not {mode!r}")
    doc, fn = await _command_target(ls, uri, function)
    await ls.wait_configured()
    piece = await ls.cancellable(
        f"AD Lens: {function} by source transformation",
        transformed(ls.cards.service, fn, fn.point, doc.folder, mode))  # type: ignore[arg-type]
    if isinstance(piece, Failure):
        with render.line_names(doc.line_namer):
            why = piece.message + render.words.at_line(piece)
        message = f"AD Lens: no source transformation of {function}: {why}"
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning,
                                                       message=message))
        return {"uri": None, "error": why}
    text = render.sct_source(piece, _file_name(doc), fn.point.text)
    generated = Generated(generated_uri(doc.uri, function, mode, piece.name), doc, function,
                          piece, text)
    ls.generated.add(generated)
    return {"uri": generated.uri, "source": text, "name": piece.name, "mode": piece.mode,
            "function": function}


def _file_name(doc: Document) -> str:
    path = unquote(urlparse(doc.notebook or doc.uri).path)
    return path.rsplit("/", 1)[-1] or doc.uri


def _generated_hover(ls: AdLensServer, g: Generated, line: int) -> types.Hover | None:
    """A line of generated code: the statement of the user's function it comes from."""
    origin = render.sct_origin(g.piece, line)
    if origin is None:
        return None
    statement = g.source.index.line(origin)
    stale = ls.documents.get(g.source.uri) is not g.source
    with render.line_names(g.source.line_namer):
        text = render.sct_hover(g.piece, origin, line, (statement or "").strip(),
                                _file_name(g.source), stale)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
async def document_link(ls: AdLensServer, params: types.DocumentLinkParams
                        ) -> list[types.DocumentLink] | None:
    """In generated code: each adjoint block's ``# line N:`` header links to line N of the
    function (``file:///...#L36``, the fragment VS Code and GitHub read). None when the
    file has changed since (the lines may have moved), or for a notebook cell (its URI's
    fragment names the cell)."""
    g = ls.generated.get(params.text_document.uri)
    if g is None or ls.documents.get(g.source.uri) is not g.source:
        return None
    if urlparse(g.source.uri).fragment:
        return None
    index = LineIndex(g.text)
    links = []
    for block in g.piece.blocks:
        header = index.line(block.first)
        if header is None or not g.source.owns(Span(block.origin, 0, block.origin, 0)):
            continue
        start = len(header) - len(header.lstrip())
        target = g.source.wire(block.origin, 0)
        with render.line_names(g.source.line_namer):
            tooltip = render.sct_link_tooltip(g.piece, block.origin, _file_name(g.source))
        links.append(types.DocumentLink(
            range=types.Range(types.Position(block.first, utf16_len(header[:start])),
                              types.Position(block.first, utf16_len(header))),
            target=f"{g.source.uri}#L{target.line + 1}", tooltip=tooltip))
    return links


__all__ = ["NAME", "server"]
