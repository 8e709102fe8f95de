/**
 * One thing wrong with the input. Problems are collected and reported together so a user
 * fixes everything in one round trip instead of one error per run.
 */
export interface Problem {
  /** Field path in the input, e.g. `vclusters[3].namespace` or `props.host`. */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
  /** The offending value, already rendered for display; never set it for secret values. */
  readonly value?: string;
  /** What would have been accepted. */
  readonly allowed?: string;
  /** File the value came from, when known. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** 1-based column in `file`, when known. */
  readonly column?: number;
}

/**
 * Characters a terminal draws misleadingly or not at all: controls (C0, DEL, C1), format
 * characters (zero-width, bidirectional overrides and isolates, BOM, tags...) and the line and
 * paragraph separators U+2028/U+2029. JSON.stringify escapes only C0 controls.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** `\uXXXX` for every UTF-16 unit of `ch` (a surrogate pair for astral characters, as JSON has it). */
function unicodeEscape(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * Escapes the characters of `text` that could make terminal output misleading (see `UNSAFE`) as
 * `\uXXXX`, leaving everything else as is. For user text embedded in a message without quotes.
 */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, unicodeEscape);
}

/**
 * Renders a value for an error message: JSON-quoted, with controls, format characters and line
 * separators escaped, and shortened, so hostile strings stay on one line and show what they hold.
 */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  text = escapeUnsafe(text);
  if (text.length <= 80) return text;
  // Cut between whole characters and whole escapes, never inside an escape such as `\u202e` or a surrogate pair.
  let cut = '';
  for (const unit of text.match(/\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\[\s\S]|[\s\S]/gu)!) {
    if (cut.length + unit.length > 77) break;
    cut += unit;
  }
  return `${cut}...`;
}

/** Formats one problem as `file:line:column: path: message; got VALUE (allowed: ...)`. */
export function formatProblem(problem: Problem): string {
  let where = '';
  if (problem.file !== undefined) {
    where = problem.file;
    if (problem.line !== undefined) {
      where += `:${problem.line}`;
      if (problem.column !== undefined) where += `:${problem.column}`;
    }
    where += ': ';
  }
  let text = `${where}${problem.path}: ${problem.message}`;
  if (problem.value !== undefined) text += `; got ${problem.value}`;
  if (problem.allowed !== undefined) text += ` (allowed: ${problem.allowed})`;
  // Messages quote text the library did not write (file names, YAML parser messages, anchor
  // names): escaping here keeps every one of them on one line and readable.
  return escapeUnsafe(text);
}

/** Thrown when input is invalid; carries every problem found, not just the first. */
export class ValidationError extends Error {
  /** Every problem found. */
  public readonly problems: readonly Problem[];

  constructor(subject: string, problems: readonly Problem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${escapeUnsafe(subject)}: ${count}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Collects problems and throws them all at once. */
export class ProblemCollector {
  private readonly list: Problem[] = [];

  /** Records a problem. */
  public add(problem: Problem): void {
    this.list.push(problem);
  }

  /** Problems recorded so far. */
  public get problems(): readonly Problem[] {
    return this.list;
  }

  /** Throws a `ValidationError` naming `subject` when any problem was recorded. */
  public throwIfAny(subject: string): void {
    if (this.list.length > 0) throw new ValidationError(subject, this.list);
  }
}
