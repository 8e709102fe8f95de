/**
 * The writer's second round of hardening: several folders written all or nothing, overlapping
 * folders, symbolic links named like the writer's own folders, files of ours that a restored
 * manifest no longer lists, mount points, paths shown as typed, and the ignore rule.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTreeWithLinks } from '../support/tree';
import {
  ConcurrentWriteError,
  DEFAULT_MANIFEST_NAME,
  PartialWriteError,
  prepareTreeWrite,
  SIBLING_IGNORE_RULE,
  writeTreeAtomically,
  writeTreesAtomically,
} from '../../src/output/writer';
import { isMountPoint, siblingName } from '../../src/output/write-lock';
import nodeFs = require('fs');
import { validationErrorOf } from '../support/errors';

const ROOT = path.resolve(__dirname, '..', '..');

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-hardening-'));
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function readTree(dir: string): Record<string, string> {
  return readTreeWithLinks(dir);
}

const A1 = new Map([
  ['a.yaml', 'a: 1\n'],
  ['sub/b.yaml', 'b: 1\n'],
]);
const A2 = new Map([
  ['a.yaml', 'a: 2\n'],
  ['sub/c.yaml', 'c: 2\n'],
]);
const C1 = new Map([['Chart.yaml', 'name: c\nversion: 1.0.0\n']]);
const C2 = new Map([['Chart.yaml', 'name: c\nversion: 2.0.0\n']]);

describe('several folders: all or nothing', () => {
  test('fails on a foreign file in the second folder before the first is touched', () => {
    const out = path.join(tmp, 'dist');
    const chart = path.join(tmp, 'chart');
    writeTreesAtomically([
      { outDir: out, files: A1 },
      { outDir: chart, files: C1 },
    ]);
    fs.writeFileSync(path.join(chart, 'mine.txt'), 'x');
    const before = readTree(tmp);
    const error = validationErrorOf(() =>
      writeTreesAtomically([
        { outDir: out, files: A2 },
        { outDir: chart, files: C2, options: { displayPath: 'chart' } },
      ]),
    );
    expect(error.problems.map((p) => p.path)).toEqual(['mine.txt']);
    expect(error.message).toContain('refusing to replace chart:');
    expect(readTree(tmp)).toEqual(before);
  });

  test('when putting the second folder in place fails, the first is put back', () => {
    const out = path.join(tmp, 'dist');
    const chart = path.join(tmp, 'chart');
    writeTreesAtomically([
      { outDir: out, files: A1 },
      { outDir: chart, files: C1 },
    ]);
    const before = readTree(tmp);
    const realRename = nodeFs.renameSync;
    jest.spyOn(nodeFs, 'renameSync').mockImplementation((from, to) => {
      if (String(to) === chart && String(from).includes('vcp-tmp')) throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
      realRename(from, to);
    });
    expect(() =>
      writeTreesAtomically([
        { outDir: out, files: A2 },
        { outDir: chart, files: C2 },
      ]),
    ).toThrow('EXDEV');
    jest.restoreAllMocks();
    expect(readTree(tmp)).toEqual(before);
  });

  test('fails with the exact state left when a folder cannot be put back either', () => {
    const out = path.join(tmp, 'dist');
    const chart = path.join(tmp, 'chart');
    writeTreesAtomically([
      { outDir: out, files: A1 },
      { outDir: chart, files: C1 },
    ]);
    const realRename = nodeFs.renameSync;
    let swapped = false;
    jest.spyOn(nodeFs, 'renameSync').mockImplementation((from, to) => {
      if (String(to) === out) swapped = true;
      if (String(to) === chart && String(from).includes('vcp-tmp')) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      // Putting dist/ back (dist -> its temp name) fails too.
      if (swapped && String(from) === out) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      realRename(from, to);
    });
    let caught: unknown;
    try {
      writeTreesAtomically([
        { outDir: out, files: A2, options: { displayPath: 'dist' } },
        { outDir: chart, files: C2, options: { displayPath: 'chart' } },
      ]);
    } catch (error) {
      caught = error;
    }
    jest.restoreAllMocks();
    expect(caught).toBeInstanceOf(PartialWriteError);
    expect((caught as Error).message).toMatchSnapshot();
    expect((caught as Error).message).toContain('after dist got the new tree');
    expect((caught as Error).message).toContain('chart keeps the old tree');
    expect(readTree(out)['a.yaml']).toBe('a: 2\n');
    expect(readTree(chart)['Chart.yaml']).toBe(C1.get('Chart.yaml'));
    // The next run brings both up to date.
    writeTreesAtomically([
      { outDir: out, files: A2 },
      { outDir: chart, files: C2 },
    ]);
    expect(readTree(chart)['Chart.yaml']).toBe(C2.get('Chart.yaml'));
    expect(fs.readdirSync(tmp).sort()).toEqual(['.chart.vcp-written', '.dist.vcp-written', 'chart', 'dist']);
  });

  test.each([
    ['the same folder', 'dist', 'dist', 'is the same folder as'],
    ['a folder inside the other', 'dist', 'dist/chart', 'contains'],
    ['a folder around the other', 'dist/chart', 'dist', 'lies inside'],
    ['the same folder spelled differently', 'dist', './x/../dist/', 'is the same folder as'],
  ])('fails on %s, before anything is written', (_name, first, second, how) => {
    const error = validationErrorOf(() =>
      writeTreesAtomically([
        { outDir: path.join(tmp, first), files: A1, options: { displayPath: first } },
        { outDir: path.join(tmp, second), files: C1, options: { displayPath: second } },
      ]),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].message).toContain(how);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('fails on a folder that reaches the other through a symbolic link', () => {
    fs.mkdirSync(path.join(tmp, 'dist'));
    fs.symlinkSync(path.join(tmp, 'dist'), path.join(tmp, 'alias'));
    const error = validationErrorOf(() =>
      writeTreesAtomically([
        { outDir: path.join(tmp, 'dist'), files: A1 },
        { outDir: path.join(tmp, 'alias', 'chart'), files: C1 },
      ]),
    );
    expect(error.problems[0].message).toContain('contains');
    expect(fs.readdirSync(path.join(tmp, 'dist'))).toEqual([]);
  });
});

describe('a real second writer', () => {
  test('is refused while it holds the lock, and once it is killed its leftovers do not block', async () => {
    const out = path.join(tmp, 'out');
    writeTreeAtomically(out, A1);
    // A child that has checked the folder and written its temp tree, and now waits (lock held).
    const script = `
      const ts = require(${JSON.stringify(require.resolve('typescript'))});
      const fs = require('fs');
      require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText, file);
      const { prepareTreeWrite } = require(${JSON.stringify(path.join(ROOT, 'src', 'output', 'writer.ts'))});
      prepareTreeWrite(${JSON.stringify(out)}, new Map([['a.yaml', 'child\\n']]));
      fs.writeSync(1, 'prepared\\n');
      setTimeout(() => {}, 60000);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('prepared')) resolve();
        });
        child.on('exit', () => reject(new Error(`child ended early: ${stdout} ${stderr}`)));
      });
      expect(() => writeTreeAtomically(out, A2)).toThrow(ConcurrentWriteError);
      expect(() => writeTreeAtomically(out, A2)).toThrow(`process ${child.pid} is writing it`);
      expect(readTree(out)['a.yaml']).toBe('a: 1\n');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(fs.readdirSync(tmp).sort()).toEqual(['.out.vcp-lock', `.out.vcp-tmp-${child.pid}`, '.out.vcp-written', 'out']);
    expect(writeTreeAtomically(out, A2).changed).toBe(true);
    expect(fs.readdirSync(tmp).sort()).toEqual(['.out.vcp-written', 'out']);
  });
});

test('a write prepared in this process is not taken for a leftover of a dead one', () => {
  const out = path.join(tmp, 'out');
  writeTreeAtomically(out, A1);
  const prepared = prepareTreeWrite(out, A2);
  expect(() => writeTreeAtomically(out, C1)).toThrow('this process is already writing it');
  prepared.abort();
  expect(writeTreeAtomically(out, A2).changed).toBe(true);
  expect(fs.readdirSync(tmp).sort()).toEqual(['.out.vcp-written', 'out']);
});

describe('symbolic links named like the writer folders', () => {
  test.each([`.out.vcp-old-1`, `.out.old-1`, `.out.vcp-tmp-1`, `.out.tmp-1`])('fails on a link named %s, never deleting through it', (name) => {
    const out = path.join(tmp, 'out');
    const other = path.join(tmp, 'other');
    writeTreeAtomically(out, A1);
    writeTreeAtomically(other, A1);
    const otherBefore = readTree(other);
    fs.rmSync(out, { recursive: true });
    fs.symlinkSync(other, path.join(tmp, name));
    const error = validationErrorOf(() => writeTreeAtomically(out, A2, { displayPath: 'out' }));
    expect(error.problems).toEqual([expect.objectContaining({ path: name, message: expect.stringContaining('is a symbolic link but named like') })]);
    expect(readTree(other)).toEqual(otherBefore);
    expect(fs.lstatSync(path.join(tmp, name)).isSymbolicLink()).toBe(true);
  });

  test('fails on a lock file that is a symbolic link, and leaves its target alone', () => {
    const target = path.join(tmp, 'precious.txt');
    fs.writeFileSync(target, 'keep\n');
    fs.symlinkSync(target, path.join(tmp, '.out.vcp-lock'));
    const error = validationErrorOf(() => writeTreeAtomically(path.join(tmp, 'out'), A1));
    expect(error.problems[0].message).toContain('not a regular file');
    expect(fs.readFileSync(target, 'utf8')).toBe('keep\n');
    expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
  });
});

describe('files of ours that a restored manifest no longer lists (git checkout -- dist)', () => {
  test('are recognised by the bytes the last run wrote, and replaced', () => {
    const out = path.join(tmp, 'out');
    writeTreeAtomically(out, A1);
    const manifestV1 = fs.readFileSync(path.join(out, DEFAULT_MANIFEST_NAME), 'utf8');
    writeTreeAtomically(out, new Map([...A1, ['team-new/app.yaml', 'new: 1\n']]));
    // `git checkout -- out` restores the tracked manifest; the untracked new file stays.
    fs.writeFileSync(path.join(out, DEFAULT_MANIFEST_NAME), manifestV1);
    expect(writeTreeAtomically(out, A1).changed).toBe(true);
    expect(Object.keys(readTree(out)).sort()).toEqual([DEFAULT_MANIFEST_NAME, 'a.yaml', 'sub/b.yaml']);
  });

  test('fails when such a file was edited since, with the git commands that recover', () => {
    const out = path.join(tmp, 'out');
    writeTreeAtomically(out, A1);
    const manifestV1 = fs.readFileSync(path.join(out, DEFAULT_MANIFEST_NAME), 'utf8');
    writeTreeAtomically(out, new Map([...A1, ['team-new/app.yaml', 'new: 1\n']]));
    fs.writeFileSync(path.join(out, DEFAULT_MANIFEST_NAME), manifestV1);
    fs.writeFileSync(path.join(out, 'team-new', 'app.yaml'), 'edited by hand\n');
    const error = validationErrorOf(() => writeTreeAtomically(out, A1, { displayPath: 'out' }));
    expect(error.problems.map((p) => p.path)).toEqual(['team-new/app.yaml']);
    expect(error.message).toContain('"git clean -n -- out"');
    expect(fs.readFileSync(path.join(out, 'team-new', 'app.yaml'), 'utf8')).toBe('edited by hand\n');
  });
});

describe('mount points and paths as typed', () => {
  const mounted = ['/proc', '/sys', '/dev'].find((p) => fs.existsSync(p) && isMountPoint(p));
  (mounted ? test : test.skip)('fails on an output folder that is a mount point, with what to do instead, before writing anything', () => {
    const parentBefore = fs.readdirSync(path.dirname(mounted!)).sort();
    const error = validationErrorOf(() => writeTreeAtomically(mounted!, A1));
    expect(error.problems[0].message).toContain('is a mount point');
    expect(error.problems[0].message).toContain(`${mounted}/dist`);
    expect(fs.readdirSync(path.dirname(mounted!)).sort()).toEqual(parentBefore);
  });

  test('a folder inside the same filesystem is no mount point', () => {
    fs.mkdirSync(path.join(tmp, 'plain'));
    expect(isMountPoint(path.join(tmp, 'plain'))).toBe(false);
  });

  test('messages name the folder as typed, not resolved', () => {
    const out = path.join(tmp, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'mine.txt'), 'x');
    const error = validationErrorOf(() => writeTreeAtomically(out, A1, { displayPath: 'out' }));
    expect(error.message).toMatch(/^refusing to replace out:/);
    expect(error.message).not.toContain(tmp);
  });
});

describe('the ignore rule', () => {
  test('.gitignore holds the rule, and it matches every name the writer puts beside a folder', () => {
    expect(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain(SIBLING_IGNORE_RULE);
    const names = ['tmp-123', 'old-123', 'lock', 'written', 'written-tmp-9', 'manifest-9'].flatMap((what) => [
      `${siblingName('dist', what)}/x.yaml`,
      `charts/${siblingName('chart', what)}`,
    ]);
    const ignored = execFileSync('git', ['check-ignore', '--no-index', ...names], { cwd: ROOT, encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(ignored).toEqual(names);
    // The output folders themselves are not ignored.
    expect(() => execFileSync('git', ['check-ignore', '--no-index', 'dist/x.yaml'], { cwd: ROOT, stdio: 'pipe' })).toThrow();
  });
});
