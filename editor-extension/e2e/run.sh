#!/usr/bin/env bash
# make e2e: the packaged extension in a real VS Code (code-server) driven by headless Chromium.
#
#   bash editor-extension/e2e/run.sh
#
# 1. installs the harness once (install.sh: Debian chromium + build deps, Node 24 and
#    code-server from npm, playwright-core) into $REAL_VSCODE_PREFIX (~/.cache/real-vscode);
# 2. builds and packages the extension (npm ci when needed, npm run package -> adlens.vsix);
# 3. opens examples/ of this repo in code-server with the .vsix installed and
#    adlens.python = <repo>/.venv/bin/python, in Restricted Mode: waits for "AD Lens: static
#    only" and the code lenses, hovers the name of a function, reads the static card; then
#    trusts the folder from the UI, waits for "AD Lens: ready" (no reload), hovers again and
#    reads the full card and the lens titles;
# 4. checks them (check.mjs), runs "AD Lens: Show derivatives and Wengert list" from the
#    palette and requires the Markdown document, runs "AD Lens: Check gradient at a point…"
#    at 0.7 for every parameter and requires the verdict, and saves the screenshot as
#    docs/hover.png;
# 5. starts again with an interpreter that lacks adlens (the system python3) and requires
#    the "not installed" message with the exact pip command and its install button;
# 7. (after 6) source transformation: opens examples/03_overloading_vs_transformation.py
#    trusted, puts the cursor in swing (a loop and a branch), runs "AD Lens: Show gradient
#    code (source transformation)" from the palette and requires swing_grad beside the file;
#    hovers the first line of the adjoint block of `v = v - dt * np.sin(x)` and requires
#    "the adjoint of line N"; saves the screenshot as docs/sct.png; Ctrl+clicks the block's
#    header link and requires the cursor on line N of the file.
# 6. opens a Jupyter notebook (e2e/notebook/two_cells.ipynb: a helper in cell 1, a function
#    using it in cell 2) with VS Code's built-in ipynb support, hovers the function in cell 2
#    and reads the card and the lenses of every cell. The card must show gradient values and
#    cell 2 a gradient-check lens, which needs a server that syncs notebooks (LSP 3.17
#    notebookDocumentSync) and reads the cells above. Until the server advertises that
#    capability, this step reports what it saw and does not fail `make e2e`.
#
# Environment:
#   E2E_FILE      file under examples/ to open (default: 05_hand_written_gradients.py, else
#                 the first *.py with a top-level def)
#   E2E_FUNCTION  function to hover (default: rosenbrock there, else the first top-level def)
#   E2E_PYTHON    interpreter for the server (default: <repo>/.venv/bin/python)
#   E2E_SHOT      where the screenshot goes (default: <repo>/docs/hover.png)
#   E2E_FOLDER    folder to open (default: <repo>/examples)
#   E2E_TRUST=0   skip the Restricted Mode half: open the folder trusted
#   E2E_MISSING=0 skip the second run (an interpreter without adlens: the install message)
#   E2E_NOTEBOOK  auto (default): the notebook must pass when the server advertises
#                 notebookDocumentSync, else it is reported only; require; report; 0 (skip)
#   E2E_NOTEBOOK_SHOT  where the notebook screenshot goes when it passes (default:
#                 <repo>/docs/notebook.png; always also e2e/out/notebook.png)
#   E2E_SCT=0     skip the source-transformation step (7. below)
#   E2E_SCT_SHOT  where its screenshot goes (default: <repo>/docs/sct.png)
#   E2E_ONLY=notebook|sct  only that step (after the harness and the .vsix)
#   E2E_VERBOSE=1 progress of the driver on stderr
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXT="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$EXT/.." && pwd)"
export REAL_VSCODE_PREFIX="${REAL_VSCODE_PREFIX:-$HOME/.cache/real-vscode}"
FOLDER="${E2E_FOLDER:-$REPO/examples}"
PY="${E2E_PYTHON:-$REPO/.venv/bin/python}"
SHOT="${E2E_SHOT:-$REPO/docs/hover.png}"
OUT="$HERE/out"
NODE24="$REAL_VSCODE_PREFIX/bin/node"   # install.sh links Node 24 there

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { printf '[e2e] FAIL: %s\n' "$*" >&2; exit 1; }
mkdir -p "$OUT"

