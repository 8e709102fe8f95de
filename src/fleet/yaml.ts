// Parsing the fleet file with `yaml`: positions, nesting depth, duplicate keys and alias limits.
import { Alias, Composer, CST, Document, YAMLParseError, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Parser, visit } from 'yaml';
import { ValidationError } from '../errors';
import { MAX_ALIAS_COUNT, MAX_ALIAS_EXPANSION, MAX_NESTING_DEPTH, MAX_VCLUSTERS } from './limits';
import { Locator } from './locator';
import { formatFleetPath, Problems, Segment } from './problems';
import { quoteName } from './wording';

/** A parsed YAML document with its line index. */
export interface ParsedYaml {
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

/** Where the syntax tree of `tokens` first nests maps and lists deeper than `limit`, or undefined. */
function tooDeep(tokens: readonly CST.Token[], limit: number): number | undefined {
  // An explicit stack: the point is to find nesting that would exhaust the call stack.
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 })).reverse();
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > limit) return token.offset;
      const items = token.items as CST.CollectionItem[];
      for (let i = items.length - 1; i >= 0; i--) {
        stack.push({ token: items[i]!.value, depth: depth + 1 });
        stack.push({ token: items[i]!.key, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * Parses `text` as parseDocument does (yaml's public-api.js: Parser, then Composer), checking
 * the nesting depth between the two: the Parser keeps its own stack, while the Composer (and
 * later toJS, the schema check) recurse per level and fail with "Maximum call stack size
 * exceeded" from a few thousand levels on. Throws a ValidationError for too deep nesting.
 */
export function parseYaml(text: string, display: string, subject: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const deep = tooDeep(tokens, MAX_NESTING_DEPTH);
  if (deep !== undefined) {
    const pos = lineCounter.linePos(deep);
    throw new ValidationError(subject, [
      {
        file: display,
        line: pos.line,
        column: pos.col,
        path: '(yaml)',
        message: `maps and lists are nested more than ${MAX_NESTING_DEPTH} levels deep here; a fleet file needs fewer than 10, so this is refused`,
        allowed: `at most ${MAX_NESTING_DEPTH} levels of nesting`,
      },
    ]);
  }
  // prettyErrors would quote the offending source line in messages: it could hold a sealed value.
  // yaml's own duplicate-key check compares every key with every other key of a map (quadratic:
  // +1 s for 10,000 access keys), so duplicates are found by `duplicateKeys` instead.
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false });
  let doc: Document | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError(next.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  // compose(..., forceDoc = true) always yields a document, at the latest at its end.
  return { doc: doc!, lineCounter };
}

/** A path as a chain of links, made into segments only where it is reported. */
interface PathLink {
  readonly seg: Segment;
  readonly up: PathLink | undefined;
}

function segmentsOfLink(link: PathLink | undefined): Segment[] {
  const segments: Segment[] = [];
  for (let l = link; l; l = l.up) segments.push(l.seg);
  return segments.reverse();
}

/**
 * Map keys that repeat an earlier key of the same map, with offset and path, in document order
 * and one linear pass (keys are compared as the strings they become in the loaded object).
 * Aliases are not followed: their target is checked where it is written.
 */
function duplicateKeys(doc: Document): { offset: number; key: string; segments: Segment[] }[] {
  const found: { offset: number; key: string; segments: Segment[] }[] = [];
  const stack: { node: unknown; path: PathLink | undefined }[] = [{ node: doc.contents, path: undefined }];
  while (stack.length > 0) {
    const { node, path: at } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined) {
          if (seen.has(key) && pair.key && (pair.key as Node).range) found.push({ offset: (pair.key as Node).range![0], key, segments: segmentsOfLink({ seg: key, up: at }) });
          seen.add(key);
        }
        stack.push({ node: pair.value, path: key === undefined ? at : { seg: key, up: at } });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: { seg: i, up: at } }));
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * The first alias at which what aliases stand for passes `limit` (a scalar weighs its length plus
 * one, a map or list one plus its entries), or that refers to a node containing it (a cycle).
 * yaml's `maxAliasCount` counts alias uses and the aliases inside their targets, not the size of
 * what they stand for: 500 aliases of one 300-entry map pass it, and then stand for 150,000 entries.
 */
function aliasOverflow(doc: Document, targets: ReadonlyMap<Alias, Node | undefined>, limit: number): { alias: Alias; cycle: boolean } | undefined {
  const weights = new Map<Node, number>();
  const open = new Set<Node>();
  let expanded = 0;
  let stop: { alias: Alias; cycle: boolean } | undefined;
  const weigh = (node: unknown): number => {
    if (stop) return 0;
    if (isAlias(node)) {
      const target = targets.get(node);
      if (target === undefined) return 1;
      if (open.has(target)) {
        stop = { alias: node, cycle: true };
        return 0;
      }
      const w = weights.get(target) ?? weigh(target);
      expanded += w;
      if (expanded > limit && !stop) stop = { alias: node, cycle: false };
      return w;
    }
    if (isScalar(node)) return 1 + (typeof node.value === 'string' ? node.value.length : 8);
    if (isMap(node) || isSeq(node)) {
      const known = weights.get(node);
      if (known !== undefined) return known;
      open.add(node);
      let w = 1;
      for (const item of node.items as unknown[]) w += isPair(item) ? weigh(item.key) + weigh(item.value) : weigh(item);
      open.delete(node);
      // Only anchored nodes are looked up again (through their aliases).
      if (node.anchor) weights.set(node, w);
      return w;
    }
    return 1;
  };
  try {
    weigh(doc.contents);
  } catch (e) {
    // Nesting deep enough to exhaust the stack (yaml's own toJS got through it): not an alias problem.
    if (!(e instanceof RangeError)) throw e;
  }
  return stop;
}

/** The message for a fleet with too many vClusters. */
export function tooManyMessage(count: number): string {
  return `declares ${count} vClusters; at most ${MAX_VCLUSTERS} are supported in one fleet file`;
}

/**
 * Parses `text` and turns it into data, refusing with positions: syntax errors, deep nesting,
 * duplicate keys, an empty file, too many vClusters and alias bombs. The returned problems
 * collect the schema and semantic problems that follow.
 */
export function loadYaml(text: string, display: string, subject: string): { data: unknown; problems: Problems } {
  let parsed: ParsedYaml;
  try {
    parsed = parseYaml(text, display, subject);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    // Defensive: yaml reports stack exhaustion from deep nesting as errors, but never crash on it.
    throw new ValidationError(subject, [
      {
        file: display,
        path: '(yaml)',
        message: `the file cannot be parsed as YAML (${e instanceof RangeError ? 'nesting too deep' : e instanceof Error ? e.message : String(e)})`,
      },
    ]);
  }
  const { doc } = parsed;
  const locator = new Locator(parsed, display);
  const problems = new Problems(locator, subject);
  syntaxProblems(doc, locator, problems);
  problems.throwIfAny();

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new ValidationError(subject, [{ file: display, path: '(file)', message: 'the fleet file is empty', allowed: 'a map with platform, apiKeys and vclusters' }]);
  }
  const vclusterNodes = isMap(doc.contents) ? doc.contents.get('vclusters', true) : undefined;
  if (isSeq(vclusterNodes) && vclusterNodes.items.length > MAX_VCLUSTERS) {
    problems.add(['vclusters'], { message: tooManyMessage(vclusterNodes.items.length), allowed: 'split the fleet into several files' }, true);
    problems.throwIfAny();
  }
  const aliases = checkAliases(text, locator, problems);
  const data = toData(doc, locator, problems);
  // The loaded data shares what aliases stand for, but checking it walks every use: weigh them.
  const overflow = aliases.size > 0 ? aliasOverflow(doc, aliases, MAX_ALIAS_EXPANSION) : undefined;
  if (overflow) {
    problems.push({
      ...locator.offset(overflow.alias.range?.[0] ?? 0),
      path: '(yaml)',
      message: overflow.cycle
        ? `YAML alias *${overflow.alias.source} refers to a node that contains it, so it would expand forever: refused`
        : `YAML aliases expand to too much data (what they stand for passes ${MAX_ALIAS_EXPANSION} characters, the size limit of a fleet file): refused as a resource-exhaustion attack`,
    });
    problems.throwIfAny();
  }
  return { data, problems };
}

