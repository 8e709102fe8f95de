import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTreeWithLinks } from '../support/tree';
import { ValidationError } from '../../src/errors';
import { ConcurrentWriteError, DEFAULT_MANIFEST_NAME, MANIFEST_HEADER, writeTreeAtomically } from '../../src/output/writer';
import { processIdentity } from '../../src/output/write-lock';
// The real module object (not an import-star copy), so a test can make one call of it fail.
import nodeFs = require('fs');
import { validationErrorOf } from '../support/errors';

const ROOT = path.resolve(__dirname, '..', '..');

let tmp: string;
let outDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'output-writer-'));
  outDir = path.join(tmp, 'out');
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every entry under `dir` by relative path: file contents, `-> target` for links, `/` for empty folders. */
function readTree(dir: string): Record<string, string> {
  return readTreeWithLinks(dir, { emptyFolders: true });
}

/** Names beside `out` in the temp folder, other than `out` itself and the record of what was written: temp and old trees, locks. */
function siblings(): string[] {
  return fs
    .readdirSync(tmp)
    .filter((name) => name !== 'out' && !name.endsWith('.vcp-written'))
    .sort();
}

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

const V1 = new Map([
  ['team-a/secret.yaml', 'kind: Secret\nname: a\n'],
  ['team-a/values.yaml', 'platform:\n  apiKey: {}\n'],
  ['team-b/secret.yaml', 'kind: Secret\nname: b\n'],
  ['kustomization.yaml', 'resources: []\n'],
]);

const V2 = new Map([
  ['team-a/secret.yaml', 'kind: Secret\nname: a\nrev: 2\n'],
  ['team-c/nested/deep/app.yaml', 'kind: Application\n'],
  ['kustomization.yaml', 'resources: []\n'],
]);

function manifestFor(paths: Iterable<string>, name = DEFAULT_MANIFEST_NAME): string {
  return `${MANIFEST_HEADER}\n${[...paths, name].sort().join('\n')}\n`;
}

