import { formatProblem, Problem, ValidationError } from '../errors';

/** Exit codes of every command: the sysexits-style set the dispatcher documents in `--help`. */
export enum ExitCode {
  /** Done; for `check`, the tree is up to date. */
  OK = 0,
  /** Invalid input (the fleet file, the output folder); for `check`, a stale tree. */
  INVALID = 1,
  /** Bad command line: unknown command or option, missing value. */
  USAGE = 2,
  /** A failure that is not the input's fault (EX_SOFTWARE). */
  INTERNAL = 70,
}

/** The outside world of one command, injectable so tests run commands in-process. */
export interface CommandIo {
  /** Receives the result. */
  readonly stdout: (text: string) => void;
  /** Receives errors, warnings and hints. */
  readonly stderr: (text: string) => void;
  /** Environment (`VCLUSTER_FLEET`, `VCLUSTER_PLATFORM_DEBUG`). */
  readonly env: NodeJS.ProcessEnv;
  /** Folder relative paths are resolved against. */
  readonly cwd: string;
}

/** One option a command accepts. */
export interface OptionSpec {
  /** `--name`. */
  readonly flag: string;
  /** Name of the value in the help text; absent for a switch. */
  readonly value?: string;
  /** One line for the help text. */
  readonly help: string;
  /** Allowed values, checked by the parser. */
  readonly choices?: readonly string[];
}

/** What `parseOptions` found: the values by flag (switches map to 'true') and every problem. */
export interface ParsedOptions {
  readonly values: ReadonlyMap<string, string>;
  readonly problems: readonly Problem[];
  readonly help: boolean;
}

/** Parses `--flag VALUE`, `--flag=VALUE` and switches; collects every problem instead of stopping. */
export function parseOptions(argv: readonly string[], specs: readonly OptionSpec[]): ParsedOptions {
  const values = new Map<string, string>();
  const problems: Problem[] = [];
  const allowed = [...specs.map((s) => s.flag), '--help'].join(', ');
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = specs.find((s) => s.flag === flag);
    if (!spec) {
      problems.push({ path: 'arguments', message: arg.startsWith('-') ? 'unknown option' : 'unexpected argument', value: JSON.stringify(flag), allowed });
      continue;
    }
    if (spec.value === undefined) {
      if (eq >= 0) problems.push({ path: flag, message: 'takes no value' });
      values.set(flag, 'true');
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') ? argv[++i] : undefined;
    if (value === undefined || value === '') {
      problems.push({ path: flag, message: `needs a value (${spec.value})` });
    } else if (values.has(flag)) {
      problems.push({ path: flag, message: 'is given more than once' });
    } else if (spec.choices && !spec.choices.includes(value)) {
      problems.push({ path: flag, message: 'unknown value', value: JSON.stringify(value), allowed: spec.choices.join(', ') });
    } else {
      values.set(flag, value);
    }
  }
  return { values, problems, help };
}

/** The options part of a help text. */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const rows = [...specs.map((s) => [`${s.flag}${s.value ? ` ${s.value}` : ''}`, s.help]), ['-h, --help', 'show this help']];
  const width = Math.max(...rows.map((r) => r[0]!.length)) + 2;
  return rows.map(([a, b]) => `  ${a!.padEnd(width)}${b}`).join('\n');
}

/** Prints usage problems, one per line, and returns the usage exit code. */
export function usageError(command: string, problems: readonly Problem[], io: CommandIo): ExitCode {
  for (const p of problems) io.stderr(`${command}: ${formatProblem(p)}\n`);
  io.stderr(`${command}: run with --help for usage\n`);
  return ExitCode.USAGE;
}

/**
 * Runs a command body and maps failures to exit codes: invalid input (ValidationError) is 1 with
 * its message (one problem per line), anything else 70 in one line, its stack only with
 * VCLUSTER_PLATFORM_DEBUG set.
 */
export function guarded(command: string, io: CommandIo, body: () => ExitCode): ExitCode {
  try {
    return body();
  } catch (err) {
    if (err instanceof ValidationError) {
      io.stderr(`${command}: error: ${err.message}\n`);
      return ExitCode.INVALID;
    }
    const e = err as Error;
    io.stderr(`${command}: internal error: ${e && e.message ? e.message.split('\n')[0] : String(err)}\n`);
    if (io.env.VCLUSTER_PLATFORM_DEBUG) io.stderr(`${e && e.stack}\n`);
    return ExitCode.INTERNAL;
  }
}
