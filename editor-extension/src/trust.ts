// Workspace trust. Pure: the VS Code pieces (isTrusted, onDidGrantWorkspaceTrust) come in as
// arguments, so this is unit-tested without VS Code.
//
// - An untrusted workspace gets a server that never runs user code: initializationOptions
//   {trusted: false, execution: "never"} (settings.initializationOptions), and every
//   `workspace/configuration` answer for `adlens` says execution "never" as well, so a
//   user-level `"adlens.execution": "always"` cannot switch the kernel on later.
// - Granting trust restarts the server with {trusted: true, execution: <setting>}: no reload.
// - VS Code has no "trust revoked" event (revoking reloads the window).

import { effectiveExecution, type ExecutionMode, SECTION } from './settings';

export interface TrustSource {
  readonly isTrusted: boolean;
  onDidGrantWorkspaceTrust(listener: () => unknown): { dispose(): unknown };
}

export interface ConfigurationItem {
  section?: string;
  scopeUri?: string;
}

/**
 * Make the answer to a `workspace/configuration` request safe for the trust state: for an
 * item asking for `adlens` (an object) or `adlens.execution` (a string), the execution mode
 * becomes effectiveExecution(value, trusted). Other items pass through untouched.
 */
export function patchConfiguration(items: readonly ConfigurationItem[], result: unknown, trusted: boolean): unknown {
  if (trusted || !Array.isArray(result)) return result;
  return result.map((value, i) => {
    const section = items[i]?.section;
    if (section === SECTION && value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      return { ...v, execution: effectiveExecution((v.execution as ExecutionMode) ?? 'trusted', false) };
    }
    if (section === `${SECTION}.execution`) return effectiveExecution(value as ExecutionMode, false);
    return value;
  });
}

/**
 * Call `onGranted` once when the workspace becomes trusted (nothing when it already is).
 * Returns the subscription.
 */
export function whenTrustGranted(source: TrustSource, onGranted: () => unknown): { dispose(): unknown } {
  if (source.isTrusted) return { dispose() { /* nothing to undo */ } };
  let fired = false;
  const sub = source.onDidGrantWorkspaceTrust(() => {
    if (fired) return;
    fired = true;
    onGranted();
  });
  return sub;
}

/** The status-bar wording for a trust state + execution mode. */
export function modeSummary(trusted: boolean, setting: ExecutionMode): { runsCode: boolean; why: string } {
  const eff = effectiveExecution(setting, trusted);
  if (!trusted) return { runsCode: false, why: 'Restricted Mode: static analysis only (SymPy derivatives, static cost). Trust the workspace to compute gradients.' };
  if (eff === 'never') return { runsCode: false, why: '"adlens.execution" is "never": static analysis only.' };
  return { runsCode: true, why: 'Gradients are computed by running your functions in a separate kernel process.' };
}
