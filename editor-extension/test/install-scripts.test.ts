// npm 11 runs a dependency's install script only when package.json's `allowScripts` approves
// it. The extension needs none: `.npmrc` turns them off, and every dependency that has one is
// denied by name in `allowScripts`, so `npm ci` does the same thing on every npm, and a new
// dependency with an install script fails here until someone decides about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const EXT = path.resolve(__dirname, '..', '..');
const read = (rel: string) => fs.readFileSync(path.join(EXT, rel), 'utf8');

interface LockEntry { version?: string; hasInstallScript?: boolean }
function withInstallScripts(lockRel: string): string[] {
  const lock = JSON.parse(read(lockRel)) as { packages: Record<string, LockEntry> };
  return Object.entries(lock.packages)
    .filter(([k, v]) => k !== '' && v.hasInstallScript)
    .map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

test('.npmrc: no install scripts, lockfile URLs kept', () => {
  const rc = read('.npmrc').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  assert.ok(rc.includes('ignore-scripts=true'), '.npmrc sets ignore-scripts=true');
  assert.ok(rc.includes('omit-lockfile-registry-resolved=false'));
});

test('allowScripts denies exactly the locked dependencies that have install scripts', () => {
  const pkg = JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> };
  const policy = pkg.allowScripts ?? {};
  const names = [...new Set(withInstallScripts('package-lock.json'))].sort();
  assert.ok(names.length > 0, 'the lockfile marks install scripts (hasInstallScript)');
  assert.deepEqual(Object.keys(policy).sort(), names,
    'each dependency with an install script has an allowScripts entry, and no entry is stale');
  for (const [name, allowed] of Object.entries(policy)) assert.equal(allowed, false, `${name}: the extension runs no install script`);
});

test('esbuild works without its postinstall: its platform package is a locked optional dependency', () => {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry & { optional?: boolean; os?: string[]; cpu?: string[] }> };
  const platform = Object.entries(lock.packages)
    .filter(([k, v]) => k.startsWith('node_modules/@esbuild/') && v.optional && v.os?.includes('linux') && v.cpu?.includes('x64'));
  assert.equal(platform.length, 1, 'node_modules/@esbuild/linux-x64 is in the lockfile');
  assert.equal(platform[0][1].version, lock.packages['node_modules/esbuild'].version);
});

test('the e2e harness folder (playwright-core) has no install script either', () => {
  assert.deepEqual(withInstallScripts('e2e/package-lock.json'), []);
});