/** yaml's errors and warnings, and (when it found no error) repeated keys. */
function syntaxProblems(doc: Document, locator: Locator, problems: Problems): void {
  for (const err of [...doc.errors, ...doc.warnings]) {
    let message: string;
    if (err.code === 'MULTIPLE_DOCS') {
      message = "YAML syntax error: the file holds more than one document ('---'); a fleet file is one document";
    } else {
      message = `YAML ${err.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${err.message}`;
    }
    problems.push({ ...locator.offset(err.pos[0]), path: '(yaml)', message });
  }
  if (doc.errors.length > 0) return;
  for (const dup of duplicateKeys(doc)) {
    problems.push({
      ...locator.offset(dup.offset),
      path: formatFleetPath(dup.segments),
      message: `duplicate key ${quoteName(dup.key)}: a YAML map must not repeat a key (the first one would be silently replaced)`,
    });
  }
}

/** Refuses too many aliases and aliases without an anchor; returns each alias with its target. */
function checkAliases(text: string, locator: Locator, problems: Problems): Map<Alias, Node | undefined> {
  // yaml resolves each alias by walking every earlier alias and anchor: quadratic in their number.
  const aliases = text.includes('*') ? locator.aliasTargets() : new Map<Alias, Node | undefined>();
  if (aliases.size > MAX_ALIAS_COUNT) {
    const past = [...aliases.keys()][MAX_ALIAS_COUNT]!;
    problems.push({
      ...locator.offset(past.range?.[0] ?? 0),
      path: '(yaml)',
      message: `YAML aliases: more than ${MAX_ALIAS_COUNT} in one file (this is alias ${MAX_ALIAS_COUNT + 1}); refused as a resource-exhaustion attack`,
    });
    problems.throwIfAny();
  }
  for (const [alias, target] of aliases) {
    if (target !== undefined) continue;
    problems.push({
      ...locator.offset(alias.range?.[0] ?? 0),
      path: '(yaml)',
      message: `YAML alias *${alias.source} has no anchor &${alias.source} before it (an anchor must come before its aliases)`,
    });
  }
  problems.throwIfAny();
  return aliases;
}

/** The document as plain data, refusing alias expansion past MAX_ALIAS_COUNT. */
function toData(doc: Document, locator: Locator, problems: Problems): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    let first: Node | undefined;
    visit(doc, {
      Alias(_, node) {
        first = node;
        return visit.BREAK;
      },
    });
    problems.push({
      ...locator.offset(first?.range?.[0] ?? 0),
      path: '(yaml)',
      message: `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias expansions): refused as a resource-exhaustion attack`,
    });
    problems.throwIfAny();
    return undefined;
  }
}
