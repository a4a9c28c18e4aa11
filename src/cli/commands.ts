/**
 * The command table: names, local flags and lazily imported handlers, so that `emissary` never loads
 * the code (and dependencies) of `wait` or `resource`.
 */
import type { CommandHandler } from './context.ts';
import type { FlagSpec } from './parse.ts';

export interface CommandEntry {
  flags?: FlagSpec[];
  load: () => Promise<CommandHandler>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  emissary: { load: async () => (await import('../roles/emissary/command.ts')).runEmissaryCommand },
  kill: { load: async () => (await import('../roles/kill.ts')).runKillCommand },
  version: {
    flags: [{ name: 'short', kind: 'bool' }],
    load: async () => (await import('../roles/version.ts')).runVersionCommand,
  },
  init: { load: async () => (await import('../roles/init/command.ts')).runInitCommand },
  wait: { load: async () => (await import('../roles/wait/command.ts')).runWaitCommand },
  supervisor: { load: async () => (await import('../roles/supervisor/command.ts')).runSupervisorCommand },
  'agent init': { load: async () => (await import('../roles/agent/command.ts')).runAgentInitCommand },
  'agent main': { load: async () => (await import('../roles/agent/command.ts')).runAgentMainCommand },
  'artifact delete': { load: async () => (await import('../roles/artifact-delete/command.ts')).runArtifactDeleteCommand },
  data: { load: async () => (await import('../roles/data/command.ts')).runDataCommand },
  'artifact-plugin-init': {
    flags: [{ name: 'plugin-name', kind: 'string' }],
    load: async () => (await import('../roles/artifact-plugin-init/command.ts')).runArtifactPluginInitCommand,
  },
  'artifact-plugin-sidecar': { load: async () => (await import('../roles/artifact-plugin-sidecar/command.ts')).runArtifactPluginSidecarCommand },
  resource: { load: async () => (await import('../roles/resource/command.ts')).runResourceCommand },
};

/** Sub-command names Argo's root command knows, for help text and the parser (lifecycle §1.1). */
export const COMMAND_TREE: Record<string, string[] | null> = {
  agent: ['init', 'main'],
  artifact: ['delete'],
  'artifact-plugin-init': null,
  'artifact-plugin-sidecar': null,
  data: null,
  emissary: null,
  init: null,
  kill: null,
  resource: null,
  supervisor: null,
  version: null,
  wait: null,
};

export const LOCAL_FLAGS: Record<string, FlagSpec[]> = {
  version: [{ name: 'short', kind: 'bool' }],
  'artifact-plugin-init': [{ name: 'plugin-name', kind: 'string' }],
};
