#!/usr/bin/env node
/**
 * The `cdk8s-vcluster-platform` command: one executable, one sub-command per task. Each command
 * module is required only when it runs: loading cdk8s, yaml and ajv is most of a run's start-up
 * time, and `--help`, `init` or `seal` need little or none of it.
 */
import type { CommandIo, ExitCode } from './io';

/** The streams a command may need beyond CommandIo: `seal` reads the key from stdin. */
export interface MainIo extends CommandIo {
  readonly stdin: AsyncIterable<Buffer | string> & { readonly isTTY?: boolean };
}

interface Command {
  readonly summary: string;
  readonly run: (argv: readonly string[], io: MainIo) => ExitCode | number | Promise<number>;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Readonly<Record<string, Command>> = {
  init: {
    summary: 'scaffold a GitOps repository here: vclusters.yaml, cdk8s.yaml, .gitignore, CI',
    run: (argv, io) => (require('./init') as typeof import('./init')).init(argv, io),
  },
  synth: {
    summary: 'write the GitOps tree (dist/) from the fleet file',
    run: (argv, io) => (require('./synth') as typeof import('./synth')).run(argv, io),
  },
  plan: {
    summary: 'show what a synth would add, change or remove, per vCluster and object',
    run: (argv, io) => (require('./plan') as typeof import('./plan')).plan(argv, io),
  },
  check: {
    summary: 'fail (exit 1) when the committed tree is not what the fleet file gives',
    run: (argv, io) => (require('./check') as typeof import('./check')).check(argv, io),
  },
  import: {
    summary: 'write a fleet file from existing Kubernetes objects (migration from a hand-made setup)',
    run: (argv, io) => (require('./import') as typeof import('./import')).main(argv, { stdout: io.stdout, stderr: io.stderr, cwd: io.cwd }),
  },
  seal: {
    summary: 'seal an access key for a Sealed Secrets controller, offline',
    run: (argv, io) =>
      (require('./seal') as typeof import('./seal')).main(argv, {
        stdin: io.stdin,
        stdout: { write: (t: string) => io.stdout(t) },
        stderr: { write: (t: string) => io.stderr(t) },
      }),
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Help text of the command itself. */
export const MAIN_USAGE = `usage: cdk8s-vcluster-platform <command> [options]

Connects vClusters to vCluster Platform through GitOps: declare the fleet in vclusters.yaml,
synthesize it into a static tree (dist/), commit both.

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`)
  .join('\n')}

Run \`cdk8s-vcluster-platform <command> --help\` for a command's options.

exit codes: 0 ok, 1 invalid input (or, for check, a stale tree), 2 bad command line, 70 internal error
environment: VCLUSTER_FLEET (default fleet file), VCLUSTER_PLATFORM_DEBUG=1 (stack traces of internal errors)
`;

/** The version in this package's package.json (src/cli in the repository, lib/src/cli when built). */
function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs') as typeof import('fs');
  for (let dir = __dirname; ; dir = `${dir}/..`) {
    const file = `${dir}/package.json`;
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (dir.length > 4096) return 'unknown';
  }
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(MAIN_USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    // A mistyped command is echoed only when it looks like one: a pasted access key must not be printed back.
    const shown = /^[a-z][a-z-]{0,20}$/.test(name) ? JSON.stringify(name) : '(not shown)';
    io.stderr(`cdk8s-vcluster-platform: unknown command ${shown} (allowed: ${Object.keys(COMMANDS).join(', ')}, --help)\n`);
    return 2;
  }
  return command.run(rest, io);
}

if (require.main === module) {
  const io: MainIo = {
    stdin: process.stdin,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`cdk8s-vcluster-platform: internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
