import * as path from 'path';
import { CommandIo, ExitCode, guarded, OptionSpec, optionsHelp, parseOptions, usageError } from './io';
import { fleetFileOf, readTree, renderTree, treeChanges } from './render';

const OPTIONS: readonly OptionSpec[] = [
  { flag: '--fleet', value: 'FILE', help: 'fleet file (default: $VCLUSTER_FLEET, else vclusters.yaml)' },
  { flag: '--out', value: 'DIR', help: 'the committed output folder (default: dist)' },
];

/** Help text of `check`. */
export const CHECK_USAGE = `usage: cdk8s-vcluster-platform check [options]

Fails when the committed output folder is not exactly what the fleet file gives, naming every
file a synth would add, change or remove. Writes nothing: run it in CI on every pull request.

options:
${optionsHelp(OPTIONS)}

exit codes: 0 up to date, 1 stale tree or invalid fleet, 2 bad options, 70 internal error
`;

/** `check`: compares the rendered tree with the folder; exit 1 and one line per file when stale. */
export function check(argv: readonly string[], io: CommandIo): ExitCode {
  const parsed = parseOptions(argv, OPTIONS);
  if (parsed.help) {
    io.stdout(CHECK_USAGE);
    return ExitCode.OK;
  }
  if (parsed.problems.length > 0) return usageError('check', parsed.problems, io);
  return guarded('check', io, () => {
    const fleetFile = fleetFileOf(parsed.values, io.env);
    const out = parsed.values.get('--out') ?? 'dist';
    const rendered = renderTree(fleetFile, out, io);
    const changes = treeChanges(readTree(path.resolve(io.cwd, out), out), rendered.files);
    const count = changes.added.length + changes.changed.length + changes.removed.length;
    if (count === 0) {
      io.stdout(`${out}/ is up to date with ${fleetFile} (${rendered.files.size} files)\n`);
      return ExitCode.OK;
    }
    const lines = [
      `check: ${out}/ is stale: a synth of ${fleetFile} would add ${changes.added.length}, change ${changes.changed.length} and remove ${changes.removed.length} files:`,
      ...changes.added.map((f) => `  added:   ${out}/${f}`),
      ...changes.changed.map((f) => `  changed: ${out}/${f}`),
      ...changes.removed.map((f) => `  removed: ${out}/${f}`),
      `check: run \`npx cdk8s-vcluster-platform synth${fleetFile === 'vclusters.yaml' ? '' : ` --fleet ${fleetFile}`}${out === 'dist' ? '' : ` --out ${out}`}\` and commit ${out}/`,
    ];
    io.stderr(`${lines.join('\n')}\n`);
    return ExitCode.INVALID;
  });
}
