import * as fs from 'fs';
import * as path from 'path';

/**
 * Every entry under `dir` by relative path: file contents, `-> target` for symbolic links (never
 * followed), and with `emptyFolders` an entry `<folder>/` for each empty folder. What the writer
 * tests compare before and after a run.
 */
export function readTreeWithLinks(dir: string, options: { readonly emptyFolders?: boolean } = {}): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (abs: string, rel: string): void => {
    const entries = fs.readdirSync(abs, { withFileTypes: true });
    if (options.emptyFolders && entries.length === 0 && rel !== '') tree[`${rel}/`] = '';
    for (const entry of entries) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isSymbolicLink()) tree[childRel] = `-> ${fs.readlinkSync(childAbs)}`;
      else if (entry.isDirectory()) walk(childAbs, childRel);
      else tree[childRel] = fs.readFileSync(childAbs, 'utf8');
    }
  };
  walk(dir, '');
  return tree;
}

/** Every regular file under `dir` by POSIX relative path (links followed), in path order. */
export function readTreeSorted(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(p);
      else files.set(p, fs.readFileSync(path.join(dir, p), 'utf8'));
    }
  };
  walk('');
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}
