import { nameOf, record, str } from './model';
import { SourceObject } from './read';

/**
 * What a synthesized tree says about its keys: the per-key Argo CD Application
 * (`<namePrefix>vcluster-platform-key-<id>`, source path `<argocd.repository.path>/argocd/<id>`)
 * and the per-key Flux Kustomizations (`<namePrefix>vcluster-platform-key-<id>` at `…/keys/<id>`,
 * `<namePrefix>vcluster-platform-releases-<id>` at `…/flux/<id>`), as src/fleet/topology-argocd.ts
 * and topology-flux.ts write them. They carry the fleet's key ids, `argocd.repository` and `namePrefix`.
 */
export interface KeyUnit {
  /** The fleet's key id. */
  readonly id: string;
  /** `namePrefix` of the fleet (for a multi-cluster tree it ends with `<cluster>-`). */
  readonly prefix: string;
  /** Where the tree sits in git, from the per-key Application's source (Argo CD only). */
  readonly repository?: { readonly repoURL: string; readonly targetRevision: string; readonly path: string };
  /** The cluster folder (`clusters/<name>/`) the unit's path runs through, when the name prefix carries it too. */
  readonly cluster?: string;
  readonly at: SourceObject;
}

const ID = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?';
const KEY_NAME = new RegExp(`^(.*)vcluster-platform-(key|releases)-(${ID})$`);

/** `<base>/<folder>/<id>` split into base (`.` for none) and the cluster folder it may end in. */
function splitPath(p: string, folder: string, id: string): { base: string; cluster?: string } | undefined {
  const clean = p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  const tail = `${folder}/${id}`;
  if (clean !== tail && !clean.endsWith(`/${tail}`)) return undefined;
  const base = clean === tail ? '.' : clean.slice(0, -tail.length - 1);
  const m = /(?:^|\/)clusters\/([^/]+)$/.exec(base);
  return { base, ...(m ? { cluster: m[1] } : {}) };
}

/**
 * A multi-cluster tree puts each cluster's tree under `clusters/<name>/` and prefixes its names
 * with `<name>-` (src/fleet/synthesize.ts, synthesizeClusters): both must show for `cluster`.
 * Returns the fleet's own prefix and base path with the cluster taken off.
 */
function ofCluster(prefix: string, at: { base: string; cluster?: string }, also: boolean): { prefix: string; base: string; cluster?: string } {
  const c = at.cluster;
  if (c === undefined || !also || !prefix.endsWith(`${c}-`)) return { prefix, base: at.base };
  const tail = `clusters/${c}`;
  return { prefix: prefix.slice(0, -c.length - 1), base: at.base === tail ? '.' : at.base.slice(0, -tail.length - 1), cluster: c };
}

/** The unit of a per-key Application or Flux Kustomization; `undefined` for any other object. */
export function keyUnitOf(o: SourceObject): KeyUnit | undefined {
  const m = KEY_NAME.exec(nameOf(o).name ?? '');
  if (!m) return undefined;
  const [, prefix, role, id] = m as unknown as [string, string, string, string];
  const spec = record(o.obj.spec);
  if (o.obj.kind === 'Application' && role === 'key') {
    const source = record(spec.source);
    const at = typeof source.path === 'string' && source.chart === undefined ? splitPath(source.path, 'argocd', id) : undefined;
    const repoURL = str(source.repoURL);
    if (!at || !repoURL) return undefined;
    const c = ofCluster(prefix, at, true);
    return { id, prefix: c.prefix, cluster: c.cluster, at: o, repository: { repoURL, targetRevision: str(source.targetRevision) ?? 'HEAD', path: c.base } };
  }
  if (o.obj.kind === 'Kustomization' && typeof spec.path === 'string') {
    const at = splitPath(spec.path, role === 'key' ? 'keys' : 'flux', id);
    if (!at) return undefined;
    // Each cluster's Flux applies its own folder: the Kustomization's file sits in it (a flux.path such as ./clusters/prod alone is no cluster).
    const c = ofCluster(prefix, at, at.cluster !== undefined && toPosix(o.file).includes(`clusters/${at.cluster}/flux-system/`));
    return { id, prefix: c.prefix, cluster: c.cluster, at: o };
  }
  return undefined;
}

function toPosix(file: string): string {
  return file.replace(/\\/g, '/');
}

/** The cluster folder (`clusters/<name>/<part of the tree>/…`) a file of a multi-cluster tree sits in, when `known`. */
export function clusterOfFile(file: string | undefined, known: ReadonlySet<string>): string | undefined {
  const m = file === undefined ? null : /(?:^|\/)clusters\/([^/]+)\/(?:argocd|flux|keys|vclusters|namespaces|flux-system)\//.exec(toPosix(file));
  return m && known.has(m[1]!) ? m[1] : undefined;
}

/**
 * The `argocd-cm` snippet a multi-cluster tree writes beside itself (argocd-cm.application-health.yaml,
 * merged by hand, applied by nothing): only the Application health check.
 */
export function isHealthSnippet(o: SourceObject): boolean {
  const data = record(o.obj.data);
  return nameOf(o).name === 'argocd-cm' && Object.keys(data).join() === 'resource.customizations.health.argoproj.io_Application';
}

/** `keys/<id>/`, `argocd/<id>/`, `flux/<id>/`: the key folder a file of the tree sits in. */
const KEY_FOLDER = new RegExp(`(?:^|/)(?:keys|argocd|flux)/(${ID})/[^/]+$`);

/** The id of the key folder `file` sits in, when a per-key unit of the input names that id. */
export function folderKeyId(file: string | undefined, known: ReadonlySet<string>): string | undefined {
  const m = file === undefined ? null : KEY_FOLDER.exec(toPosix(file));
  return m && known.has(m[1]!) ? m[1] : undefined;
}
