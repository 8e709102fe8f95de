import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import type { Fleet } from '../src/fleet/types';

/** The three kubectl commands of the documented manual method for one vCluster. */
export interface ManualCommands {
  readonly vcluster: string;
  readonly commands: { readonly file: string; readonly args: string[] }[];
}

/** True when `kubectl` runs here. */
export async function kubectlVersion(): Promise<string | undefined> {
  const result = await run('kubectl', ['version', '--client', '-o', 'json'], 'pipe');
  if (result.code !== 0) return undefined;
  try {
    return (JSON.parse(result.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Per vCluster: the access-key Secret, the Role that may read it and the RoleBinding for the
 * vCluster's service account, each as `kubectl create … --dry-run=client -o yaml`, with the
 * values the fleet gives (a placeholder for the access key itself, which a person would paste).
 */
export function manualCommands(fleet: Fleet, sample: number): ManualCommands[] {
  const keys = new Map(fleet.apiKeys.map((k) => [k.id, k]));
  const step = Math.max(1, Math.floor(fleet.vclusters.length / sample));
  const out: ManualCommands[] = [];
  for (let i = 0; i < fleet.vclusters.length && out.length < sample; i += step) {
    const vc = fleet.vclusters[i]!;
    const key = keys.get(vc.apiKey)!;
    const secretNamespace = key.fanOut === 'clusterExternalSecret' ? vc.namespace : key.namespace;
    const release = vc.effectiveRelease;
    const serviceAccount = vc.serviceAccountName ?? `vc-${release}`;
    const role = `vc-${release}-v-${vc.namespace}-platform-role`;
    const base = `${vc.namespace}.${release}`;
    out.push({
      vcluster: `${vc.namespace}/${release}`,
      commands: [
        {
          file: `${base}.secret.yaml`,
          args: [
            'create',
            'secret',
            'generic',
            key.secretName,
            '-n',
            secretNamespace,
            '--from-literal=accessKey=PASTE-THE-ACCESS-KEY-HERE',
            `--from-literal=host=${key.host}`,
            `--from-literal=project=${key.project ?? 'default'}`,
            `--from-literal=insecure=${key.insecure ? 'true' : 'false'}`,
            `--from-literal=certificateAuthorityData=${key.certificateAuthorityData ?? ''}`,
          ],
        },
        {
          file: `${base}.role.yaml`,
          args: ['create', 'role', role, '-n', secretNamespace, '--verb=get', '--resource=secrets', `--resource-name=${key.secretName}`],
        },
        {
          file: `${base}.rolebinding.yaml`,
          args: ['create', 'rolebinding', `${role}-binding`, '-n', secretNamespace, `--role=${role}`, `--serviceaccount=${vc.namespace}:${serviceAccount}`],
        },
      ],
    });
  }
  return out;
}

/**
 * A stand-in for the API server's discovery endpoints: `kubectl create role` resolves
 * `--resource=secrets` through discovery even with `--dry-run=client`. A person running the
 * manual method has a cluster (and kubectl's discovery cache); this answers the few GETs that
 * fill that cache, so kubectl works offline. It serves nothing else.
 */
function discoveryServer(): http.Server {
  const resources = (groupVersion: string, list: [string, string, string][]): object => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: list.map(([name, singularName, kind]) => ({ name, singularName, namespaced: true, kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
  });
  const rbac = 'rbac.authorization.k8s.io/v1';
  const bodies: Record<string, object> = {
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'rbac.authorization.k8s.io', versions: [{ groupVersion: rbac, version: 'v1' }], preferredVersion: { groupVersion: rbac, version: 'v1' } }],
    },
    '/api/v1': resources('v1', [
      ['secrets', 'secret', 'Secret'],
      ['serviceaccounts', 'serviceaccount', 'ServiceAccount'],
      ['namespaces', 'namespace', 'Namespace'],
    ]),
    [`/apis/${rbac}`]: resources(rbac, [
      ['roles', 'role', 'Role'],
      ['rolebindings', 'rolebinding', 'RoleBinding'],
    ]),
  };
  return http.createServer((req, res) => {
    const body = bodies[(req.url ?? '').split('?')[0]!];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
  });
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop (the discovery server lives in this process). */
function run(cmd: string, args: readonly string[], stdout: 'pipe' | number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve({ code: -1, stdout: out, stderr: String(e) }));
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

/** What timing the manual method gave. */
export interface ManualTiming {
  readonly vclusters: number;
  readonly commands: number;
  readonly totalSeconds: number;
  readonly perVClusterMs: number;
}

/**
 * Runs the manual method for every sampled vCluster, one command after another as a script
 * would, each command's YAML captured to a file under `dir`. One untimed warm-up round first
 * (kubectl binary in the page cache, discovery cache filled).
 */
export async function timeManualMethod(samples: readonly ManualCommands[], dir: string): Promise<ManualTiming> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
  const server = discoveryServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: bench, cluster: { server: "http://127.0.0.1:' + port + '" } }]',
        'users: [{ name: bench, user: {} }]',
        'contexts: [{ name: bench, context: { cluster: bench, user: bench } }]',
        'current-context: bench',
        '',
      ].join('\n'),
    );
    const common = [`--kubeconfig=${kubeconfig}`, `--cache-dir=${path.join(dir, 'cache')}`, '--dry-run=client', '-o', 'yaml'];
    const once = async (cmd: ManualCommands['commands'][number], target: string): Promise<void> => {
      const fd = fs.openSync(target, 'w');
      try {
        const result = await run('kubectl', [...cmd.args, ...common], fd);
        if (result.code !== 0) throw new Error(`kubectl ${cmd.args.slice(0, 3).join(' ')} failed: ${result.stderr.trim()}`);
      } finally {
        fs.closeSync(fd);
      }
    };
    for (const cmd of samples[0]!.commands) await once(cmd, path.join(dir, `warmup-${cmd.file}`));

    const start = process.hrtime.bigint();
    let commands = 0;
    for (const sample of samples) {
      for (const cmd of sample.commands) {
        await once(cmd, path.join(dir, 'out', cmd.file));
        commands++;
      }
    }
    const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { vclusters: samples.length, commands, totalSeconds, perVClusterMs: (totalSeconds * 1000) / samples.length };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
