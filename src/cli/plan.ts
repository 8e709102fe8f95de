import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { CommandIo, ExitCode, guarded, OptionSpec, optionsHelp, parseOptions, usageError } from './io';
import { fleetFileOf, readTree, renderTree, treeChanges, TreeChanges } from './render';

const OPTIONS: readonly OptionSpec[] = [
  { flag: '--fleet', value: 'FILE', help: 'fleet file (default: $VCLUSTER_FLEET, else vclusters.yaml)' },
  { flag: '--out', value: 'DIR', help: 'the current output folder (default: dist)' },
  { flag: '--output', value: 'FORMAT', help: 'text (a summary for review) or json', choices: ['text', 'json'] },
];

/** Help text of `plan`. */
export const PLAN_USAGE = `usage: cdk8s-vcluster-platform plan [options]

Shows what a synth would add (+), change (~) or remove (-) in the output folder, per vCluster
and object, with the changed fields; for a pull-request review. Writes nothing. Never shows a
value, only field paths.

options:
${optionsHelp(OPTIONS)}

exit codes: 0 plan shown (with or without changes), 1 invalid fleet or output folder, 2 bad options, 70 internal error
`;

/** What happens to one object or values file. */
export interface PlannedChange {
  readonly action: 'add' | 'change' | 'remove';
  /** `Kind`, or `values` for a vcluster.yaml. */
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The file it lives in, relative to the output folder. */
  readonly file: string;
  /** For a change: the fields that differ (dotted paths), at most 50. */
  readonly fields?: readonly string[];
}

/** The plan, as `--output json` prints it. */
export interface Plan {
  readonly fleet: string;
  readonly out: string;
  readonly summary: { readonly add: number; readonly change: number; readonly remove: number };
  /** Changes by vCluster (`namespace/release`), then `shared` for host-wide objects. */
  readonly groups: readonly { readonly group: string; readonly changes: readonly PlannedChange[] }[];
  /** Every file that differs, including indexes and kustomizations. */
  readonly files: TreeChanges;
}

interface Entry {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly file: string;
  /** The vCluster namespace it belongs to, if any. */
  readonly target?: string;
  readonly value: unknown;
}

type Json = Record<string, unknown>;

const VALUES = /^vclusters\/([^/]+)\/([^/]+)\/vcluster\.yaml$/;
const NOT_OBJECTS = new Set(['README.md', '.generated-files']);

/** The objects and values files of a tree, by identity. */
function entriesOf(files: ReadonlyMap<string, string>): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [file, text] of files) {
    const values = VALUES.exec(file);
    if (values) {
      entries.set(`values ${file}`, { kind: 'values', namespace: values[1], name: values[2]!, file, target: values[1], value: text });
      continue;
    }
    if (NOT_OBJECTS.has(file) || !file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) continue;
    let docs: unknown[];
    try {
      docs = parseAllDocuments(text).map((d) => (Array.isArray(d) ? undefined : d.toJS()));
    } catch {
      docs = [];
    }
    docs.forEach((doc, i) => {
      const o = (doc ?? {}) as Json;
      const meta = (o.metadata ?? {}) as Json;
      if (typeof o.kind !== 'string' || typeof meta.name !== 'string') {
        entries.set(`unparsed ${file} ${i}`, { kind: 'document', name: `#${i + 1}`, file, value: doc });
        return;
      }
      const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
      const spec = (o.spec ?? {}) as Json;
      const destination = (spec.destination ?? {}) as Json;
      const target = [destination.namespace, spec.targetNamespace, o.kind === 'Namespace' ? meta.name : namespace].find((t) => typeof t === 'string') as string | undefined;
      const folder = file.split('/')[0];
      entries.set(`${folder} ${o.kind} ${namespace ?? ''}/${meta.name}`, { kind: o.kind, namespace, name: meta.name, file, target, value: o });
    });
  }
  return entries;
}

/** Dotted paths of the leaves that differ between `a` and `b`, at most `limit`. */
function changedFields(a: unknown, b: unknown, at: string, out: string[], limit = 50): void {
  if (out.length >= limit) return;
  const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      changedFields(a[key], b[key], Array.isArray(a) ? `${at}[${key}]` : at ? `${at}.${key}` : key, out, limit);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(at || '(whole document)');
  }
}

