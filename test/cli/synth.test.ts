/**
 * End-to-end tests of the synth CLI (`node lib/charts/main.js`, what `npm run synth` runs): bad
 * input, hostile and huge input, output-folder safety, crashes in the middle of a write, and
 * secrets kept out of what the CLI prints.
 *
 * Every case of test/fixtures/invalid/ runs in-process through `run()` (a child process costs
 * ~0.4 s); a representative subset runs again as a real child process. Huge and hostile inputs
 * are generated here, at test time, never committed.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import nodeFs = require('fs');
import * as os from 'os';
import * as path from 'path';
import { generateFleetYaml } from '../../bench/fleet-generator';
import { run } from '../../src/cli/synth';
import { SealedSecretScope } from '../../src/sealing/scope';
import { sealValue } from '../../src/sealing/sealed-secrets';
import { processIdentity } from '../../src/output/write-lock';
import { sharedKeyFleet } from '../support/fleets';

const REPO = path.resolve(__dirname, '..', '..');
const MAIN = path.join(REPO, 'lib', 'charts', 'main.js');
const INVALID_REL = 'test/fixtures/invalid';
const INVALID = path.join(REPO, INVALID_REL);
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** Whether an unprivileged user (nobody) can load the compiled CLI from where this clone sits. */
function unprivilegedCanRun(): boolean {
  const r = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(MAIN)}, require('fs').constants.R_OK)`], { uid: 65534, gid: 65534 });
  return r.status === 0;
}
/**
 * Kills a child that hangs. Far above any plausible run on a loaded machine (and below jest's
 * testTimeout): tests assert exit codes and output, never speed.
 */
const HANG_GUARD_MS = 4 * 60_000;

let tmp: string;

beforeAll(() => {
  // lib/ is built once, before any test file runs (jest globalSetup); rebuilding here would race
  // other files' children loading lib/.
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test and jest's globalSetup do)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
  // Readable for the unprivileged user the "unreadable file" test runs the CLI as.
  fs.chmodSync(tmp, 0o755);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers.

/** A fresh folder under the test's temp folder. */
function freshDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** The environment a child gets: nothing inherited that could select a fleet or print debug output. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', CDK8S_CHECK_UPGRADE: 'false', ...extra };
}

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

interface ChildOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** SIGKILL after this many ms. @default HANG_GUARD_MS */
  readonly timeoutMs?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Feeds stdin; without it stdin is closed at once. */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** Runs the compiled CLI as a child process. */
function runCli(args: readonly string[], options: ChildOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: options.env ?? childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin!.on('error', () => undefined); // EPIPE when the child exits before reading it all
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? HANG_GUARD_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start, timedOut });
    });
    if (options.onSpawn) options.onSpawn(child);
    else child.stdin!.end();
  });
}

/** Runs the CLI in this process through `run()`. */
function runInProcess(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Outcome {
  let stdout = '';
  let stderr = '';
  const start = Date.now();
  const code = run(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: options.env ?? {},
    cwd: options.cwd ?? REPO,
  });
  return { code, signal: null, stdout, stderr, ms: Date.now() - start, timedOut: false };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** No stack trace, no Node internals: the CLI prints messages, not crashes. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain('node:internal');
  expect(text).not.toMatch(/^\w*Error: /m); // an uncaught error starts its line with `TypeError: ` etc.
  expect(text).not.toMatch(/\((?:\/|node:)[^)\n]*:\d+:\d+\)/); // `(file.js:10:5)` stack frames
}

/**
 * Every problem line of a fleet error names the file, and (unless it is about the whole file or
 * the "more problems" summary) the line and column.
 */
function expectProblemLines(stderr: string, display: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  const problems = lines.slice(1);
  expect(problems.length).toBeGreaterThanOrEqual(1);
  const escaped = display.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const line of problems) {
    const m = new RegExp(`^  - ${escaped}(:\\d+:\\d+)?: (.*)$`).exec(line);
    expect({ line, matches: m !== null }).toEqual({ line, matches: true });
    if (m && !/^\((?:file|more)\): /.test(m[2]!)) expect({ line, position: m[1] !== undefined }).toEqual({ line, position: true });
  }
}

/** A tree on disk: file contents, `dir` for folders, `-> target` for links; keyed by relative path. */
type Tree = Map<string, Buffer | string>;

function readTree(root: string): Tree {
  const tree: Tree = new Map();
  const walk = (abs: string, rel: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isSymbolicLink()) tree.set(childRel, `-> ${fs.readlinkSync(childAbs)}`);
      else if (entry.isDirectory()) {
        tree.set(`${childRel}/`, 'dir');
        walk(childAbs, childRel);
      } else tree.set(childRel, fs.readFileSync(childAbs));
    }
  };
  walk(root, '');
  return tree;
}

/** Paths that differ between two trees (at most 20), empty when they are byte-identical. */
function treeDiff(actual: Tree, expected: Tree): string[] {
  const diff: string[] = [];
  for (const [p, v] of expected) {
    const a = actual.get(p);
    if (a === undefined) diff.push(`missing ${p}`);
    else if (Buffer.isBuffer(v) ? !(Buffer.isBuffer(a) && a.equals(v)) : a !== v) diff.push(`changed ${p}`);
    if (diff.length >= 20) return diff;
  }
  for (const p of actual.keys()) {
    if (!expected.has(p)) diff.push(`extra ${p}`);
    if (diff.length >= 20) break;
  }
  return diff;
}

function expectSameTree(dir: string, expected: Tree): void {
  expect(treeDiff(readTree(dir), expected)).toEqual([]);
}

/** Entries beside `dir` that the writer makes (`.<base>.vcp-tmp-<pid>`, `.<base>.vcp-old-<pid>`, its lock), but not its record of what it wrote. */
function writerSiblings(dir: string): string[] {
  const base = path.basename(dir);
  return fs
    .readdirSync(path.dirname(dir))
    .filter((n) => n.startsWith(`.${base}.`) && n !== `.${base}.vcp-written`)
    .sort();
}

/**
 * Makes a named pipe at `file` and writes `data` into it once the CLI opens it; with `end` the
 * pipe is closed afterwards, otherwise it stays open (until the returned function is called).
 */
function feedPipe(file: string, data: Buffer, end: boolean): () => void {
  if (!fs.existsSync(file)) execFileSync('mkfifo', [file]);
  // The open waits (on libuv's thread pool, not this thread) until the reader opens the pipe.
  const stream = fs.createWriteStream(file);
  stream.on('error', () => undefined); // EPIPE when the reader goes away first
  if (end) stream.end(data);
  else stream.write(data);
  return () => stream.destroy();
}

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid as number;
}

/** Asserts `text` holds neither `secret` nor any 8-character piece of it. */
function expectNoPieceOf(text: string, secret: string, label: string): void {
  const found: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) found.push(secret.slice(i, i + 8));
  expect({ label, found }).toEqual({ label, found: [] });
}

/** A small PRNG (mulberry32), so a failing random kill point can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// The bad-input corpus.

const CASES = fs
  .readdirSync(INVALID)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function expectedSubstrings(name: string): string[] {
  return fs
    .readFileSync(path.join(INVALID, name.replace(/\.yaml$/, '.expected')), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** The child-process subset: YAML syntax, unknown fields, semantic rules, hostile names, file-level errors. */
const CHILD_CASES = [
  'yaml-unclosed-quote.yaml',
  'yaml-tab-indent.yaml',
  'yaml-multiple-documents.yaml',
  'yaml-alias-bomb.yaml',
  'yaml-alias-undefined.yaml',
  'unknown-field.yaml',
  'unknown-top-level-field.yaml',
  'many-problems.yaml',
  'duplicate-vcluster.yaml',
  'duplicate-flux-default-release.yaml',
  'sealed-for-other-namespace.yaml',
  'ca-file-missing.yaml',
  'plaintext-env-unset.yaml',
  'name-newline.yaml',
  'name-zero-width.yaml',
  'namespace-cyrillic.yaml',
  'proto-keys.yaml',
  'empty.yaml',
  'not-a-map.yaml',
].filter((c) => CASES.includes(c));

/** stderr less the one warning the generated benchmark fleet earns: it sets no argocd.repository. */
function withoutRepositoryWarning(stderr: string): string {
  return stderr.replace(/^warning: argocd\.repository is not set[^\n]*\n/, '');
}

/** Every keys/<id>/access-keys.yaml of a tree, concatenated (one folder per access key). */
function allKeyFiles(tree: string): string {
  const keys = path.join(tree, 'keys');
  return fs
    .readdirSync(keys)
    .sort()
    .map((id) => path.join(keys, id, 'access-keys.yaml'))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('');
}

describe('the bad-input corpus through the CLI', () => {
  let seeded: string;
  let seededTree: Tree;
  const childResults = new Map<string, Outcome>();

  beforeAll(async () => {
    // A pre-existing output folder from a successful synth of the shipped fleet.
    seeded = path.join(freshDir('seeded'), 'dist');
    const seed = runInProcess(['--fleet', 'vclusters.yaml', '--out', seeded]);
    expect(seed).toMatchObject({ code: 0, stderr: '' });
    seededTree = readTree(seeded);
    expect(seededTree.has('.generated-files')).toBe(true);

    // The child-process subset, two at a time (2 cores).
    const outcomes = await pool(CHILD_CASES, 2, (name) => runCli(['--fleet', `${INVALID_REL}/${name}`, '--out', seeded]));
    CHILD_CASES.forEach((name, i) => childResults.set(name, outcomes[i]!));
  });

  test('has the cases and a representative child-process subset', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(67);
    expect(CHILD_CASES.length).toBeGreaterThanOrEqual(10);
  });

  function expectRefused(name: string, outcome: Outcome): void {
    const display = `${INVALID_REL}/${name}`;
    expect(outcome.timedOut).toBe(false);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    for (const substring of expectedSubstrings(name)) expect(outcome.stderr).toContain(substring);
    expectProblemLines(outcome.stderr, display);
    expectNoStack(outcome.stderr);
    // Hostile characters (bidirectional overrides, zero-width, controls) reach the terminal escaped.
    expect(outcome.stderr.replace(/\n/g, '').match(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu) ?? []).toEqual([]);
    // Nothing written, nothing removed, nothing left beside it.
    expectSameTree(seeded, seededTree);
    expect(writerSiblings(seeded)).toEqual([]);
  }

  test.each(CASES)('fails %s', (name) => {
    expectRefused(name, runInProcess(['--fleet', `${INVALID_REL}/${name}`, '--out', seeded]));
  });

  test.each(CHILD_CASES)('fails %s (child process)', (name) => {
    expectRefused(name, childResults.get(name)!);
  });
});

// ---------------------------------------------------------------------------------------------
// Huge and hostile input, generated here.

describe('huge and hostile input (child processes with a time limit)', () => {
  let dir: string;
  let out: string;
  beforeAll(() => {
    dir = freshDir('hostile');
    out = path.join(dir, 'out');
  });
  afterEach(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  function write(name: string, text: string | Buffer): string {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  }

  /** Runs the CLI on `file` in `dir`, and checks the common expectations of a refusal. */
  async function refuse(file: string): Promise<Outcome> {
    const outcome = await runCli(['--fleet', file, '--out', 'out'], { cwd: dir });
    expect(outcome.timedOut).toBe(false);
    expect(outcome.signal).toBeNull();
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expectNoStack(outcome.stderr);
    expect(fs.existsSync(out)).toBe(false);
    return outcome;
  }

  test('fails a ~10 MB fleet file (one 10 MB value) quickly, with a short message', async () => {
    const file = write('ten-mb.yaml', sharedKeyFleet(1).replace('name: team-0', `name: ${'a'.repeat(10 * 1024 * 1024)}`));
    expect(fs.statSync(path.join(dir, file)).size).toBeGreaterThan(10 * 1024 * 1024);
    const o = await refuse(file);
    expect(o.stderr).toContain('ten-mb.yaml:13:11: vclusters[0].name: is too long: 10485760 characters, at most 63 allowed');
    expect(o.stderr.length).toBeLessThan(2000);
  });

  test('handles a ~10 MB fleet file that is mostly comments, and places an error at its real line', async () => {
    const padding = Array.from({ length: 140_000 }, (_, i) => `# padding ${i} ${'x'.repeat(60)}`).join('\n');
    const valid = sharedKeyFleet(2).replace('apiKeys:', `${padding}\napiKeys:`);
    expect(valid.length).toBeGreaterThan(10_000_000);
    write('padded.yaml', valid);
    const ok = await runCli(['--fleet', 'padded.yaml', '--out', 'out'], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stderr: '', timedOut: false });
    expect(ok.stdout).toBe('out/: 2 vClusters, 8 objects, 9 files (written)\n');
    fs.rmSync(out, { recursive: true });

    write('padded-bad.yaml', valid.replace('name: team-1', 'name: Team-1'));
    const o = await refuse('padded-bad.yaml');
    expect(o.stderr).toMatch(/padded-bad\.yaml:1400\d\d:11: vclusters\[1\]\.name: not a valid DNS-1123 label \(it contains upper-case letters\)/);
  });

  test('fails a fleet file over 16 MiB before reading it', async () => {
    const file = write('over.yaml', `#${'x'.repeat(16 * 1024 * 1024)}\n`);
    const o = await refuse(file);
    expect(o.stderr).toContain('over.yaml: (file): the file is 16777218 bytes; fleet files are limited to 16777216 bytes (16 MiB)');
  });

  test('fails a 100,000-vCluster fleet with a clear message', async () => {
    const file = write('hundred-k.yaml', sharedKeyFleet(100_000));
    const o = await refuse(file);
    expect(o.stderr).toContain('hundred-k.yaml:12:1: vclusters: declares 100000 vClusters; at most 50000 are supported in one fleet file');
    expect(o.stderr.split('\n').length).toBeLessThan(5);
  });

  test('fails a 100,000-vCluster fleet written in flow style (the full YAML parser) as well', async () => {
    const file = write(
      'hundred-k-flow.yaml',
      sharedKeyFleet(0).replace('vclusters:\n', `vclusters: [${Array.from({ length: 100_000 }, (_, i) => `{name: t-${i}}`).join(', ')}]\n`),
    );
    const o = await refuse(file);
    expect(o.stderr).toContain('hundred-k-flow.yaml:12:1: vclusters: declares 100000 vClusters');
  });

  test('fails a "billion laughs" alias bomb fast', async () => {
    const levels = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 15; i++) levels.push(`lol${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    const file = write('laughs.yaml', sharedKeyFleet(0).replace('vclusters:\n', `${levels.join('\n')}\nvclusters: *l14\n`));
    const o = await refuse(file);
    expect(o.stderr).toMatch(/laughs\.yaml:\d+:\d+: \(yaml\): YAML aliases expand to too much data/);
  });

  test('fails absurdly deep nesting without a stack overflow', async () => {
    const file = write('deep.yaml', `${sharedKeyFleet(0)}extra: ${'['.repeat(100_000)}\n`);
    const o = await refuse(file);
    expect(o.stderr).toContain('deep.yaml:13:107: (yaml): maps and lists are nested more than 100 levels deep here');
  });

  test('fails 3,000 levels of block nesting (4.5 MB) with the position and a plain message, not a crash (issue 11)', async () => {
    const file = write('deep-block.yaml', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x\n');
    const o = await refuse(file);
    expect(o.stderr).toBe(
      'error: invalid fleet file deep-block.yaml: 1 problem:\n  - deep-block.yaml:101:101: (yaml): maps and lists are nested more than 100 levels deep here; a fleet file needs fewer than 10, so this is refused (allowed: at most 100 levels of nesting)\n',
    );
  });

  test('fails a certificate authority file that is a FIFO without a writer, at once instead of hanging (issue 11)', async () => {
    execFileSync('mkfifo', [path.join(dir, 'ca.pipe')]);
    write('fifo-ca.yaml', sharedKeyFleet(1).replace('  host: platform.example.com', '  host: platform.example.com\n  certificateAuthorityFile: ca.pipe'));
    const o = await refuse('fifo-ca.yaml');
    expect(o.stderr).toContain(
      'fifo-ca.yaml:3:29: platform.certificateAuthorityFile: cannot read the certificate authority file (not a regular file but a device, pipe or socket); paths are relative to the fleet file\'s folder; got "ca.pipe"',
    );
  });

  test('__proto__ and constructor keys: refused as unknown fields, or used as plain key ids', async () => {
    const hostile = sharedKeyFleet(1)
      .replace('apiKeys:', '__proto__:\n  polluted: true\nconstructor:\n  prototype: { polluted: true }\napiKeys:')
      .replace('    namespace: ns-0', '    namespace: ns-0\n    __proto__: { namespace: kube-system }');
    write('proto.yaml', hostile);
    const o = await refuse('proto.yaml');
    expect(o.stderr).toContain("__proto__: unknown field '__proto__'");
    expect(o.stderr).toContain("constructor: unknown field 'constructor'");
    expect(o.stderr).toContain("vclusters[0].__proto__: unknown field '__proto__'");

    // `constructor` is a valid DNS label: as a key id it is just a name.
    write('constructor-key.yaml', sharedKeyFleet(1).replace(/shared/g, 'constructor'));
    const ok = await runCli(['--fleet', 'constructor-key.yaml', '--out', 'out'], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(path.join(out, 'vclusters/ns-0/team-0/vcluster.yaml'), 'utf8')).toContain('namespace: vcluster-platform');
    fs.rmSync(out, { recursive: true });
  });

  test.each([
    ['a line break (escaped)', 'name: "team-a\\nkind: ClusterRole"', 'control character U+000A'],
    ['a line break inside a single-quoted scalar', "name: 'team-a\n\n      evil: true'", 'control character U+000A'],
    ['a Cyrillic look-alike', 'name: tеam-a', 'non-ASCII character U+0435'],
    ['a zero-width space', 'name: team\u200b-a', 'non-ASCII character U+200B'],
    ['a zero-width joiner in the namespace', 'namespace: team\u200d-a', 'non-ASCII character U+200D'],
    ['a right-to-left override', 'name: team-\u202ea', 'non-ASCII character U+202E'],
    ['a NUL byte (escaped)', 'name: "team\\0a"', 'control character U+0000'],
  ])('fails a name with %s, explaining the character, one problem per line', async (what, field, explanation) => {
    const entry = field.startsWith('namespace') ? ['  - name: team-0', `    ${field}`] : [`  - ${field}`, '    namespace: ns-0'];
    const text = sharedKeyFleet(1, () => entry);
    const file = write(`odd-${what.replace(/\W+/g, '-')}.yaml`, text);
    const o = await refuse(file);
    expect(o.stderr).toContain(explanation);
    expectProblemLines(o.stderr, file);
    // The hostile value is JSON-quoted: a raw line break never starts a line of its own.
    expect(o.stderr).not.toMatch(/^kind: ClusterRole/m);
    expect(o.stderr).not.toMatch(/^\s*evil: true/m);
    expect(o.stderr).not.toContain('\u0000');
  });

  test('fails a fleet file that is a folder, missing, or unreadable, naming it', async () => {
    fs.mkdirSync(path.join(dir, 'a-folder.yaml'));
    let o = await refuse('a-folder.yaml');
    expect(o.stderr).toBe('error: cannot read fleet file a-folder.yaml: 1 problem:\n  - a-folder.yaml: (file): cannot read the fleet file (is a directory)\n');

    o = await refuse('no-such-fleet.yaml');
    expect(o.stderr).toContain('no-such-fleet.yaml: (file): cannot read the fleet file (no such file)');

    write('locked.yaml', fs.readFileSync(path.join(REPO, 'vclusters.yaml')));
    fs.chmodSync(path.join(dir, 'locked.yaml'), 0o000);
    if (!IS_ROOT || unprivilegedCanRun()) {
      // root reads any file: run the CLI as an unprivileged user then.
      const as = IS_ROOT ? { uid: 65534, gid: 65534 } : {};
      o = await runCli(['--fleet', 'locked.yaml', '--out', 'out'], { cwd: dir, ...as });
    } else {
      // The clone sits where an unprivileged user cannot reach lib/ (a 0700 temporary folder, say):
      // the same refusal in process, with the open failing as it does for that user.
      const realOpen = nodeFs.openSync;
      const spy = jest.spyOn(nodeFs, 'openSync').mockImplementation((file: fs.PathLike, ...rest: unknown[]) => {
        if (String(file).endsWith('locked.yaml')) throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES' });
        return (realOpen as (...a: unknown[]) => number)(file, ...rest);
      });
      try {
        o = { ...runInProcess(['--fleet', 'locked.yaml', '--out', 'out'], { cwd: dir }), timedOut: false, signal: null } as unknown as typeof o;
      } finally {
        spy.mockRestore();
      }
    }
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('locked.yaml: (file): cannot read the fleet file (permission denied)');
    expectNoStack(o.stderr);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('reads a fleet from a pipe (as `--fleet <(command)` gives), and refuses one over 16 MiB once it is read', async () => {
    const fleet = fs.readFileSync(path.join(REPO, 'vclusters.yaml'));
    let o = await runCli(['--fleet', 'fleet.pipe', '--out', 'out'], { cwd: dir, onSpawn: () => feedPipe(path.join(dir, 'fleet.pipe'), fleet, true) });
    expect(o).toMatchObject({ code: 0, stderr: '' });
    fs.rmSync(out, { recursive: true });

    const big = Buffer.alloc(17 * 1024 * 1024, '#');
    o = await runCli(['--fleet', 'big.pipe', '--out', 'out'], { cwd: dir, onSpawn: () => feedPipe(path.join(dir, 'big.pipe'), big, true) });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('fleet files are limited to 16777216 bytes (16 MiB)');
  });
});

describe('input that once made the CLI hang is refused in seconds', () => {
  // The three children run at the same time (each is stopped at its time limit), to keep the
  // suite's wall time down.
  const outcomes: Record<string, Promise<Outcome>> = {};
  let closePipe: (() => void) | undefined;

  beforeAll(() => {
    const dir = freshDir('hang');

    // stat().size is 0 for pipes and devices: the read itself must stop after 16 MiB + 1 byte.
    outcomes.pipe = runCli(['--fleet', 'endless.pipe', '--out', 'out'], {
      cwd: dir,
      onSpawn: () => (closePipe = feedPipe(path.join(dir, 'endless.pipe'), Buffer.alloc(20 * 1024 * 1024, '#'), false)),
    });

    // yaml's maxAliasCount counts alias uses, not what they stand for: this 6 KB file (a 300-key
    // map aliased 500 times, 150,000 problems) once took ~40 s; the expansion is now measured.
    const map = Array.from({ length: 300 }, (_, i) => `  k${i}: x`).join('\n');
    const amplified = `platform:\n  host: platform.example.com\napiKeys: {}\nbig: &m\n${map}\nvclusters:\n${Array.from({ length: 500 }, () => '  - *m').join('\n')}\n`;
    expect(amplified.length).toBeLessThan(8000);
    fs.writeFileSync(path.join(dir, 'amplified.yaml'), amplified);
    outcomes.amplified = runCli(['--fleet', 'amplified.yaml', '--out', 'out'], { cwd: dir });

    // 49,000 vClusters with 3 errors each (6.6 MB) once took ~30 s (ajv merges errors
    // quadratically); validation per vCluster stops collecting past the reported maximum.
    const allBad = sharedKeyFleet(49_000, (i) => [
      `  - name: Team-${i}`,
      `    namespace: ns-${i}`,
      '    replicas: three',
      '    delivery: argo',
      '    rbac: static',
      `    project: tenant-project-${i}`,
    ]);
    fs.writeFileSync(path.join(dir, 'all-bad.yaml'), allBad);
    outcomes.allBad = runCli(['--fleet', 'all-bad.yaml', '--out', 'out'], { cwd: dir });
  });

  afterAll(async () => {
    await Promise.all(Object.values(outcomes));
    closePipe?.();
  });

  test('refuses a pipe that sends more than 16 MiB and stays open, instead of reading forever', async () => {
    const o = await outcomes.pipe!;
    expect(o.timedOut).toBe(false);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('limited to 16777216 bytes');
  });

  test('refuses a small file whose aliases multiply one big map, in seconds', async () => {
    const o = await outcomes.amplified!;
    expect(o.timedOut).toBe(false);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('amplified.yaml:');
  });

  test('refuses a ~7 MB fleet with an error in every vCluster, without hanging (it once took ~30 s)', async () => {
    const o = await outcomes.allBad!;
    expect(o.timedOut).toBe(false);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('more problems not shown');
  });
});

// ---------------------------------------------------------------------------------------------
// Options, environment, exit codes.

describe('options and exit codes', () => {
  test('--help and -h print the usage and exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const o = await runCli([flag]);
      expect(o).toMatchObject({ code: 0, stderr: '' });
      expect(o.stdout).toMatch(/^usage: npm run synth/);
      expect(o.stdout).toContain('--fleet FILE');
    }
  });

  test('an unknown option exits 2, names it, prints the usage and writes nothing', async () => {
    const dir = freshDir('opts');
    const o = await runCli(['--fleet', path.join(REPO, 'vclusters.yaml'), '--out', 'out', '--frobnicate'], { cwd: dir });
    expect(o.code).toBe(2);
    expect(o.stdout).toBe('');
    expect(o.stderr).toContain('unknown option "--frobnicate"');
    expect(o.stderr).toContain('usage: npm run synth');
    expectNoStack(o.stderr);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test.each([
    [['--fleet'], 'option --fleet needs a value'],
    [['--out='], 'option --out needs a value'],
    [['--helm-chart', 'chart'], '--helm-chart needs --chart-version'],
    [['--chart-version', 'one'], '--chart-version: not a semantic version'],
  ])('bad option values exit 2: %j', (args, message) => {
    const o = runInProcess(args, { cwd: tmp });
    expect(o.code).toBe(2);
    expect(o.stderr).toContain(message);
  });

  test('VCLUSTER_FLEET selects the fleet file; --fleet wins over it', async () => {
    const dir = freshDir('env');
    fs.writeFileSync(path.join(dir, 'one.yaml'), sharedKeyFleet(1));
    fs.writeFileSync(path.join(dir, 'two.yaml'), sharedKeyFleet(2));
    let o = await runCli(['--out', 'out'], { cwd: dir, env: childEnv({ VCLUSTER_FLEET: 'two.yaml' }) });
    expect(o).toMatchObject({ code: 0, stderr: '', stdout: 'out/: 2 vClusters, 8 objects, 9 files (written)\n' });
    expect(fs.readFileSync(path.join(dir, 'out', 'README.md'), 'utf8')).toContain('Synthesized from `two.yaml`');

    o = runInProcess(['--fleet', 'one.yaml', '--out', 'out'], { cwd: dir, env: { VCLUSTER_FLEET: 'two.yaml' } });
    expect(o).toMatchObject({ code: 0, stdout: 'out/: 1 vClusters, 5 objects, 8 files (written)\n' });

    // A VCLUSTER_FLEET naming a missing file is an input error that names it.
    o = runInProcess(['--out', 'out'], { cwd: dir, env: { VCLUSTER_FLEET: 'three.yaml' } });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('three.yaml: (file): cannot read the fleet file (no such file)');
  });

  test('without --fleet or VCLUSTER_FLEET it reads vclusters.yaml of the working folder', () => {
    const dir = freshDir('default');
    const o = runInProcess(['--out', 'out'], { cwd: dir });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('vclusters.yaml: (file): cannot read the fleet file (no such file)');
  });

  test('an unexpected failure exits 70 with one line and no stack (the stack only with VCLUSTER_PLATFORM_DEBUG)', async () => {
    const dir = freshDir('seventy');
    fs.writeFileSync(path.join(dir, 'a-file'), 'not a folder\n');
    // The output's parent is a file: the file system refuses, which is not an input error.
    const o = await runCli(['--fleet', path.join(REPO, 'vclusters.yaml'), '--out', 'a-file/out'], { cwd: dir });
    expect(o.code).toBe(70);
    expect(o.stderr).toMatch(/^error: cannot write the output: a part of the path is a file, not a folder: fix the path \[ENOTDIR \(\w+ a-file\/out\)\]\n$/);
    expectNoStack(o.stderr);

    const debug = await runCli(['--fleet', path.join(REPO, 'vclusters.yaml'), '--out', 'a-file/out'], { cwd: dir, env: childEnv({ VCLUSTER_PLATFORM_DEBUG: '1' }) });
    expect(debug.code).toBe(70);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});

// ---------------------------------------------------------------------------------------------
// Output-folder safety.

describe('the output folder', () => {
  test('a foreign file in it makes synth refuse, name the file, and change nothing', async () => {
    const dir = freshDir('foreign');
    const out = path.join(dir, 'dist');
    expect(runInProcess(['--fleet', 'vclusters.yaml', '--out', out]).code).toBe(0);
    fs.writeFileSync(path.join(out, 'namespaces', 'my-notes.txt'), 'mine\n');
    fs.symlinkSync('../README.md', path.join(out, 'argocd', 'link.md'));
    const before = readTree(out);

    // A different fleet, so that the write would change the tree.
    const o = await runCli(['--fleet', 'test/fixtures/fleet/minimal.yaml', '--out', out]);
    expect(o.code).toBe(1);
    expect(o.stdout).toBe('');
    expect(o.stderr).toContain(`refusing to replace ${out}`);
    expect(o.stderr).toContain('namespaces/my-notes.txt: not listed in .generated-files, so not written by this tool');
    expect(o.stderr).toContain('argocd/link.md: a symbolic link');
    expectNoStack(o.stderr);
    expectSameTree(out, before);
    expect(writerSiblings(out)).toEqual([]);
  });

  test('a second identical synth reports "unchanged" and touches nothing', async () => {
    const dir = freshDir('same');
    const first = await runCli(['--fleet', 'vclusters.yaml', '--out', path.join(dir, 'dist')]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/\(written\)\n$/);
    const manifest = path.join(dir, 'dist', '.generated-files');
    const before = readTree(path.join(dir, 'dist'));
    const mtime = fs.statSync(manifest).mtimeMs;

    const second = await runCli(['--fleet', 'vclusters.yaml', '--out', path.join(dir, 'dist')]);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toBe(first.stdout.replace('(written)', '(unchanged)'));
    expectSameTree(path.join(dir, 'dist'), before);
    expect(fs.statSync(manifest).mtimeMs).toBe(mtime);
  });

  test('--out naming a file is refused as input', () => {
    const dir = freshDir('out-file');
    fs.writeFileSync(path.join(dir, 'dist'), 'x');
    const o = runInProcess(['--fleet', path.join(REPO, 'vclusters.yaml'), '--out', 'dist'], { cwd: dir });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('outDir: is not a folder');
    expect(fs.readFileSync(path.join(dir, 'dist'), 'utf8')).toBe('x');
  });

  test('a crash between the two renames (old tree aside, no output folder) is undone by the next run', () => {
    const dir = freshDir('renames');
    const out = path.join(dir, 'dist');
    expect(runInProcess(['--fleet', 'vclusters.yaml', '--out', out]).code).toBe(0);
    const old = readTree(out);
    // What a run killed between its two renames leaves: the old tree aside, a complete temp tree.
    const pid = deadPid();
    fs.renameSync(out, path.join(dir, `.dist.old-${pid}`));
    fs.mkdirSync(path.join(dir, `.dist.tmp-${pid}`));
    fs.writeFileSync(path.join(dir, `.dist.tmp-${pid}`, 'partial.yaml'), 'kind: Half\n');

    // The same fleet again: the restored tree is already right, so it is left unchanged.
    const o = runInProcess(['--fleet', 'vclusters.yaml', '--out', out]);
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/\(unchanged\)\n$/);
    expectSameTree(out, old);
    expect(writerSiblings(out)).toEqual([]);
  });

  test('while another live process writes the same folder, synth refuses and changes nothing', async () => {
    const dir = freshDir('live');
    const out = path.join(dir, 'dist');
    expect(runInProcess(['--fleet', 'vclusters.yaml', '--out', out]).code).toBe(0);
    const before = readTree(out);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      // The lock a writer in that process would hold.
      const identity = processIdentity(sleeper.pid as number)!;
      const busy = path.join(dir, '.dist.vcp-lock');
      fs.writeFileSync(busy, `pid=${identity.pid}\nstart=${identity.start}\nboot=${identity.boot}\n`);
      const o = runInProcess(['--fleet', 'test/fixtures/fleet/minimal.yaml', '--out', out]);
      expect(o.code).toBe(70);
      expect(o.stderr).toContain(`process ${sleeper.pid} is writing it`);
      expect(o.stderr.trimEnd().split('\n')).toHaveLength(1);
      expectSameTree(out, before);
      expect(fs.existsSync(busy)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('a kill while the old tree is removed', () => {
  // The kill can leave the old tree half removed, with emptied folders; the next run must finish
  // removing it (it is provably ours) instead of taking the empty folders for foreign entries.
  test('the next run still removes what is left of the old tree', () => {
    const dir = freshDir('emptied');
    const out = path.join(dir, 'dist');
    expect(runInProcess(['--fleet', 'vclusters.yaml', '--out', out]).code).toBe(0);
    const tree = readTree(out);
    // What the kill leaves: the new tree in place, the old one partly removed, one folder emptied.
    const old = path.join(dir, `.dist.old-${deadPid()}`);
    fs.cpSync(out, old, { recursive: true });
    fs.rmSync(path.join(old, 'argocd'), { recursive: true });
    fs.rmSync(path.join(old, 'vclusters', 'team-a', 'team-a', 'vcluster.yaml'));

    const o = runInProcess(['--fleet', 'vclusters.yaml', '--out', out]);
    expect(o.stderr).toBe('');
    expect(o.code).toBe(0);
    expectSameTree(out, tree);
    expect(writerSiblings(out)).toEqual([]);
  });
});

describe('SIGKILL while writing a 2,000-vCluster tree', () => {
  // Sized to fit the suite's budget on 2 cores (thousands of files still take many writes to
  // replace); the kill points are placed by the work (the writer's own folders appearing, or a
  // fraction of an uninterrupted run of this same fleet), never by a fixed clock. The time limits
  // only catch a hang.
  const SEED = Number(process.env.CLI_CRASH_SEED ?? Date.now() % 1_000_000);
  const random = prng(SEED);
  let dir: string;
  let out: string;
  let fleets: Record<'A' | 'B', string>;
  const trees: Partial<Record<'A' | 'B', Tree>> = {};
  /** How long one uninterrupted synth of this fleet took here: the span the 'time' kill point is drawn from. */
  let runMs = 1000;

  beforeAll(async () => {
    dir = freshDir('crash');
    out = path.join(dir, 'dist');
    const a = generateFleetYaml(REPO, { vclusters: 2_000 });
    // B changes every shared key's rotation token: many files change, so a write of B over A is a real rewrite.
    const b = a.replace(/rotation: "2026-11-01"/g, 'rotation: "2026-12-24"');
    expect(b).not.toBe(a);
    fs.writeFileSync(path.join(dir, 'a.yaml'), a);
    fs.writeFileSync(path.join(dir, 'b.yaml'), b);
    fleets = { A: 'a.yaml', B: 'b.yaml' };
    // A into the live folder, B into a reference folder, at the same time.
    const started = Date.now();
    const [ra, rb] = await Promise.all([runCli(['--fleet', 'a.yaml', '--out', 'dist'], { cwd: dir }), runCli(['--fleet', 'b.yaml', '--out', 'reference-b'], { cwd: dir })]);
    runMs = Math.max(200, Date.now() - started);
    expect([ra.code, rb.code, withoutRepositoryWarning(ra.stderr), withoutRepositoryWarning(rb.stderr)]).toEqual([0, 0, '', '']);
    trees.A = readTree(out);
    trees.B = readTree(path.join(dir, 'reference-b'));
    fs.rmSync(path.join(dir, 'reference-b'), { recursive: true });
    expect(trees.A.size).toBeGreaterThan(2_000);
    expect(treeDiff(trees.A, trees.B).length).toBeGreaterThan(0);
  });

  /** Which complete tree the output folder holds now, or fails. */
  function currentTree(context: string): 'A' | 'B' {
    if (!fs.existsSync(out)) {
      // Killed between the two renames: exactly one old tree aside, which the next run restores.
      const olds = writerSiblings(out).filter((n) => n.startsWith('.dist.vcp-old-'));
      expect({ context, olds: olds.length }).toEqual({ context, olds: 1 });
      const aside = readTree(path.join(dir, olds[0]!));
      const which = treeDiff(aside, trees.A!).length === 0 ? 'A' : 'B';
      expect({ context, asideIsComplete: treeDiff(aside, trees[which]!) }).toEqual({ context, asideIsComplete: [] });
      return which;
    }
    const now = readTree(out);
    const diffA = treeDiff(now, trees.A!);
    const diffB = treeDiff(now, trees.B!);
    // Either the whole old tree or the whole new tree: never a mix.
    expect({ context, wholeTree: diffA.length === 0 || diffB.length === 0, diffA, diffB }).toEqual({ context, wholeTree: true, diffA, diffB });
    return diffA.length === 0 ? 'A' : 'B';
  }

  /** Starts a synth of `target` and SIGKILLs it at `point`; returns a description for messages. */
  async function killDuring(target: 'A' | 'B', point: 'time' | 'write' | 'remove'): Promise<string> {
    const delay = point === 'time' ? Math.floor(random() * runMs) : point === 'write' ? Math.floor(random() * 700) : Math.floor(random() * 300);
    const context = `seed ${SEED}: kill at ${point} + ${delay} ms writing ${target}`;
    const child = spawn(process.execPath, [MAIN, '--fleet', fleets[target], '--out', 'dist'], { cwd: dir, env: childEnv(), stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const marker = point === 'write' ? `.dist.vcp-tmp-${child.pid}` : point === 'remove' ? `.dist.vcp-old-${child.pid}` : undefined;
    const killer = new Promise<void>((resolve) => {
      const kill = (): void => {
        child.kill('SIGKILL');
        resolve();
      };
      if (marker === undefined) {
        setTimeout(kill, delay);
        return;
      }
      const poll = setInterval(() => {
        if (fs.readdirSync(dir).includes(marker)) {
          clearInterval(poll);
          setTimeout(kill, delay);
        }
      }, 2);
      void exited.then(() => {
        clearInterval(poll);
        resolve();
      });
    });
    await killer;
    const how = await exited;
    return `${context} (${how === 'SIGKILL' ? 'killed' : `finished first: ${String(how)}`})`;
  }

  test('the folder always holds a whole tree, and the next run recovers', async () => {
    const log: string[] = [];
    let state = currentTree('start');
    expect(state).toBe('A');
    for (const point of ['time', 'write', 'remove'] as const) {
      const target = state === 'A' ? 'B' : 'A';
      const context = await killDuring(target, point);
      log.push(context);
      state = currentTree(context);
      // Leftovers are only the writer's own temp / old folders.
      for (const s of writerSiblings(out)) expect({ context, s }).toEqual({ context, s: expect.stringMatching(/^\.dist\.vcp-(tmp-\d+|old-\d+|lock)$/) });
    }
    // The next run finishes the job: the other tree, complete, and nothing left beside it.
    const target = state === 'A' ? 'B' : 'A';
    const o = await runCli(['--fleet', fleets[target], '--out', 'dist'], { cwd: dir });
    expect({ log, code: o.code, stderr: withoutRepositoryWarning(o.stderr) }).toEqual({ log, code: 0, stderr: '' });
    expect(o.stdout).toMatch(/2000 vClusters, \d+ objects, \d+ files \(written\)/);
    expect(treeDiff(readTree(out), trees[target]!)).toEqual([]);
    expect(writerSiblings(out)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets never reach stdout or stderr.

describe('no secret material in what the CLI prints', () => {
  // Fake keys with no English words in them, so that no 8-character piece of one can turn up in
  // a message by chance (e.g. "plaintex" would, in "plaintextFromEnv").
  const PLAINTEXT = 'FAKE-Pk7x-9f8e7d6c5b4a3928-QzWv';
  const SEALED_PLAINTEXT = 'FAKE-Sd4q-0a1b2c3d4e5f6071-YhXc';
  let dir: string;
  let sealed: string;

  beforeAll(() => {
    dir = freshDir('secrets');
    // A throwaway controller certificate made for this run (its private key is thrown away with the folder).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=cli-test'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    sealed = sealValue({
      certificate: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      namespace: 'payments',
      name: 'vcluster-platform-api-key',
      scope: SealedSecretScope.STRICT,
      plaintext: SEALED_PLAINTEXT,
    });
  });

  function fleet(options: { allowPlaintext?: boolean; sealedFor?: string; encrypted?: string; chartVersion?: string } = {}): string {
    return [
      'platform:',
      '  host: platform.example.com',
      'defaults:',
      `  chartVersion: "${options.chartVersion ?? '0.36.1'}"`,
      'apiKeys:',
      '  lab:',
      '    namespace: lab-keys',
      `    plaintextFromEnv: { variable: LAB_ACCESS_KEY${options.allowPlaintext === false ? '' : ', allowPlaintext: true'} }`,
      '  payments:',
      '    namespace: payments',
      '    instanceName: payments',
      '    sealed:',
      '      scope: strict',
      `      sealedFor: ${options.sealedFor ?? 'payments/vcluster-platform-api-key'}`,
      `      encryptedAccessKey: ${options.encrypted ?? sealed}`,
      'vclusters:',
      '  - name: lab',
      '    apiKey: lab',
      '  - name: payments',
      '    apiKey: payments',
      '',
    ].join('\n');
  }

  function expectClean(o: Outcome, label: string): void {
    const printed = o.stdout + o.stderr;
    expectNoPieceOf(printed, PLAINTEXT, `${label}: plaintext`);
    expect(printed).not.toContain(Buffer.from(PLAINTEXT).toString('base64'));
    expectNoPieceOf(printed, SEALED_PLAINTEXT, `${label}: sealed plaintext`);
    // A sealed value is not secret, but errors show a short prefix of it at most.
    for (let i = 0; i + 16 <= sealed.length; i += 4) expect({ label, piece: printed.includes(sealed.slice(i, i + 16)) }).toEqual({ label, piece: false });
    expectNoStack(o.stderr);
  }

  test('a valid fleet: the key reaches the output, never the terminal; the plaintext warning is printed', async () => {
    fs.writeFileSync(path.join(dir, 'ok.yaml'), fleet());
    const o = await runCli(['--fleet', 'ok.yaml', '--out', 'out'], { cwd: dir, env: childEnv({ LAB_ACCESS_KEY: PLAINTEXT }) });
    expect(o.code).toBe(0);
    expect(o.stderr).toBe(
      'warning: PlatformApiKey lab-keys/vcluster-platform-api-key: the access key is written in plaintext (base64) to the output; anyone who can read it can use the key. Prefer AccessKeySource.externalSecret or AccessKeySource.sealed.\n',
    );
    expectClean(o, 'valid');
    // Not a vacuous check: the key really went into the output (base64 in the Secret), and so did the seal.
    const keys = allKeyFiles(path.join(dir, 'out'));
    expect(keys).toContain(Buffer.from(PLAINTEXT).toString('base64'));
    expect(keys).toContain(sealed);
    expect(keys).not.toContain(PLAINTEXT);
  });

  test.each([
    ['the variable is not set', {}, undefined, 'environment variable LAB_ACCESS_KEY is not set'],
    ['the variable is empty', {}, '', 'environment variable LAB_ACCESS_KEY is empty'],
    ['allowPlaintext is missing', { allowPlaintext: false }, PLAINTEXT, "missing required field 'allowPlaintext'"],
    ['another problem while the key is set', { chartVersion: '0.1' }, PLAINTEXT, 'chartVersion: is not a semantic version'],
    ['the sealed value is sealed for another namespace', { sealedFor: 'billing/vcluster-platform-api-key' }, PLAINTEXT, 'needs "payments/vcluster-platform-api-key"'],
    ['the sealed value is cut short', { encrypted: 'SEALED-CUT' }, PLAINTEXT, 'sealed.encryptedAccessKey: is not'],
    ['the sealed value is damaged in the middle', { encrypted: 'DAMAGED' }, PLAINTEXT, 'is not base64 (character 301 is not a base64 character)'],
  ] as const)('refused when %s, without printing key material', async (label, options, value, message) => {
    const encrypted = 'encrypted' in options ? (options.encrypted === 'SEALED-CUT' ? sealed.slice(0, 300) : `${sealed.slice(0, 300)}!${sealed.slice(301)}`) : undefined;
    const file = `bad-${label.replace(/\W+/g, '-')}.yaml`;
    fs.writeFileSync(path.join(dir, file), fleet({ ...options, ...(encrypted !== undefined ? { encrypted } : {}) }));
    const o = await runCli(['--fleet', file, '--out', 'out-bad'], { cwd: dir, env: childEnv(value === undefined ? {} : { LAB_ACCESS_KEY: value }) });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain(message);
    expectClean(o, label);
    expect(fs.existsSync(path.join(dir, 'out-bad'))).toBe(false);
  });

  test('an unexpected failure (exit 70), even with the debug stack, prints no key material', async () => {
    fs.writeFileSync(path.join(dir, 'ok2.yaml'), fleet());
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file\n');
    for (const debug of [{}, { VCLUSTER_PLATFORM_DEBUG: '1' }] as Record<string, string>[]) {
      const o = await runCli(['--fleet', 'ok2.yaml', '--out', 'blocker/out'], { cwd: dir, env: childEnv({ LAB_ACCESS_KEY: PLAINTEXT, ...debug }) });
      expect(o.code).toBe(70);
      const printed = o.stdout + o.stderr;
      expectNoPieceOf(printed, PLAINTEXT, 'exit 70');
      expect(printed).not.toContain(sealed.slice(0, 40));
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('objects that would collide or be invalid in the output are refused or kept apart', () => {
  // The chart's rule (first 63 characters, then ONE trailing '-' removed) leaves a name ending in
  // '-' when the cut falls on a '--'; the API server would reject the Role and RoleBinding.
  test('a vCluster whose chart RBAC name would end in "-" is refused', () => {
    const dir = freshDir('rbac-dash');
    const namespace = `${'a'.repeat(52)}--b`; // the 63-character cut of vc-web-v-<namespace>-platform-role ends in '--'
    fs.writeFileSync(
      path.join(dir, 'f.yaml'),
      sharedKeyFleet(1, () => ['  - name: web', `    namespace: ${namespace}`]),
    );
    const o = runInProcess(['--fleet', 'f.yaml', '--out', 'out'], { cwd: dir });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('f.yaml:');
    expect(o.stderr).toContain('vclusters[0].namespace');
    expect(o.stderr).toContain("ends in '-'");
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  // Release + namespace agreeing in the first 63 characters give two vClusters one Role and
  // RoleBinding in the key's namespace: the last apply wins and the other vCluster loses its key.
  test('two vClusters whose chart RBAC names collide are refused', () => {
    const dir = freshDir('rbac-collision');
    const release = 'analytics-warehouse-ingest-pipeline-eu-west-1-prod'; // 50 characters
    fs.writeFileSync(
      path.join(dir, 'f.yaml'),
      sharedKeyFleet(2, (i) => [`  - name: app-${i}`, `    namespace: tenant-analytics-${i}`, `    release: ${release}`]),
    );
    const o = runInProcess(['--fleet', 'f.yaml', '--out', 'out'], { cwd: dir });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('vclusters[1].release');
    expect(o.stderr).toContain('are already those of vclusters[0]');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  // A ClusterExternalSecret is cluster-scoped: two fanned-out keys with the default secretName
  // must still get two names, or the second would overwrite the first on apply.
  test('two fanned-out keys never emit two ClusterExternalSecrets of one name', () => {
    const dir = freshDir('ces-collision');
    const key = (id: string): string[] => [
      `  ${id}:`,
      `    namespace: keys-${id}`,
      '    fanOut: clusterExternalSecret',
      '    externalSecret:',
      '      storeRef: { name: vault }',
      `      remoteRef: { key: platform/${id} }`,
    ];
    const text = [
      'platform:',
      '  host: platform.example.com',
      'defaults:',
      '  chartVersion: "0.36.1"',
      'apiKeys:',
      ...key('team-a'),
      ...key('team-b'),
      'vclusters:',
      '  - name: one',
      '    apiKey: team-a',
      '  - name: two',
      '    apiKey: team-b',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'f.yaml'), text);
    const o = runInProcess(['--fleet', 'f.yaml', '--out', 'out'], { cwd: dir });
    expect(o.stderr).toBe('');
    expect(o.code).toBe(0);
    const keys = allKeyFiles(path.join(dir, 'out'));
    const names = [...keys.matchAll(/^kind: ClusterExternalSecret\nmetadata:\n(?: {2}.*\n)*? {2}name: (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual(['keys-team-a.vcluster-platform-api-key', 'keys-team-b.vcluster-platform-api-key']);
    // Each still creates the Secret under the name the vCluster values point at.
    expect(keys.match(/externalSecretName: vcluster-platform-api-key$/gm)).toHaveLength(2);
  });
});
