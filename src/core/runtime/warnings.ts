/**
 * Node prints `ExperimentalWarning: vm.USE_MAIN_CONTEXT_DEFAULT_LOADER …` to stderr the first time an embedded
 * bundle (src/cli/sea-chunk.ts) is evaluated with the main context's module loader — in every `init` and `wait`
 * that loads a storage driver. Go's argoexec prints nothing of the kind, and a container's log should not carry
 * it. That one warning is dropped; every other warning reaches Node's own printer as before.
 */
export function dropLoaderWarning(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error) => {
    if (warning.name === 'ExperimentalWarning' && warning.message.includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    for (const print of printers) print.call(process, warning);
  });
}
