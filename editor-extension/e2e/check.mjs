// Assertions on what the real VS Code showed (the JSON written by drive.mjs).
//   node check.mjs e2e.json FUNCTION                 a Python file (run.sh steps 4)
//   node check.mjs --notebook CELL nb.json FUNCTION  a notebook, FUNCTION hovered in cell CELL
import fs from 'node:fs';

const args = process.argv.slice(2);
if (args[0] === '--notebook') {
  checkNotebook(Number(args[1]), JSON.parse(fs.readFileSync(args[2], 'utf8')), args[3]);
  process.exit(process.exitCode ?? 0);
}
const [file, fn] = args;
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const hover = r.hoverText || '';
const lenses = r.codeLenses || [];
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };

// The hover widget can hold several providers' cards; ours names the function and derives it.
expect(hover.trim().length > 0, 'the hover card is empty');
expect(hover.includes(fn), `the hover card does not name ${fn}`);
expect(/∂/.test(hover), 'the hover card has no derivative (∂…)');
expect(!/computing…/.test(hover), 'the hover card is still "computing…"');
expect(!/not available|ImportError|Traceback/.test(hover), 'the hover card reports a missing part or an error');
// Trusted workspace (code-server runs with --disable-workspace-trust): a gradient was computed.
expect(/∇/.test(hover), 'the hover card has no gradient (∇…)');
expect(lenses.length >= 1 && lenses.every((t) => t.trim().length > 0), 'no code lens titles');
expect(/AD Lens: ready/.test(r.statusBar || ''), `status bar is not "AD Lens: ready": ${r.statusBar}`);

// Restricted Mode half (run.sh's default): static card, no values, then trust switched it on.
const before = r.beforeTrust;
if (before) {
  const h = before.hoverText || '';
  expect(/AD Lens: static only/.test(before.statusBar || ''), `Restricted Mode status bar is not "AD Lens: static only": ${before.statusBar}`);
  expect(h.includes(fn), `the Restricted Mode card does not name ${fn}`);
  expect(/static/i.test(h), 'the Restricted Mode card does not say it is static');
  // Values come as a table ("∂f/∂x<TAB>2.63416") and a check ("matches finite differences"): neither without trust.
  expect(!/^∂\S+\t\s*-?\d/m.test(h) && !/matches finite differences/.test(h), 'the Restricted Mode card shows computed values');
  expect((before.codeLenses || []).length >= 1, 'no code lenses in Restricted Mode');
  console.log('Restricted Mode card:\n' + h.split('\n').map((l) => '  | ' + l).join('\n'));
  console.log('Restricted Mode lenses:\n' + (before.codeLenses || []).map((l) => '  - ' + l).join('\n'));
}

console.log('hover card:\n' + hover.split('\n').map((l) => '  | ' + l).join('\n'));
console.log('code lenses:\n' + lenses.map((l) => '  - ' + l).join('\n'));
console.log(`status bar: ${(r.statusBar || '').slice(0, 200)}`);
if (r.document !== undefined) {
  expect(Boolean(r.document), '"Show derivatives and Wengert list" opened no document');
  console.log('"Show derivatives and Wengert list" document (visible part):\n' + String(r.document || '').split('\n').slice(0, 12).map((l) => '  | ' + l).join('\n'));
}
if (r.checkNotification !== undefined) {
  expect(Boolean(r.checkNotification), '"Check gradient at a point…" gave no verdict');
  console.log(`"Check gradient at a point…" (prefilled "${r.checkPrefill}"): ${r.checkNotification}`);
}
console.log(`elapsed: ${r.elapsedMs} ms`);
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log('e2e checks: ok');

// A notebook whose cell CELL defines FUNCTION on top of a helper from an earlier cell: the card
// must be computed as the notebook runs (the helper known), with values, and the cell must have
// its lenses. Prints everything seen, then the failures; exit status 1 when any.
function checkNotebook(cell, r, fn) {
  const hover = r.hoverText || '';
  const lenses = r.codeLenses || [];
  const failures = [];
  const expect = (ok, what) => { if (!ok) failures.push(what); };
  const broken = /NameError|not defined|Traceback|raised|error/i;
  expect(hover.includes(fn), `the hover card in cell ${cell} does not name ${fn}`);
  expect(!/computing…/.test(hover), 'the hover card is still "computing…"');
  expect(!broken.test(hover), 'the hover card reports an error (the helper from the cell above unknown?)');
  // Gradient values: the reverse-mode table ("∂loss/∂w<TAB>0.166") and the check.
  expect(new RegExp(`^∂${fn}/∂\\w+\\t\\s*-?\\d`, 'm').test(hover), 'the hover card has no gradient values (∂f/∂x<TAB>number)');
  expect(/matches finite differences/.test(hover), 'the hover card has no passing gradient check');
  expect(lenses.length >= 1, `no code lens in cell ${cell}`);
  expect(lenses.some((t) => t.includes(`∇${fn}`)), `no ∇${fn} lens in cell ${cell}`);
  expect(!lenses.some((t) => broken.test(t)), `a lens in cell ${cell} reports an error`);
  expect(/AD Lens: ready/.test(r.statusBar || ''), `status bar is not "AD Lens: ready": ${r.statusBar}`);

  console.log(`notebook, cell ${cell}, hover on ${fn}:`);
  console.log(hover ? hover.split('\n').map((l) => '  | ' + l).join('\n') : '  (no hover card)');
  console.log('code lenses, per cell:');
  for (const [i, c] of (r.cellLenses || []).entries()) {
    console.log(`  cell ${i + 1} (${c.kind}): ${c.lenses.length ? c.lenses.join('  ·  ') : '(none)'}`);
  }
  if (r.lspTraffic) {
    const m = r.lspTraffic.methods || {};
    const sync = Object.keys(m).filter((k) => /^(textDocument|notebookDocument)\/did/.test(k)).map((k) => `${k} ×${m[k]}`);
    console.log(`client -> server sync: ${sync.join(', ') || '(none logged)'}`);
    const schemes = [...new Set((r.lspTraffic.uris || []).map((u) => u.split(':')[0]))];
    console.log(`document URI schemes sent: ${schemes.join(', ') || '(none logged)'}`);
  }
  for (const o of r.observations || []) console.log(`observed: ${o}`);
  console.log(`status bar: ${(r.statusBar || '').slice(0, 200)}`);
  console.log(`elapsed: ${r.elapsedMs} ms`);
  if (failures.length) {
    for (const f of failures) console.error(`FAIL: ${f}`);
    process.exitCode = 1;
  } else {
    console.log('notebook checks: ok');
  }
}
