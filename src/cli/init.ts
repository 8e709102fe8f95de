import { SIBLING_IGNORE_RULE } from '../output/write-lock';
import * as fs from 'fs';
import * as path from 'path';
import { CommandIo, ExitCode, guarded, parseOptions, usageError } from './io';

/** Help text of `init`. */
export const INIT_USAGE = `usage: cdk8s-vcluster-platform init

Scaffolds a GitOps repository in the current folder (empty or not): a commented fleet file
(vclusters.yaml), a cdk8s.yaml that runs this command, .gitignore entries, and CI that fails a
pull request whose committed dist/ is stale (GitHub Actions and GitLab CI). Never overwrites a
file: existing ones are skipped and named.

options:
  -h, --help   show this help

exit codes: 0 done (also when files were skipped), 2 bad options, 70 internal error (e.g. a folder that cannot be written)
`;

/** Where the JSON schema is once the package is installed, relative to the fleet file. */
const SCHEMA = './node_modules/cdk8s-vcluster-platform/schema/vclusters.schema.json';

/** The scaffolded fleet: synthesizes cleanly as is (a test checks it). */
export const INIT_FLEET = `# yaml-language-server: $schema=${SCHEMA}
#
# The fleet: the vCluster Platform, its access keys, and the vClusters connected to it.
#   npx cdk8s-vcluster-platform synth   writes dist/ from this file (commit both)
#   npx cdk8s-vcluster-platform plan    shows what a change here does to dist/
#   npx cdk8s-vcluster-platform check   fails when dist/ is stale (CI runs it)
platform:
  # The vCluster Platform the vClusters connect to: a host name, no scheme.
  host: platform.example.com

# Every vCluster below inherits these unless it says otherwise.
defaults:
  apiKey: shared
  # argocd (an Application per vCluster) or flux (a HelmRelease per vCluster).
  delivery: argocd

argocd:
  namespace: argocd
  project: default
  # Where this repository's generated tree is, as your root Argo CD Application syncs it: each
  # access key gets an Application of its own reading its folder from here, so a key that fails
  # holds back only its own vClusters. Change repoURL (and targetRevision) to this repository.
  repository:
    repoURL: https://git.example.com/platform/gitops.git
    targetRevision: main
    path: dist

apiKeys:
  # One access key for many vClusters, fetched from your secret store by External Secrets
  # Operator: git never holds key material. Other sources: sealed (npx cdk8s-vcluster-platform
  # seal --help) or an existing Secret.
  shared:
    namespace: vcluster-platform
    externalSecret:
      storeRef: { kind: ClusterSecretStore, name: vault }
      # A Vault KV entry holds several fields: name the one with the access key.
      remoteRef: { key: vcluster-platform/shared-access-key, property: accessKey }

vclusters:
  # Each vCluster: its name (also its namespace unless 'namespace' says otherwise) and the
  # vCluster chart version to deploy.
  - name: team-a
    chartVersion: "0.36.1"
`;

const CDK8S_YAML = `# \`cdk8s synth\` runs the installed command, which writes dist/ itself, atomically. The cdk8s CLI
# empties \`output\` before the app starts, so that folder is scratch (git-ignored), never dist/.
app: npx --no cdk8s-vcluster-platform synth
output: cdk8s.out
`;

/** What .gitignore needs: the writer's temp and old siblings of dist/ (src/output/writer.ts), cdk8s's scratch folder. */
// The writer's own siblings of the output folder (.dist.vcp-tmp-<pid>, .dist.vcp-old-<pid>, the lock):
// one rule, the same the writer documents, so an interrupted synth never gets committed.
export const GITIGNORE_ENTRIES = ['node_modules/', 'cdk8s.out/', SIBLING_IGNORE_RULE];

const GITHUB_WORKFLOW = `# Fails a pull request whose committed dist/ is not what vclusters.yaml gives.
name: vcluster-platform
on:
  pull_request:
  push:
    branches: [main]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      # Exit 1 and the list of stale files when someone forgot to synth; plan shows the objects.
      - run: npx --no cdk8s-vcluster-platform check || (npx --no cdk8s-vcluster-platform plan; exit 1)
`;

const GITLAB_CI = `# Fails a merge request whose committed dist/ is not what vclusters.yaml gives.
vcluster-platform-check:
  image: node:20
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - npm ci
    # Exit 1 and the list of stale files when someone forgot to synth; plan shows the objects.
    - npx --no cdk8s-vcluster-platform check || (npx --no cdk8s-vcluster-platform plan; exit 1)
`;

/** Every file init writes, relative to the folder. */
export const INIT_FILES: ReadonlyMap<string, string> = new Map([
  ['vclusters.yaml', INIT_FLEET],
  ['cdk8s.yaml', CDK8S_YAML],
  ['.gitignore', `${GITIGNORE_ENTRIES.join('\n')}\n`],
  ['.github/workflows/vcluster-platform.yml', GITHUB_WORKFLOW],
  ['.gitlab-ci.yml', GITLAB_CI],
]);

/** `init`: writes the scaffold's files that do not exist yet. */
export function init(argv: readonly string[], io: CommandIo): ExitCode {
  const parsed = parseOptions(argv, []);
  if (parsed.help) {
    io.stdout(INIT_USAGE);
    return ExitCode.OK;
  }
  if (parsed.problems.length > 0) return usageError('init', parsed.problems, io);
  return guarded('init', io, () => {
    const written: string[] = [];
    const skipped: string[] = [];
    for (const [rel, text] of INIT_FILES) {
      const abs = path.join(io.cwd, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      try {
        // 'wx' fails when the file exists, with no window between a check and the write.
        fs.writeFileSync(abs, text, { flag: 'wx' });
        written.push(rel);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        skipped.push(rel);
      }
    }
    for (const rel of written) io.stdout(`init: wrote ${rel}\n`);
    for (const rel of skipped) {
      let hint = '';
      if (rel === '.gitignore') {
        const lines = fs.readFileSync(path.join(io.cwd, rel), 'utf8').split(/\r?\n/);
        const missing = GITIGNORE_ENTRIES.filter((e) => !lines.includes(e));
        hint = missing.length > 0 ? `; add these lines to it: ${missing.join(' ')}` : ' (it has every entry)';
      } else if (rel === '.gitlab-ci.yml') {
        hint = '; add a job that runs `npx --no cdk8s-vcluster-platform check` on merge requests (or move the file aside and rerun init to see it)';
      }
      io.stderr(`init: skipped ${rel}: it exists and is left as it is${hint}\n`);
    }
    io.stdout(`init: next: npm install --save-exact cdk8s-vcluster-platform (if not yet), edit vclusters.yaml, then npx cdk8s-vcluster-platform synth and commit dist/\n`);
    return ExitCode.OK;
  });
}
