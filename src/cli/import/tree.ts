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
    const cluster = at.cluster !== undefined && prefix.endsWith(`${at.cluster}-`) ? at.cluster : undefined;
    return { id, prefix, cluster, at: o, repository: { repoURL, targetRevision: str(source.targetRevision) ?? 'HEAD', path: at.base } };
  }
  if (o.obj.kind === 'Kustomization' && typeof spec.path === 'string') {
    const at = splitPath(spec.path, role === 'key' ? 'keys' : 'flux', id);
    if (!at) return undefined;
    // Flux runs in each cluster: its own file sits in that cluster's folder of the tree.
    const cluster = at.cluster !== undefined && o.file.replace(/\\/g, '/').includes(`clusters/${at.cluster}/flux-system/`) ? at.cluster : undefined;
    return { id, prefix, cluster, at: o };
  }
  return undefined;
}

/** `keys/<id>/`, `argocd/<id>/`, `flux/<id>/`: the key folder a file of the tree sits in. */
const KEY_FOLDER = new RegExp(`(?:^|/)(?:keys|argocd|flux)/(${ID})/[^/]+$`);

/** The id of the key folder `file` sits in, when a per-key unit of the input names that id. */
export function folderKeyId(file: string | undefined, known: ReadonlySet<string>): string | undefined {
  const m = file === undefined ? null : KEY_FOLDER.exec(file.replace(/\\/g, '/'));
  return m && known.has(m[1]!) ? m[1] : undefined;
}
