// The vscode-languageclient side: turn a LaunchSpec into a LanguageClient.

import * as vscode from 'vscode';
import {
  type CancellationToken, ExecuteCommandRequest, LanguageClient, type LanguageClientOptions,
  RevealOutputChannelOn, type ServerOptions, State,
} from 'vscode-languageclient/node';
import { CLIENT_SELECTOR } from './documents';
import { SCT_SCHEME, rewriteLinkTarget } from './sct';
import type { ClientEvent, ClientHandle, LaunchSpec } from './server';
import { SECTION } from './settings';
import { traceChannel } from './trace';
import { patchConfiguration } from './trust';

export const CLIENT_ID = 'adlens';
export const CLIENT_NAME = 'AD Lens';

export function createClient(spec: LaunchSpec, channel: vscode.LogOutputChannel,
  onEvent: (e: ClientEvent) => void): ClientHandle {
  // No `transport`: the Executable speaks stdio by default and gets no extra `--stdio` flag.
  const serverOptions: ServerOptions = {
    command: spec.command,
    args: spec.args,
    options: { cwd: spec.cwd, env: spec.env },
  };
  const clientOptions: LanguageClientOptions = {
    // Python files, untitled buffers and notebook cells, and the generated code of source
    // transformation (documents.ts).
    documentSelector: CLIENT_SELECTOR.map((f) => ({ ...f })),
    synchronize: { configurationSection: SECTION },
    initializationOptions: spec.initializationOptions,
    outputChannel: channel,
    // adlens.trace.server works without also setting the channel's log level to Trace (trace.ts).
    traceOutputChannel: traceChannel(channel, {
      setting: () => vscode.workspace.getConfiguration(SECTION).get<string>('trace.server', 'off'),
      onSettingChange: (listener) => vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.trace.server`)) listener();
      }),
      traceLevel: vscode.LogLevel.Trace,
    }),
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware: {
      // In generated code, a link to a source line reveals it where the file already shows
      // (beside the generated code) instead of opening it over the generated code (sct.ts).
      provideDocumentLinks: async (document, token, next) => {
        const links = await next(document, token);
        if (document.uri.scheme !== SCT_SCHEME || !links) return links;
        for (const link of links) {
          if (link.target) link.target = vscode.Uri.parse(rewriteLinkTarget(link.target.toString()));
        }
        return links;
      },
      workspace: {
        // Restricted Mode: whatever the user-level setting says, the server hears "never".
        configuration: async (params, token, next) =>
          patchConfiguration(params.items, await next(params, token), vscode.workspace.isTrusted) as never,
      },
    },
  };
  const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Running) onEvent('running');
    else if (e.newState === State.Stopped) onEvent('stopped');
  });
  return {
    start: () => client.start(),
    stop: () => client.stop(5000),
    executeCommand: (command, args, token) =>
      client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token as CancellationToken | undefined),
  };
}