# ------------------------------------------------------------------ 1. harness
log "harness: $REAL_VSCODE_PREFIX (install.sh; the first time about 5 min, log: $OUT/install.log)"
t_install=$SECONDS
bash "$HERE/install.sh" "$REAL_VSCODE_PREFIX" > "$OUT/install.log" 2>&1 \
  || { tail -30 "$OUT/install.log" >&2; die "install.sh failed (log: $OUT/install.log)"; }
log "harness ready in $((SECONDS - t_install))s"

# ------------------------------------------------------------------ 2. the .vsix
cd "$EXT"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund > "$OUT/npm-ci.log" 2>&1 || { tail -30 "$OUT/npm-ci.log" >&2; die "npm ci failed"; }
fi
log "npm run package"
npm run package > "$OUT/package.log" 2>&1 || { tail -30 "$OUT/package.log" >&2; die "npm run package failed"; }
VSIX="$EXT/adlens.vsix"
[[ -f "$VSIX" ]] || die "no $VSIX"

# ------------------------------------------------------------------ 3. server + example
[[ -x "$PY" ]] || die "no interpreter at $PY (run 'make' targets from the repo root: they create .venv)"
(cd / && PYTHONSAFEPATH=1 "$PY" -c "import lsp_server") \
  || die "lsp_server is not importable with $PY (pip install -e $REPO)"
[[ -d "$FOLDER" ]] || die "no folder $FOLDER"

# The README picture: rosenbrock in stop 5 of the tour (its card, its lenses, and the ✗ lens
# and diagnostic of the wrong hand-written gradient further down).
if [[ -z "${E2E_FILE:-}" && -z "${E2E_FOLDER:-}" && -f "$FOLDER/05_hand_written_gradients.py" ]]; then
  E2E_FILE=05_hand_written_gradients.py
  E2E_FUNCTION="${E2E_FUNCTION:-rosenbrock}"
fi
if [[ -n "${E2E_FILE:-}" ]]; then
  FILE="$E2E_FILE"
