import { Alias, Document, isAlias, isMap, isScalar, isSeq, Node, Pair, visit, YAMLMap } from 'yaml';
import { Problem } from '../errors';
import type { Segment } from './problems';
import type { ParsedYaml } from './yaml';

/**
 * Finds file positions for problem paths by walking yaml's nodes along the path. Only problems
 * are placed, so a valid fleet never pays for the lookups.
 */
export class Locator {
  /** The node each alias stands for, found in one walk (yaml's own lookup walks the document per call). */
  private aliases: Map<Alias, Node | undefined> | undefined;
  /** Big maps indexed by key, so a problem in a map of 100,000 keys is not a linear search. */
  private readonly keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly parsed: ParsedYaml,
    private readonly file: string,
  ) {}

  /** The node each alias stands for. */
  public aliasTargets(): Map<Alias, Node | undefined> {
    return (this.aliases ??= aliasTargets(this.parsed.doc));
  }

  private resolve(node: unknown): unknown {
    // A chain of aliases is short by construction: yaml refuses undefined or forward anchors.
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = this.aliasTargets().get(n);
    return n;
  }

  /** The entry of `map` whose key reads as `seg`, the first one when a key repeats. */
  private pairOf(map: YAMLMap, seg: Segment): Pair | undefined {
    const name = String(seg);
    const keyOf = (p: Pair): string | undefined => {
      const k = this.resolve(p.key);
      return isScalar(k) ? String(k.value) : undefined;
    };
    if (map.items.length <= 16) return map.items.find((p) => keyOf(p) === name);
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = keyOf(p);
        if (k !== undefined && !index.has(k)) index.set(k, p);
      }
      this.keyIndex.set(map, index);
    }
    return index.get(name);
  }

  /**
   * The node at `segments`, or the deepest existing ancestor; with `key`, the key node of the
   * last segment (where an unknown field is written) when it exists.
   */
  private find(segments: readonly Segment[], key: boolean): Node | undefined {
    let node = this.resolve(this.parsed.doc.contents) as Node | undefined;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      if (isMap(node)) {
        const pair = this.pairOf(node, seg);
        if (!pair) return node;
        if (last && key && pair.key) return pair.key as Node;
        const next = this.resolve(pair.value) as Node | undefined;
        // `key: ` with no value is a null node without range; point at the key instead.
        if (!next || !next.range) return (pair.key as Node | undefined) ?? node;
        node = next;
      } else if (isSeq(node) && typeof seg === 'number') {
        const next = this.resolve(node.items[seg]) as Node | undefined;
        if (!next || !next.range) return node;
        node = next;
      } else {
        return node;
      }
    }
    return node;
  }

  /** Where `segments` is: file, 1-based line and column. */
  public at(segments: readonly Segment[], key = false): Pick<Problem, 'file' | 'line' | 'column'> {
    const node = this.find(segments, key);
    return this.offset(node?.range ? node.range[0] : 0);
  }

  /** File, line and column of a character offset. */
  public offset(offset: number): Pick<Problem, 'file' | 'line' | 'column'> {
    const pos = this.parsed.lineCounter.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }

  /** The source text of the scalar at `segments`, when it is one (e.g. `0.30`, which YAML read as 0.3). */
  public sourceText(segments: readonly Segment[]): string | undefined {
    const node = this.find(segments, false);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }
}

/** The node each alias of `doc` stands for: the last node before it with its anchor (as yaml resolves it). */
export function aliasTargets(doc: Document): Map<Alias, Node | undefined> {
  const targets = new Map<Alias, Node | undefined>();
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}
