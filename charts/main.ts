/**
 * The cdk8s app: what `npm run synth` and `cdk8s synth` run. It synthesizes the fleet file into
 * the GitOps tree; the work is done by the library's `synth` command (src/cli/synth.ts).
 */
import { run } from '../src/cli/synth';

process.exitCode = run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
});
