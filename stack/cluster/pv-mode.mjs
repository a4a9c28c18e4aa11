// The e2e cluster's PersistentVolumes as Argo's CI has them: k3d's local-path provisioner makes each volume's
// directory with `mkdir -m 0777`; kube-controller-manager's test-only HostPath provisioner makes it 0750 root, where
// a non-root executor (init, UID 8737) cannot create the input artifact's parent (TestArtifactEphemeralVolume).
// This watches the HostPath provisioner's directory and gives every new volume mode 0777, within milliseconds of its
// creation (the pod that mounts it starts seconds later); a sweep every second catches a missed event.
// Usage: node stack/cluster/pv-mode.mjs DIR READY_FILE
import { chmodSync, mkdirSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '/tmp/hostpath_pv', ready] = process.argv.slice(2);
mkdirSync(dir, { recursive: true, mode: 0o750 });
const open = (name) => {
  const p = join(dir, name);
  try {
    const st = statSync(p);
    if (st.isDirectory() && (st.mode & 0o777) !== 0o777) { chmodSync(p, 0o777); console.log(`${new Date().toISOString()} ${name}: mode 0777`); }
  } catch { /* gone again */ }
};
const sweep = () => { for (const name of readdirSync(dir)) open(name); };
watch(dir, (_event, name) => { if (name) open(String(name)); });
sweep();
setInterval(sweep, 1000);
if (ready) writeFileSync(ready, `${process.pid}\n`);
