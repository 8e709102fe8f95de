import { Problem, showValue, ValidationError } from '../errors';
import { MAX_COLLECTED_PROBLEMS, MAX_REPORTED_PROBLEMS } from './limits';
import type { Locator } from './locator';

/** One step of a path into the fleet data: a map key or a list index. */
export type Segment = string | number;

/** Renders a path like `vclusters[3].namespace` or `apiKeys.shared.externalSecret.storeRef.kind`. */
export function formatFleetPath(segments: readonly Segment[]): string {
  let text = '';
  for (const seg of segments) {
    if (typeof seg === 'number') text += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(seg)) text += text === '' ? seg : `.${seg}`;
    else text += `[${showValue(seg)}]`;
  }
  return text === '' ? '(top level)' : text;
}

/**
 * Collects problems with positions; `throwIfAny` throws them sorted by position. Past
 * MAX_COLLECTED_PROBLEMS problems are only counted (not placed or kept), and checks that would
 * only find more of them may stop early (`stopped`): then the count is a lower bound.
 */
export class Problems {
  public readonly list: Problem[] = [];
  /** Problems counted but not kept. */
  private omitted = 0;
  /** True when checking stopped early, so more problems may exist than were counted. */
  private stopped = false;
  /** Word comparisons left for "did you mean" suggestions that compare a word with many candidates. */
  public suggestionBudget = 100_000;

  constructor(
    public readonly locator: Locator,
    private readonly subject: string,
  ) {}

  /** True once enough problems are kept: further ones are only counted, and costly checks may stop. */
  public get full(): boolean {
    return this.list.length >= MAX_COLLECTED_PROBLEMS;
  }

  /** True once there are enough problems to fill the listing: costly extras (suggestions) may be left out. */
  public get listFull(): boolean {
    return this.list.length >= MAX_REPORTED_PROBLEMS;
  }

  /** Records a problem at the node of `segments` (its key with `key`). */
  public add(segments: readonly Segment[], problem: Omit<Problem, 'path' | 'file' | 'line' | 'column'>, key = false): void {
    if (this.full) this.omitted++;
    else this.list.push({ ...this.locator.at(segments, key), path: formatFleetPath(segments), ...problem });
  }

  /** Records a problem whose position is already known. */
  public push(problem: Problem): void {
    if (this.full) this.omitted++;
    else this.list.push(problem);
  }

  /** Counts `n` problems without keeping them. */
  public skip(n = 1): void {
    this.omitted += n;
  }

  /** Notes that checking stopped before the end: the count of problems is a lower bound. */
  public stop(): void {
    this.stopped = true;
  }

  /** A short "path (line N)" reference to another place in the file, for messages. */
  public ref(segments: readonly Segment[]): string {
    // Once full, the message it goes into is only counted: skip placing it.
    if (this.full) return formatFleetPath(segments);
    return `${formatFleetPath(segments)} (line ${this.locator.at(segments).line})`;
  }

  public throwIfAny(): void {
    if (this.list.length === 0 && this.omitted === 0) return;
    throw fleetError(this.subject, this.list, this.omitted, this.stopped);
  }
}

export function fleetError(subject: string, problems: readonly Problem[], omitted = 0, stopped = false): ValidationError {
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map((x) => x.p);
  const shown = sorted.slice(0, MAX_REPORTED_PROBLEMS);
  const rest = sorted.length - shown.length + omitted;
  if (rest === 0 && !stopped) return new ValidationError(subject, shown);
  // When checking stopped early the count is what was found so far: say so.
  const message =
    rest === 0
      ? 'more problems may exist (checking stopped early); fix the ones above and run again'
      : `${stopped ? 'at least ' : ''}${rest} more problem${rest === 1 ? '' : 's'} not shown; fix the ones above and run again`;
  return new ValidationError(subject, [...shown, { path: '(more)', message, file: shown[0]?.file }]);
}