/** Builds the plan from the current folder's files and the rendered ones. Pure. */
export function planChanges(fleet: string, out: string, current: ReadonlyMap<string, Buffer>, next: ReadonlyMap<string, string>): Plan {
  const currentText = new Map([...current].map(([f, b]) => [f, b.toString('utf8')]));
  const before = entriesOf(currentText);
  const after = entriesOf(next);
  const releases = new Map<string, Set<string>>();
  for (const e of [...before.values(), ...after.values()])
    if (e.kind === 'values') (releases.get(e.namespace!) ?? releases.set(e.namespace!, new Set()).get(e.namespace!)!).add(e.name);
  const groupOf = (e: Entry): string => {
    const names = e.target === undefined ? undefined : releases.get(e.target);
    if (!names) return 'shared';
    return names.size === 1 ? `${e.target}/${[...names][0]}` : `namespace ${e.target}`;
  };
  const groups = new Map<string, PlannedChange[]>();
  const push = (e: Entry, change: PlannedChange): void => {
    const g = groupOf(e);
    (groups.get(g) ?? groups.set(g, []).get(g)!).push(change);
  };
  const base = (e: Entry): Omit<PlannedChange, 'action'> => ({
    kind: e.kind,
    ...(e.namespace !== undefined && e.kind !== 'values' ? { namespace: e.namespace } : {}),
    name: e.name,
    file: e.file,
  });
  for (const [key, e] of after) {
    const old = before.get(key);
    if (!old) push(e, { action: 'add', ...base(e) });
    else if (JSON.stringify(old.value) !== JSON.stringify(e.value) || old.file !== e.file) {
      const fields: string[] = [];
      if (e.kind === 'values') fields.push('(values text)');
      else changedFields(old.value, e.value, '', fields);
      if (old.file !== e.file) fields.push(`(moved from ${old.file})`);
      push(e, { action: 'change', ...base(e), fields });
    }
  }
  for (const [key, e] of before) if (!after.has(key)) push(e, { action: 'remove', ...base(e) });
  const all = [...groups.values()].flat();
  const order = [...groups.keys()].sort((a, b) => (a === 'shared' ? 1 : b === 'shared' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    fleet,
    out,
    summary: {
      add: all.filter((c) => c.action === 'add').length,
      change: all.filter((c) => c.action === 'change').length,
      remove: all.filter((c) => c.action === 'remove').length,
    },
    groups: order.map((group) => ({ group, changes: groups.get(group)! })),
    files: treeChanges(current, next),
  };
}

const SIGN = { add: '+', change: '~', remove: '-' } as const;

/** The readable summary of a plan. */
export function formatPlan(plan: Plan): string {
  const { summary, files } = plan;
  const fileCount = files.added.length + files.changed.length + files.removed.length;
  if (fileCount === 0) return `plan: no changes: ${plan.out}/ is what ${plan.fleet} gives\n`;
  const lines = [
    `plan: a synth of ${plan.fleet} into ${plan.out}/ would add ${summary.add}, change ${summary.change} and remove ${summary.remove} objects and values files (${fileCount} files differ)`,
  ];
  for (const { group, changes } of plan.groups) {
    lines.push('', group === 'shared' ? 'other objects (not in the namespace of one vCluster):' : `vCluster ${group}:`);
    for (const c of changes) {
      const what = c.kind === 'values' ? `values ${c.file}` : `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}  (${c.file})`;
      const fields = c.fields && c.fields.length > 0 ? `: ${c.fields.slice(0, 5).join(', ')}${c.fields.length > 5 ? `, … ${c.fields.length - 5} more` : ''}` : '';
      lines.push(`  ${SIGN[c.action]} ${what}${fields}`);
    }
  }
  const other = [...files.added, ...files.changed, ...files.removed].filter((f) => NOT_OBJECTS.has(f) || f.endsWith('kustomization.yaml'));
  if (other.length > 0) lines.push('', `index files that change with them: ${other.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `plan`: prints what a synth would change; writes nothing. */
export function plan(argv: readonly string[], io: CommandIo): ExitCode {
  const parsed = parseOptions(argv, OPTIONS);
  if (parsed.help) {
    io.stdout(PLAN_USAGE);
    return ExitCode.OK;
  }
  if (parsed.problems.length > 0) return usageError('plan', parsed.problems, io);
  return guarded('plan', io, () => {
    const fleetFile = fleetFileOf(parsed.values, io.env);
    const out = parsed.values.get('--out') ?? 'dist';
    const rendered = renderTree(fleetFile, out, io);
    const result = planChanges(fleetFile, out, readTree(path.resolve(io.cwd, out), out), rendered.files);
    io.stdout(parsed.values.get('--output') === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatPlan(result));
    return ExitCode.OK;
  });
}