describe('writeTreeAtomically: writing', () => {
  test('first write creates the tree and a manifest listing every file, itself included', () => {
    const result = writeTreeAtomically(outDir, V1);
    const bytes = [...V1.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    expect(result).toEqual({ changed: true, files: 4, bytes });
    const tree = readTree(outDir);
    expect(tree).toMatchSnapshot();
    expect(tree[DEFAULT_MANIFEST_NAME]).toBe(manifestFor(V1.keys()));
    expect(tree[DEFAULT_MANIFEST_NAME].split('\n').slice(1, -1)).toEqual([
      '.generated-files',
      'kustomization.yaml',
      'team-a/secret.yaml',
      'team-a/values.yaml',
      'team-b/secret.yaml',
    ]);
    for (const [rel, text] of V1) expect(tree[rel]).toBe(text);
    expect(siblings()).toEqual([]);
  });

  test('creates missing parent folders and accepts an empty folder; counts UTF-8 bytes', () => {
    fs.mkdirSync(outDir);
    expect(writeTreeAtomically(outDir, new Map([['a.yaml', 'é\n']]))).toEqual({ changed: true, files: 1, bytes: 3 });
    const deeper = path.join(tmp, 'x', 'y', 'out');
    writeTreeAtomically(deeper, new Map([['./a/./b.yaml', '1\n']]));
    expect(readTree(deeper)).toEqual({ 'a/b.yaml': '1\n', [DEFAULT_MANIFEST_NAME]: manifestFor(['a/b.yaml']) });
  });

  test('an empty file map writes just the manifest', () => {
    expect(writeTreeAtomically(outDir, new Map())).toEqual({ changed: true, files: 0, bytes: 0 });
    expect(readTree(outDir)).toEqual({ [DEFAULT_MANIFEST_NAME]: manifestFor([]) });
  });

  test('a rewrite replaces content and removes files (and folders) that are no longer produced', () => {
    writeTreeAtomically(outDir, V1);
    const result = writeTreeAtomically(outDir, V2);
    expect(result.changed).toBe(true);
    expect(readTree(outDir)).toEqual({ ...Object.fromEntries(V2), [DEFAULT_MANIFEST_NAME]: manifestFor(V2.keys()) });
    expect(fs.existsSync(path.join(outDir, 'team-b'))).toBe(false);
    expect(siblings()).toEqual([]);
  });

  test('unchanged output reports changed: false and touches nothing', () => {
    writeTreeAtomically(outDir, V1);
    const past = new Date('2020-01-01T00:00:00Z');
    for (const rel of [...V1.keys(), DEFAULT_MANIFEST_NAME]) fs.utimesSync(path.join(outDir, rel), past, past);
    const inode = fs.statSync(outDir).ino;

    const result = writeTreeAtomically(outDir, new Map(V1));
    expect(result).toEqual({ changed: false, files: 4, bytes: [...V1.values()].join('').length });
    for (const rel of [...V1.keys(), DEFAULT_MANIFEST_NAME]) {
      expect(fs.statSync(path.join(outDir, rel)).mtime.getTime()).toBe(past.getTime());
    }
    expect(fs.statSync(outDir).ino).toBe(inode);
    expect(siblings()).toEqual([]);
  });

  test.each([
    ['one byte differs', new Map([...V1, ['kustomization.yaml', 'resources: [] \n']])],
    ['a file fewer', new Map([...V1].slice(1))],
    ['a file more', new Map([...V1, ['extra.yaml', 'x\n']])],
  ])('any difference (%s) rewrites the tree', (_name, next) => {
    writeTreeAtomically(outDir, V1);
    expect(writeTreeAtomically(outDir, next).changed).toBe(true);
    expect(readTree(outDir)).toEqual({ ...Object.fromEntries(next), [DEFAULT_MANIFEST_NAME]: manifestFor(next.keys()) });
  });

  test('a custom manifest name, even in a subfolder', () => {
    const options = { manifestName: 'meta/owned.txt' };
    writeTreeAtomically(outDir, V1, options);
    expect(readTree(outDir)['meta/owned.txt']).toBe(manifestFor(V1.keys(), 'meta/owned.txt'));
    expect(writeTreeAtomically(outDir, V1, options).changed).toBe(false);
    expect(writeTreeAtomically(outDir, V2, options).changed).toBe(true);
    expect(Object.keys(readTree(outDir)).sort()).toEqual([...V2.keys(), 'meta/owned.txt'].sort());
    // The default-named manifest is not there, so with the default name every file is foreign.
    expect(() => writeTreeAtomically(outDir, V2)).toThrow(ValidationError);
  });
});

describe('writeTreeAtomically: ownership', () => {
  test('fails with a foreign file, listing every foreign entry sorted, and changes nothing', () => {
    writeTreeAtomically(outDir, V1);
    fs.writeFileSync(path.join(outDir, 'team-a', 'notes.md'), 'mine\n');
    fs.writeFileSync(path.join(outDir, 'README.md'), 'mine\n');
    fs.mkdirSync(path.join(outDir, 'empty'));
    // A symlink counts as foreign even when the manifest lists it.
    fs.rmSync(path.join(outDir, 'team-b', 'secret.yaml'));
    fs.symlinkSync('/etc/hostname', path.join(outDir, 'team-b', 'secret.yaml'));
    const before = readTree(outDir);

    const error = validationErrorOf(() => writeTreeAtomically(outDir, V2));
    expect(error.problems.map((p) => p.path)).toEqual(['README.md', 'empty/', 'team-a/notes.md', 'team-b/secret.yaml']);
    expect(error.message.split(tmp).join('<tmp>')).toMatchSnapshot();
    expect(error.problems[0].message).toContain('not listed in .generated-files');
    expect(error.problems[1].message).toContain('an empty folder');
    expect(error.problems[3].message).toContain('a symbolic link');
    expect(readTree(outDir)).toEqual(before);
    expect(siblings()).toEqual([]);
  });

  test('fails on a folder the tool never wrote (no manifest) and lists all of it', () => {
    fs.mkdirSync(path.join(outDir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(outDir, 'src', 'main.ts'), 'x');
    fs.writeFileSync(path.join(outDir, 'package.json'), '{}');
    const before = readTree(outDir);
    const error = validationErrorOf(() => writeTreeAtomically(outDir, V1));
    expect(error.problems.map((p) => p.path)).toEqual(['package.json', 'src/main.ts']);
    expect(readTree(outDir)).toEqual(before);
    expect(siblings()).toEqual([]);
  });

  test('fails when the manifest does not list itself (not ours), or lists fewer files than exist', () => {
    writeTreeAtomically(outDir, V1);
    const manifest = path.join(outDir, DEFAULT_MANIFEST_NAME);
    const text = fs.readFileSync(manifest, 'utf8');
    fs.writeFileSync(manifest, text.replace('team-b/secret.yaml\n', ''));
    // Without the record of the last run, nothing vouches for an unlisted file (see "recognises" below).
    fs.rmSync(path.join(tmp, '.out.vcp-written'));
    expect(validationErrorOf(() => writeTreeAtomically(outDir, V1)).problems.map((p) => p.path)).toEqual(['team-b/secret.yaml']);
    fs.writeFileSync(manifest, text.replace('.generated-files\n', ''));
    expect(validationErrorOf(() => writeTreeAtomically(outDir, V1)).problems.map((p) => p.path)).toEqual([
      '.generated-files',
      'kustomization.yaml',
      'team-a/secret.yaml',
      'team-a/values.yaml',
      'team-b/secret.yaml',
    ]);
  });

  test('a manifest whose line ends were turned into CRLF still vouches for its files', () => {
    writeTreeAtomically(outDir, V1);
    const manifest = path.join(outDir, DEFAULT_MANIFEST_NAME);
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/\n/g, '\r\n'));
    expect(writeTreeAtomically(outDir, V1).changed).toBe(true);
    expect(fs.readFileSync(manifest, 'utf8')).toBe(manifestFor(V1.keys()));
  });

  test('files listed in the manifest but already deleted by hand are fine', () => {
    writeTreeAtomically(outDir, V1);
    fs.rmSync(path.join(outDir, 'team-b'), { recursive: true });
    expect(writeTreeAtomically(outDir, V1).changed).toBe(true);
    expect(readTree(outDir)['team-b/secret.yaml']).toBe(V1.get('team-b/secret.yaml'));
  });

  test.each([
    ['a file', (p: string) => fs.writeFileSync(p, 'x'), /outDir: is not a folder/],
    ['a symlink', (p: string) => fs.symlinkSync(tmp, p), /outDir: is a symbolic link/],
  ])('fails when outDir is %s', (_name, make, message) => {
    make(outDir);
    expect(() => writeTreeAtomically(outDir, V1)).toThrow(message);
    expect(siblings()).toEqual([]);
  });
});

