import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modeSummary, patchConfiguration, whenTrustGranted } from '../src/trust';
import { harness } from './fakes';

test('configuration answers: untrusted -> execution never; trusted -> untouched', () => {
  const items = [{ section: 'adlens' }, { section: 'adlens.execution' }, { section: 'editor' }, { section: 'adlens.timeLimit' }];
  const answer = [{ execution: 'always', timeLimit: 2, codeLens: { enabled: true } }, 'always', { fontSize: 12 }, 2];
  assert.deepEqual(patchConfiguration(items, answer, false),
    [{ execution: 'never', timeLimit: 2, codeLens: { enabled: true } }, 'never', { fontSize: 12 }, 2]);
  assert.equal(patchConfiguration(items, answer, true), answer);
  assert.deepEqual(patchConfiguration([{ section: 'adlens' }], [{}], false), [{ execution: 'never' }]);
  const err = new Error('not an array');
  assert.equal(patchConfiguration(items, err, false), err);
});

test('whenTrustGranted fires once, and not at all when already trusted', () => {
  const h = harness({ trusted: false });
  let n = 0;
  whenTrustGranted(h.trust, () => n++);
  h.trust.grant();
  h.trust.grant();
  assert.equal(n, 1);
  const t = harness({ trusted: true });
  let m = 0;
  whenTrustGranted(t.trust, () => m++);
  t.trust.grant();
  assert.equal(m, 0);
});

test('untrusted: the server starts static-only with {trusted:false, execution:"never"}', async () => {
  const h = harness({ trusted: false, settings: { execution: 'always' } });
  await h.controller.start();
  assert.equal(h.clients.length, 1);
  assert.deepEqual(h.clients[0].spec.initializationOptions, { trusted: false, execution: 'never' });
  assert.equal(h.controller.state, 'static-only');
  assert.match(h.controller.detail, /Restricted Mode/);
});

test('granting trust restarts once with {trusted:true, execution:<setting>}, no reload', async () => {
  const h = harness({ trusted: false, settings: { execution: 'trusted' } });
  await h.controller.start();
  let restarted: Promise<void> | undefined;
  whenTrustGranted(h.trust, () => { restarted = h.controller.requestRestart('workspace trusted', 20); });
  h.trust.grant();
  // VS Code also fires a configuration change for the restricted settings: merged into one restart.
  const again = h.controller.requestRestart('settings changed', 20);
  await restarted;
  await again;
  assert.equal(h.clients.length, 2, 'one restart');
  assert.equal(h.clients[0].stopped, true, 'the untrusted server was stopped');
  assert.deepEqual(h.clients[1].spec.initializationOptions, { trusted: true, execution: 'trusted' });
  assert.equal(h.controller.state, 'ready');
  assert.deepEqual(h.events, ['start {"trusted":false,"execution":"never"}', 'stop', 'start {"trusted":true,"execution":"trusted"}']);
});

test('trusted workspace with execution "never" is static-only; "always" and "trusted" are ready', async () => {
  for (const [execution, state] of [['never', 'static-only'], ['always', 'ready'], ['trusted', 'ready']] as const) {
    const h = harness({ trusted: true, settings: { execution } });
    await h.controller.start();
    assert.equal(h.controller.state, state, execution);
    assert.deepEqual(h.clients[0].spec.initializationOptions, { trusted: true, execution });
  }
});

test('modeSummary explains the status', () => {
  assert.deepEqual(modeSummary(true, 'trusted').runsCode, true);
  assert.match(modeSummary(false, 'always').why, /Restricted Mode/);
  assert.match(modeSummary(true, 'never').why, /"never"/);
});