else
  FILE=""
  for f in "$FOLDER"/*.py; do
    [[ -f "$f" ]] && grep -qE '^def [A-Za-z_]' "$f" && { FILE="$(basename "$f")"; break; }
  done
  [[ -n "$FILE" ]] || die "no Python file with a top-level def in $FOLDER"
fi
[[ -f "$FOLDER/$FILE" ]] || die "no file $FOLDER/$FILE"
# 1-based line and column of the function name after `def `.
read -r FUNC LINE COL < <(node -e '
  const fs = require("fs");
  const [file, want] = process.argv.slice(1);
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^((?:async\s+)?def\s+)([A-Za-z_]\w*)/.exec(lines[i]);
    if (m && (!want || m[2] === want)) { console.log(m[2], i + 1, m[1].length + 1 + Math.floor((m[2].length - 1) / 2)); process.exit(0); }
  }
  console.error(`no def ${want || ""} in ${file}`); process.exit(1);
' "$FOLDER/$FILE" "${E2E_FUNCTION:-}") || die "cannot find the function to hover in $FILE"
[[ "${E2E_ONLY:-}" == notebook ]] || log "hovering $FUNC in $FILE at $LINE:$COL (python: $PY)"
# A point for "Check gradient at a point…": 0.7 for every parameter of the def (may span lines).
POINT="$(node -e '
  const fs = require("fs");
  const [file, line] = [process.argv[1], Number(process.argv[2])];
  const text = fs.readFileSync(file, "utf8").split(/\r?\n/).slice(line - 1).join("\n");
  const m = /\(([^)]*)\)/s.exec(text);
  const names = (m ? m[1] : "").split(",").map((p) => p.trim().split(/[:=\s]/)[0]).filter((p) => /^[A-Za-z_]\w*$/.test(p) && p !== "self");
  console.log(names.map((n) => `${n}=0.7`).join(", "));
' "$FOLDER/$FILE" "$LINE")"

ONLY="${E2E_ONLY:-}"
[[ -z "$ONLY" || "$ONLY" == notebook || "$ONLY" == sct ]] || die "E2E_ONLY=$ONLY: only 'notebook' and 'sct' are known"
if [[ -z "$ONLY" ]]; then
# ------------------------------------------------------------------ 4. drive + check
# By default the folder opens in Restricted Mode (static cards only), the script trusts it
# from the workbench UI, and the extension must switch to full mode without a reload.
# E2E_TRUST=0: open it trusted from the start (code-server --disable-workspace-trust).
if [[ "${E2E_TRUST:-1}" == 1 ]]; then
  TRUST_ARGS=(--grant-trust --ready-text "AD Lens: static only" --ready-text-after "AD Lens: ready"
              --shot-before "$OUT/hover-restricted.png")
else
  TRUST_ARGS=(--ready-text "AD Lens: ready")
fi
TMP_SHOT="$OUT/hover.png"
rm -f "$TMP_SHOT" "$OUT/hover.fail.png" "$OUT/e2e.json"
set +e
"$NODE24" "$HERE/drive.mjs" \
  --vsix "$VSIX" \
  --folder "$FOLDER" --file "$FILE" --hover-line "$LINE" --hover-col "$COL" \
  --setting "adlens.python=$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$PY")" \
  "${TRUST_ARGS[@]}" \
  --expect-lenses 1 \
  --pending-text "computing…" \
  --palette-command "AD Lens: Show derivatives and Wengert list" --expect-document "## Derivatives" \
  --check-gradient "$POINT" --expect-check "∇$FUNC" \
  --shot "$TMP_SHOT" --json "$OUT/e2e.json" \
  ${E2E_VERBOSE:+-v}
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  [[ -f "$OUT/e2e.json" ]] && node -e '
    const r = require(process.argv[1]);
    console.error("errors:", r.errors, "\nstatus bar:", r.statusBar, "\nhover:", r.hoverText, "\nlenses:", r.codeLenses);
    for (const [k, v] of Object.entries(r.extensionLogs || {})) console.error(`--- ${k}\n${v}`);
  ' "$OUT/e2e.json" >&2
  die "drive.mjs exited $rc (details: $OUT/e2e.json, screenshot: $OUT/hover.fail.png)"
fi
node "$HERE/check.mjs" "$OUT/e2e.json" "$FUNC" || die "the hover card or the lenses are not what AD Lens shows (see above)"
mkdir -p "$(dirname "$SHOT")"
cp "$TMP_SHOT" "$SHOT"
log "ok: screenshot $SHOT"

# ------------------------------------------------------------------ 5. adlens missing
# An interpreter without AD Lens: the extension must say so, with the install command and
# a button that runs it. (Skipped when the system python3 happens to have it.)
MISSING_PY="${E2E_MISSING_PYTHON:-$(command -v python3 || true)}"
if [[ "${E2E_MISSING:-1}" == 1 && -n "$MISSING_PY" ]] && ! (cd / && PYTHONSAFEPATH=1 "$MISSING_PY" -c "import lsp_server" 2>/dev/null); then
  log "adlens missing: adlens.python = $MISSING_PY"
  set +e
  "$NODE24" "$HERE/drive.mjs" \
    --vsix "$VSIX" \
    --folder "$FOLDER" --file "$FILE" --hover-line "$LINE" --hover-col "$COL" \
    --setting "adlens.python=$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$MISSING_PY")" \
    --expect-notification "AD Lens is not installed for" --ready-text "AD Lens: error" \
    --shot "$OUT/missing.png" --json "$OUT/missing.json" \
    ${E2E_VERBOSE:+-v}
  rc=$?
  set -e
  [[ $rc -eq 0 ]] || die "no 'not installed' message for $MISSING_PY (details: $OUT/missing.json)"
  node -e '
    const r = require(process.argv[1]);
    const msg = (r.notifications || []).find((t) => t.includes("AD Lens is not installed for")) || "";
    console.log("notification: " + msg);
    const fails = [];
    if (!msg.includes(process.argv[2] + " -m pip install")) fails.push("the message lacks the exact pip command for " + process.argv[2]);
    if (!msg.includes("Install in terminal")) fails.push("the message has no \"Install in terminal\" button");
    if (fails.length) { console.error(fails.join("\n")); process.exit(1); }
  ' "$OUT/missing.json" "$MISSING_PY" || die "the 'not installed' message is incomplete"
  log "ok: the missing-adlens message (screenshot $OUT/missing.png)"
fi
fi   # E2E_ONLY

# ------------------------------------------------------------------ 6. a notebook
NB_MODE="${E2E_NOTEBOOK:-auto}"
NB_STATUS=skipped
[[ -z "$ONLY" || "$ONLY" == notebook ]] || NB_MODE=0
if [[ "$NB_MODE" != 0 ]]; then
  NB_FOLDER="$HERE/notebook" NB_FILE=two_cells.ipynb NB_CELL=2 NB_FUNC=loss
  if [[ "$NB_MODE" == auto ]]; then
    caps="$(node "$HERE/capabilities.mjs" "$PY")" || die "could not ask the server for its capabilities (node $HERE/capabilities.mjs $PY)"
    if node -e 'process.exit(JSON.parse(process.argv[1]).notebookDocumentSync ? 0 : 1)' "$caps"; then
      NB_MODE=require
      log "notebook: the server advertises notebookDocumentSync, so the notebook step must pass"
    else
      NB_MODE=report
    fi
  fi
  [[ "$NB_MODE" == require || "$NB_MODE" == report ]] || die "E2E_NOTEBOOK=$NB_MODE: use auto, require, report or 0"
  if [[ "$NB_MODE" == report ]]; then
    log "notebook: REPORT ONLY. The server does not advertise notebookDocumentSync (LSP 3.17), so a"
    log "notebook: cell cannot see the cells above it yet. This step shows what VS Code displays and"
    log "notebook: does not fail make e2e. (E2E_NOTEBOOK=require makes it count.)"
  fi
  # 1-based line and column of the function name within the cell.
  read -r NB_LINE NB_COL < <(node -e '
    const [file, cell, fn] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
    const nb = JSON.parse(require("fs").readFileSync(file, "utf8"));
    const c = nb.cells[cell - 1];
    if (!c || c.cell_type !== "code") { console.error(`cell ${cell} of ${file} is not a code cell`); process.exit(1); }
    const lines = [].concat(c.source).join("").split("\n");
    const i = lines.findIndex((l) => l.startsWith(`def ${fn}(`));
    if (i < 0) { console.error(`no def ${fn} in cell ${cell}`); process.exit(1); }
    console.log(i + 1, 4 + 1 + Math.floor((fn.length - 1) / 2));
  ' "$NB_FOLDER/$NB_FILE" "$NB_CELL" "$NB_FUNC") || die "cannot find def $NB_FUNC in cell $NB_CELL of $NB_FILE"
  log "notebook: hovering $NB_FUNC in cell $NB_CELL of $NB_FILE at $NB_LINE:$NB_COL"
  rm -f "$OUT/notebook.png" "$OUT/notebook.fail.png" "$OUT/notebook.json"
  set +e
  "$NODE24" "$HERE/drive.mjs" \
    --vsix "$VSIX" \
    --folder "$NB_FOLDER" --file "$NB_FILE" --cell "$NB_CELL" --hover-line "$NB_LINE" --hover-col "$NB_COL" \
    --setting "adlens.python=$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$PY")" \
    --setting 'adlens.trace.server="verbose"' \
    --ready-text "AD Lens: ready" --expect-lenses 1 --pending-text "computing…" \
    $([[ "$NB_MODE" == report ]] && echo --report-only) \
    --shot "$OUT/notebook.png" --json "$OUT/notebook.json" \
    ${E2E_VERBOSE:+-v} > "$OUT/notebook.drive.log"
  rc=$?
  set -e
  [[ -f "$OUT/notebook.json" ]] || { cat "$OUT/notebook.drive.log" >&2; die "the notebook driver wrote no $OUT/notebook.json (exit $rc)"; }
  set +e
  node "$HERE/check.mjs" --notebook "$NB_CELL" "$OUT/notebook.json" "$NB_FUNC"
  crc=$?
  set -e
  if [[ $rc -eq 0 && $crc -eq 0 ]]; then
    NB_STATUS=passed
    NB_SHOT="${E2E_NOTEBOOK_SHOT:-$REPO/docs/notebook.png}"
    mkdir -p "$(dirname "$NB_SHOT")"
    cp "$OUT/notebook.png" "$NB_SHOT"
    log "ok: notebook (screenshot $NB_SHOT)"
  elif [[ "$NB_MODE" == require ]]; then
    die "notebook: drive.mjs exited $rc, checks exited $crc (details: $OUT/notebook.json, screenshot: $OUT/notebook.png or notebook.fail.png)"
  elif [[ $rc -ne 0 ]]; then
    # --report-only turns only what AD Lens shows into observations: a non-zero exit is the
    # harness or the extension (code-server, the notebook editor, the status bar) failing.
    die "notebook: drive.mjs exited $rc even in report-only mode (details: $OUT/notebook.json, $OUT/notebook.drive.log)"
  else
    NB_STATUS="not passing (report only)"
    log "notebook: NOT PASSING, REPORTED ONLY (the server lacks notebook sync). What VS Code showed is above;"
    log "notebook: screenshot $OUT/notebook.png, details $OUT/notebook.json"
  fi
fi
# ------------------------------------------------------------------ 7. source transformation
SCT_STATUS=skipped
if [[ "${E2E_SCT:-1}" == 1 && ( -z "$ONLY" || "$ONLY" == sct ) ]]; then
  SCT_FOLDER="$REPO/examples" SCT_FILE=03_overloading_vs_transformation.py
  # 1-based: the line of `def swing` and a column in its name; the line of the statement whose
  # adjoint block is hovered, and whose header link must lead back to it.
  read -r SCT_LINE SCT_COL SCT_STMT < <(node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
    const def = lines.findIndex((l) => l.startsWith("def swing("));
    const stmt = lines.findIndex((l, i) => i > def && l.trim() === "v = v - dt * np.sin(x)");
    if (def < 0 || stmt < 0) { console.error("no swing or its statement"); process.exit(1); }
    console.log(def + 1, 6, stmt + 1);
  ' "$SCT_FOLDER/$SCT_FILE") || die "cannot find swing in $SCT_FILE"
  SCT_SHOT="${E2E_SCT_SHOT:-$REPO/docs/sct.png}"
  log "source transformation: swing in $SCT_FILE (the adjoint of line $SCT_STMT)"
  rm -f "$OUT/sct.png" "$OUT/sct.fail.png" "$OUT/sct.json"
  set +e
  "$NODE24" "$HERE/drive.mjs" \
    --vsix "$VSIX" \
    --folder "$SCT_FOLDER" --file "$SCT_FILE" --hover-line "$SCT_LINE" --hover-col "$SCT_COL" \
    --setting "adlens.python=$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$PY")" \
    --setting 'adlens.trace.server="verbose"' \
    --ready-text "AD Lens: ready" --expect-lenses 1 --pending-text "computing…" \
    --sct-command "AD Lens: Show gradient code (source transformation)" \
    --sct-expect "def swing_grad(x, v, steps=8):" \
    --sct-header "# line $SCT_STMT:" --sct-expect-hover "the adjoint of line $SCT_STMT of swing" \
    --sct-link-line "$SCT_STMT" \
    --shot "$OUT/sct-card.png" --sct-shot "$OUT/sct.png" --json "$OUT/sct.json" \
    ${E2E_VERBOSE:+-v} > "$OUT/sct.drive.log"
  rc=$?
  set -e
  [[ -f "$OUT/sct.json" ]] || { cat "$OUT/sct.drive.log" >&2; die "the source-transformation driver wrote no $OUT/sct.json (exit $rc)"; }
  node -e '
    const r = require(process.argv[1]);
    const s = r.sct || {};
    console.log(JSON.stringify({ tabs: s.tabs, groups: s.groups, headerLine: s.headerLine, hover: s.hoverText,
      linkUnderlined: s.linkUnderlined, linkLanded: s.linkLanded, activeTab: s.activeTab, errors: r.errors }, null, 2));
    const fails = [...(r.errors || [])];
    const doc = s.document || "";
    if (!doc.includes("for _ in range(steps):") || !doc.includes("reversed(stack)")) fails.push("the generated code lacks its loop and the backward sweep over it");
    if (!(s.tabs || []).includes("swing_grad.py")) fails.push("no swing_grad.py tab");
    if ((s.groups || 0) < 2) fails.push("the generated code is not beside the file (one editor group)");
    if (s.activeTab !== process.argv[2]) fails.push(`the link opened ${s.activeTab}, not ${process.argv[2]}`);
    if ((s.groupsAfterLink || 0) < 2) fails.push("following the link closed the side-by-side view");
    if (fails.length) { console.error(fails.join("\n")); process.exit(1); }
  ' "$OUT/sct.json" "$SCT_FILE" || die "source transformation: see above (details: $OUT/sct.json, $OUT/sct.drive.log)"
  [[ $rc -eq 0 ]] || die "source transformation: drive.mjs exited $rc (details: $OUT/sct.json)"
  mkdir -p "$(dirname "$SCT_SHOT")"
  cp "$OUT/sct.png" "$SCT_SHOT"
  SCT_STATUS=passed
  log "ok: source transformation (screenshot $SCT_SHOT)"
fi
log "e2e passed (notebook: $NB_STATUS, source transformation: $SCT_STATUS)"
