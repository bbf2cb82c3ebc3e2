// Assertions on what the real VS Code showed (the JSON written by drive.mjs).
//   node check.mjs e2e.json FUNCTION
import fs from 'node:fs';

const [file, fn] = process.argv.slice(2);
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