describe('writeTreeAtomically: bad relative paths', () => {
  test('fails on every bad path at once and creates nothing', () => {
    const files = new Map([
      ['/etc/passwd', 'x'],
      ['../escape.yaml', 'x'],
      ['a/../../b.yaml', 'x'],
      ['a//b.yaml', 'x'],
      ['dir/', 'x'],
      ['', 'x'],
      ['win\\path.yaml', 'x'],
      ['line\nbreak.yaml', 'x'],
      ['.', 'x'],
      ['ok/one.yaml', 'x'],
      ['./ok/one.yaml', 'x'],
      ['ok', 'x'],
      ['.generated-files', 'x'],
    ]);
    const error = validationErrorOf(() => writeTreeAtomically(outDir, files));
    expect(error.problems.map((p) => [p.path, p.message])).toEqual([
      ['files["/etc/passwd"]', 'is absolute'],
      ['files["../escape.yaml"]', 'contains ".."'],
      ['files["a/../../b.yaml"]', 'contains ".."'],
      ['files["a//b.yaml"]', 'has an empty segment (a trailing or doubled "/")'],
      ['files["dir/"]', 'has an empty segment (a trailing or doubled "/")'],
      ['files[""]', 'is empty'],
      ['files["win\\\\path.yaml"]', 'contains a backslash'],
      ['files["line\\nbreak.yaml"]', 'contains a control character'],
      ['files["."]', 'names the output folder itself'],
      ['files["./ok/one.yaml"]', 'names the same file as "ok/one.yaml"'],
      ['files[".generated-files"]', 'is the ownership manifest, which this function writes itself'],
      ['files["ok"]', 'is a file but also the folder of other files'],
    ]);
    expect(error.message.split(tmp).join('<tmp>')).toMatchSnapshot();
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test.each([
    [{ manifestName: '../outside' }, /options\.manifestName: contains "\.\."/],
    [{ manifestName: '' }, /options\.manifestName: is empty/],
  ])('fails on a bad manifest name %p', (options, message) => {
    expect(() => writeTreeAtomically(outDir, V1, options)).toThrow(message);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('fails on the filesystem root as outDir', () => {
    expect(() => writeTreeAtomically('/', V1)).toThrow(/outDir: must not be the filesystem root/);
  });
});

describe('writeTreeAtomically: crashes and recovery', () => {
  test('recovers from a crash between the two renames (old tree aside, no outDir)', () => {
    writeTreeAtomically(outDir, V1);
    const pid = deadPid();
    fs.renameSync(outDir, path.join(tmp, `.out.old-${pid}`));
    // The complete new tree the crashed run had written is left too; it is discarded.
    fs.mkdirSync(path.join(tmp, `.out.tmp-${pid}`));
    fs.writeFileSync(path.join(tmp, `.out.tmp-${pid}`, 'half.yaml'), 'x');

    expect(writeTreeAtomically(outDir, V1).changed).toBe(false);
    expect(readTree(outDir)).toEqual({ ...Object.fromEntries(V1), [DEFAULT_MANIFEST_NAME]: manifestFor(V1.keys()) });
    expect(siblings()).toEqual([]);
  });

  test('fails after recovery when the restored tree holds a foreign file, and keeps it in place', () => {
    writeTreeAtomically(outDir, V1);
    fs.writeFileSync(path.join(outDir, 'mine.txt'), 'x');
    fs.renameSync(outDir, path.join(tmp, `.out.old-${deadPid()}`));
    const error = validationErrorOf(() => writeTreeAtomically(outDir, V2));
    expect(error.problems.map((p) => p.path)).toEqual(['mine.txt']);
    expect(readTree(outDir)['mine.txt']).toBe('x');
    expect(siblings()).toEqual([]);
  });

  test('fails when outDir is missing and several old trees are left', () => {
    writeTreeAtomically(outDir, V1);
    fs.cpSync(outDir, path.join(tmp, `.out.old-${deadPid()}`), { recursive: true });
    fs.renameSync(outDir, path.join(tmp, `.out.old-${deadPid()}`));
    // A partly removed old tree of ours (here: all but the folder itself) is never one to restore, so it does not count.
    const partial = path.join(tmp, `.out.old-${deadPid()}`);
    fs.mkdirSync(partial);
    const error = validationErrorOf(() => writeTreeAtomically(outDir, V1));
    expect(error.message).toMatch(/several earlier trees were left by interrupted runs/);
    expect(error.problems).toHaveLength(2);
    expect(error.problems.map((p) => p.path)).not.toContain(partial);
    expect(siblings()).toHaveLength(3);
  });

  test('removes stale temp folders of dead processes and of this pid, even when the output is unchanged', () => {
    writeTreeAtomically(outDir, V1);
    for (const pid of [deadPid(), process.pid]) {
      fs.mkdirSync(path.join(tmp, `.out.tmp-${pid}`, 'team-a'), { recursive: true });
      fs.writeFileSync(path.join(tmp, `.out.tmp-${pid}`, 'team-a', 'secret.yaml'), 'partial');
    }
    // Someone else's folders with a similar name are left alone.
    fs.mkdirSync(path.join(tmp, '.out.tmp-notapid'));
    fs.mkdirSync(path.join(tmp, '.other.tmp-1'));
    expect(writeTreeAtomically(outDir, V1).changed).toBe(false);
    expect(siblings()).toEqual(['.other.tmp-1', '.out.tmp-notapid']);
  });

  test('removes a stale old tree of a dead process once it is checked to be ours', () => {
    writeTreeAtomically(outDir, V1);
    const old = path.join(tmp, `.out.old-${deadPid()}`);
    fs.cpSync(outDir, old, { recursive: true });
    writeTreeAtomically(outDir, V2);
    expect(siblings()).toEqual([]);

    // A folder named like an old tree but holding foreign files is never deleted.
    fs.mkdirSync(old);
    fs.writeFileSync(path.join(old, 'precious.txt'), 'x');
    const error = validationErrorOf(() => writeTreeAtomically(outDir, V1));
    expect(error.problems).toEqual([expect.objectContaining({ path: 'precious.txt' })]);
    expect(error.message).toContain(`refusing to replace ${old}`);
    expect(fs.readFileSync(path.join(old, 'precious.txt'), 'utf8')).toBe('x');
  });

  test('fails while another live process holds the lock, and changes nothing', async () => {
    writeTreeAtomically(outDir, V1);
    const before = readTree(outDir);
    // A live process other than us, with the lock content a writer of that process would write.
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const identity = processIdentity(holder.pid as number)!;
      const lock = path.join(tmp, '.out.vcp-lock');
      fs.writeFileSync(lock, `pid=${identity.pid}\nstart=${identity.start}\nboot=${identity.boot}\n`);
      expect(() => writeTreeAtomically(outDir, V2)).toThrow(ConcurrentWriteError);
      expect(() => writeTreeAtomically(outDir, V2)).toThrow(`process ${holder.pid} is writing it`);
      expect(readTree(outDir)).toEqual(before);
      expect(fs.existsSync(lock)).toBe(true);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('a leftover temp folder or lock whose pid now belongs to an unrelated live process does not block', () => {
    writeTreeAtomically(outDir, V1);
    // The parent of this test process is alive, is not us, and never wrote here: a reused pid.
    fs.mkdirSync(path.join(tmp, `.out.vcp-tmp-${process.ppid}`));
    fs.mkdirSync(path.join(tmp, `.out.tmp-${process.ppid}`));
    fs.writeFileSync(path.join(tmp, '.out.vcp-lock'), `pid=${process.ppid}\nstart=1\nboot=not-this-boot\n`);
    expect(writeTreeAtomically(outDir, V2).changed).toBe(true);
    expect(readTree(outDir)).toEqual({ ...Object.fromEntries(V2), [DEFAULT_MANIFEST_NAME]: manifestFor(V2.keys()) });
    expect(siblings()).toEqual([]);
  });

  test('an error in the middle of writing removes the temp folder and leaves the old tree whole', () => {
    writeTreeAtomically(outDir, V1);
    const before = readTree(outDir);
    const realWrite = nodeFs.writeFileSync;
    let calls = 0;
    jest.spyOn(nodeFs, 'writeFileSync').mockImplementation((...args: Parameters<typeof realWrite>) => {
      calls += 1;
      if (calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      realWrite(...args);
    });
    expect(() => writeTreeAtomically(outDir, V2)).toThrow('ENOSPC');
    expect(calls).toBe(2);
    expect(readTree(outDir)).toEqual(before);
    expect(siblings()).toEqual([]);
  });
});

describe('writeTreeAtomically: an old tree whose removal was cut short', () => {
  /**
   * A copy of a tree written with V1 as `.out.old-<dead pid>`, with `remove` (relative paths,
   * each a file or a whole folder) already deleted: what a kill while removing it leaves.
   */
  function partlyRemovedOldTree(remove: string[], files: ReadonlyMap<string, string> = V1, manifestName?: string): string {
    const source = path.join(tmp, 'source');
    writeTreeAtomically(source, files, { manifestName });
    const old = path.join(tmp, `.out.old-${deadPid()}`);
    fs.renameSync(source, old);
    for (const rel of remove) fs.rmSync(path.join(old, rel), { recursive: true });
    return old;
  }

  const EXPECTED_V2 = { ...Object.fromEntries(V2), [DEFAULT_MANIFEST_NAME]: manifestFor(V2.keys()) };

  test.each([
    ['one folder emptied', ['team-a/secret.yaml', 'team-a/values.yaml']],
    ['some files left, two folders emptied', ['team-a/secret.yaml', 'team-a/values.yaml', 'team-b/secret.yaml']],
    ['all files gone, folders emptied, only the manifest left', ['kustomization.yaml', 'team-a/secret.yaml', 'team-a/values.yaml', 'team-b/secret.yaml']],
    ['only the manifest left', ['kustomization.yaml', 'team-a', 'team-b']],
    ['the manifest gone too, an empty folder left', ['kustomization.yaml', 'team-a', 'team-b', DEFAULT_MANIFEST_NAME]],
  ])('the next run finishes removing it (%s)', (_name, remove) => {
    writeTreeAtomically(outDir, V1);
    partlyRemovedOldTree(remove);
    expect(writeTreeAtomically(outDir, V2).changed).toBe(true);
    expect(readTree(outDir)).toEqual(EXPECTED_V2);
    expect(siblings()).toEqual([]);
  });

  test('the next run finishes removing it even when the output is unchanged', () => {
    writeTreeAtomically(outDir, V1);
    const old = partlyRemovedOldTree(['team-b/secret.yaml']);
    expect(readTree(old)['team-b/']).toBe('');
    expect(writeTreeAtomically(outDir, V1).changed).toBe(false);
    expect(siblings()).toEqual([]);
  });

  test('with a manifest in a subfolder, the emptied manifest folder is ours too', () => {
    const options = { manifestName: 'meta/owned.txt' };
    const files = new Map([...V1, ['meta/info.yaml', 'x\n']]);
    writeTreeAtomically(outDir, files, options);
    // Files, folders and the manifest gone; the manifest's folder is what is left.
    partlyRemovedOldTree(['kustomization.yaml', 'team-a', 'team-b', 'meta/info.yaml', 'meta/owned.txt'], files, 'meta/owned.txt');
    expect(writeTreeAtomically(outDir, files, options).changed).toBe(false);
    expect(siblings()).toEqual([]);
  });

  test('fails on a foreign file in a partly removed old tree, names it and deletes nothing', () => {
    writeTreeAtomically(outDir, V1);
    const old = partlyRemovedOldTree(['team-a/secret.yaml', 'team-a/values.yaml']);
    fs.writeFileSync(path.join(old, 'team-b', 'notes.md'), 'mine\n');
    const before = readTree(old);
    const outBefore = readTree(outDir);

    const error = validationErrorOf(() => writeTreeAtomically(outDir, V2));
    expect(error.message).toContain(`refusing to replace ${old}`);
    // The emptied folder is ours and not named; the foreign file is.
    expect(error.problems.map((p) => [p.path, p.message])).toEqual([['team-b/notes.md', expect.stringContaining('not listed in .generated-files')]]);
    expect(readTree(old)).toEqual(before);
    expect(readTree(outDir)).toEqual(outBefore);
  });

  test('fails when the manifest is gone but files are left, since nothing vouches for them', () => {
    writeTreeAtomically(outDir, V1);
    const old = partlyRemovedOldTree(['team-a', DEFAULT_MANIFEST_NAME]);
    const before = readTree(old);
    const error = validationErrorOf(() => writeTreeAtomically(outDir, V2));
    expect(error.problems.map((p) => p.path)).toEqual(['kustomization.yaml', 'team-b/secret.yaml']);
    expect(readTree(old)).toEqual(before);
  });

  test('fails on empty folders, symlinks and a foreign manifest in an old tree that no listed path explains', () => {
    writeTreeAtomically(outDir, V1);
    const old = partlyRemovedOldTree(['team-a']);
    fs.mkdirSync(path.join(old, 'elsewhere'));
    fs.mkdirSync(path.join(old, 'team-b', 'deeper'));
    fs.symlinkSync('/etc/hostname', path.join(old, 'link'));
    const before = readTree(old);
    expect(validationErrorOf(() => writeTreeAtomically(outDir, V2)).problems.map((p) => p.path)).toEqual(['elsewhere/', 'link', 'team-b/deeper/']);
    expect(readTree(old)).toEqual(before);

    // Without a manifest of ours, only the folders of the manifest's own path are accepted.
    const bare = path.join(tmp, `.out.old-${deadPid()}`);
    fs.rmSync(old, { recursive: true });
    fs.mkdirSync(path.join(bare, 'team-a'), { recursive: true });
    fs.writeFileSync(path.join(bare, DEFAULT_MANIFEST_NAME), 'team-a/x.yaml\n');
    expect(validationErrorOf(() => writeTreeAtomically(outDir, V2)).problems.map((p) => p.path)).toEqual([DEFAULT_MANIFEST_NAME, 'team-a/']);
    expect(fs.existsSync(path.join(bare, 'team-a'))).toBe(true);
  });

  test('never deletes outside the old tree, whatever its manifest lists', () => {
    writeTreeAtomically(outDir, V1);
    const victim = path.join(tmp, 'victim.yaml');
    fs.writeFileSync(victim, 'keep\n');
    fs.mkdirSync(path.join(tmp, 'victim-dir'));
    const old = path.join(tmp, `.out.old-${deadPid()}`);
    fs.mkdirSync(path.join(old, 'a'), { recursive: true });
    fs.writeFileSync(path.join(old, DEFAULT_MANIFEST_NAME), `${MANIFEST_HEADER}\n../victim.yaml\n../victim-dir/x.yaml\n${victim}\na/b.yaml\n${DEFAULT_MANIFEST_NAME}\n`);
    expect(writeTreeAtomically(outDir, V1).changed).toBe(false);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(fs.existsSync(path.join(tmp, 'victim-dir'))).toBe(true);
    expect(siblings()).toEqual(['victim-dir', 'victim.yaml']);
  });

  test('with outDir missing, a partly removed old tree is removed, not restored', () => {
    writeTreeAtomically(outDir, V1);
    fs.rmSync(outDir, { recursive: true });
    partlyRemovedOldTree(['team-a/secret.yaml', 'team-a/values.yaml']);
    expect(writeTreeAtomically(outDir, V2).changed).toBe(true);
    expect(readTree(outDir)).toEqual(EXPECTED_V2);
    expect(siblings()).toEqual([]);
  });

  test('with outDir missing, the whole old tree is restored and a partly removed one removed', () => {
    writeTreeAtomically(outDir, V1);
    const whole = readTree(outDir);
    fs.renameSync(outDir, path.join(tmp, `.out.old-${deadPid()}`));
    partlyRemovedOldTree([DEFAULT_MANIFEST_NAME, 'kustomization.yaml', 'team-a', 'team-b']);
    expect(siblings()).toHaveLength(2);
    expect(writeTreeAtomically(outDir, V1).changed).toBe(false);
    expect(readTree(outDir)).toEqual(whole);
    expect(siblings()).toEqual([]);
  });

  test('a file that turns up in the old tree while it is removed is kept, and the next run names it', () => {
    writeTreeAtomically(outDir, V1);
    const realRename = nodeFs.renameSync;
    jest.spyOn(nodeFs, 'renameSync').mockImplementation((from, to) => {
      realRename(from, to);
      // Right after the output folder is moved aside, someone writes into it.
      if (path.basename(String(to)).startsWith('.out.vcp-old-')) fs.writeFileSync(path.join(String(to), 'team-a', 'late.md'), 'mine\n');
    });
    expect(writeTreeAtomically(outDir, V2).changed).toBe(true);
    jest.restoreAllMocks();
    expect(readTree(outDir)).toEqual(EXPECTED_V2);
    const old = path.join(tmp, `.out.vcp-old-${process.pid}`);
    // The listed files are gone, the foreign file, its folder and the manifest are kept.
    expect(readTree(old)).toEqual({ 'team-a/late.md': 'mine\n', [DEFAULT_MANIFEST_NAME]: manifestFor(V1.keys()) });

    const error = validationErrorOf(() => writeTreeAtomically(outDir, V1));
    expect(error.problems.map((p) => p.path)).toEqual(['team-a/late.md']);
    expect(readTree(old)['team-a/late.md']).toBe('mine\n');
  });
});

describe('writeTreeAtomically: a real process killed with SIGKILL', () => {
  /**
   * Runs the writer in a child process that stops at a chosen point (after half the file writes,
   * after the first rename, or after the `nth` file or folder removal) and tells us; we then
   * SIGKILL it. The child loads the TypeScript source through `typescript`'s transpiler, as jest does.
   */
  async function killChildAt(stopAt: 'write' | 'rename' | 'unlink' | 'rmdir', files: number, nth = 1): Promise<number> {
    const script = `
      const ts = require(${JSON.stringify(require.resolve('typescript'))});
      const fs = require('fs');
      require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText, file);
      const { writeTreeAtomically } = require(${JSON.stringify(path.join(ROOT, 'src', 'output', 'writer.ts'))});
      const { stopAt, outDir, count, nth } = JSON.parse(process.env.WRITER_TEST);
      const name = { write: 'writeFileSync', rename: 'renameSync', unlink: 'unlinkSync', rmdir: 'rmdirSync' }[stopAt];
      const real = fs[name];
      let calls = 0;
      fs[name] = function (...args) {
        const result = real.apply(this, args);
        if (++calls === (stopAt === 'write' ? Math.floor(count / 2) : nth)) {
          fs.writeSync(1, 'stopped\\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
        }
        return result;
      };
      const files = new Map();
      for (let i = 0; i < count; i++) files.set('team-' + (i % 20) + '/obj-' + i + '.yaml', 'kind: ConfigMap\\nindex: ' + i + '\\nrun: 2\\n');
      writeTreeAtomically(outDir, files);
      fs.writeSync(1, 'finished\\n');
    `;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, WRITER_TEST: JSON.stringify({ stopAt, outDir, count: files, nth }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('stopped')) resolve();
      });
      child.on('exit', () => reject(new Error(`child ended before stopping: ${stdout} ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stdout).not.toContain('finished');
    return child.pid as number;
  }

  const RUN_1 = new Map([
    ['team-0/obj-0.yaml', 'kind: ConfigMap\nindex: 0\nrun: 1\n'],
    ['old-only.yaml', 'x\n'],
    ['old/a/one.yaml', '1\n'],
    ['old/a/two.yaml', '2\n'],
    ['old/b/three.yaml', '3\n'],
  ]);

  test('killed mid-write: the old tree is whole, and the next run cleans up and writes', async () => {
    writeTreeAtomically(outDir, RUN_1);
    const before = readTree(outDir);
    const pid = await killChildAt('write', 2000);

    const temp = path.join(tmp, `.out.vcp-tmp-${pid}`);
    // The killed run's lock is left too; it names a process that is gone, so it is taken over.
    expect(siblings()).toEqual(['.out.vcp-lock', `.out.vcp-tmp-${pid}`]);
    expect(fs.existsSync(path.join(temp, DEFAULT_MANIFEST_NAME))).toBe(false);
    expect(readTree(outDir)).toEqual(before);

    const result = writeTreeAtomically(outDir, new Map([['team-0/obj-0.yaml', 'run: 3\n']]));
    expect(result.changed).toBe(true);
    expect(siblings()).toEqual([]);
    expect(readTree(outDir)['team-0/obj-0.yaml']).toBe('run: 3\n');
  });

  test('killed between the renames: the next run restores the old tree first', async () => {
    writeTreeAtomically(outDir, RUN_1);
    const before = readTree(outDir);
    const pid = await killChildAt('rename', 200);

    expect(fs.existsSync(outDir)).toBe(false);
    expect(siblings()).toEqual(['.out.vcp-lock', `.out.vcp-old-${pid}`, `.out.vcp-tmp-${pid}`]);
    expect(readTree(path.join(tmp, `.out.vcp-old-${pid}`))).toEqual(before);

    expect(writeTreeAtomically(outDir, RUN_1).changed).toBe(false);
    expect(readTree(outDir)).toEqual(before);
    expect(siblings()).toEqual([]);
  });

  // The old tree holds 5 listed files in 4 folders, and the manifest.
  test.each([
    ['after 2 of its files', 'unlink', 2, { files: 3, manifest: true }],
    ['after all its files and 1 folder', 'rmdir', 1, { files: 0, manifest: true }],
    ['after all its folders but the manifest', 'rmdir', 4, { files: 0, manifest: true }],
    ['after its manifest', 'unlink', 6, { files: 0, manifest: false }],
  ] as const)('killed while removing the old tree (%s): the new tree is complete and the rest is removed next run', async (_name, stopAt, nth, left) => {
    writeTreeAtomically(outDir, RUN_1);
    const pid = await killChildAt(stopAt, 200, nth);

    const tree = readTree(outDir);
    expect(Object.keys(tree)).toHaveLength(201);
    expect(tree['team-0/obj-0.yaml']).toBe('kind: ConfigMap\nindex: 0\nrun: 2\n');
    expect(siblings()).toEqual(['.out.vcp-lock', `.out.vcp-old-${pid}`]);
    // Files go first, then their folders, then the manifest: what is left is provably ours.
    const oldTree = readTree(path.join(tmp, `.out.vcp-old-${pid}`));
    const files = Object.keys(oldTree).filter((rel) => !rel.endsWith('/') && rel !== DEFAULT_MANIFEST_NAME);
    expect(files).toHaveLength(left.files);
    for (const rel of files) expect(RUN_1.has(rel)).toBe(true);
    expect(DEFAULT_MANIFEST_NAME in oldTree).toBe(left.manifest);

    expect(writeTreeAtomically(outDir, RUN_1).changed).toBe(true);
    expect(siblings()).toEqual([]);
    expect(readTree(outDir)).toEqual({ ...Object.fromEntries(RUN_1), [DEFAULT_MANIFEST_NAME]: manifestFor(RUN_1.keys()) });
  });
});
