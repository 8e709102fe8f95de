import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { ValidationError } from '../src/errors';
import { parseFleet } from '../src/fleet/loader';
import { anchors, codeBlocks, documentationFiles, linkTargets, ROOT, slug } from './support/markdown';
import { asModule } from './support/snippets';

const FILES = documentationFiles();

describe('documentation', () => {
  test('covers the README and every docs page', () => {
    const names = FILES.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'docs/cli.md', 'docs/fleet-file.md', 'docs/constructs.md']));
  });

  test('every docs page opens with a title, a one-line summary and a link back to the README', () => {
    const bad = FILES.filter((f) => f.name.startsWith('docs/')).filter((f) => {
      const [title, summary] = f.text.split('\n\n');
      return !/^# \S[^\n]*$/.test(title ?? '') || !summary || summary.startsWith('#') || !summary.includes('](../README.md');
    });
    expect(bad.map((f) => f.name)).toEqual([]);
  });

  test('every TypeScript snippet compiles against the library (strict)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-snippets-'));
    const files: string[] = [];
    const origin = new Map<string, string>();
    for (const doc of FILES) {
      for (const block of codeBlocks(doc.text).filter((b) => b.lang === 'ts')) {
        const file = path.join(dir, `snippet-${files.length + 1}.ts`);
        fs.writeFileSync(file, asModule(block.text));
        files.push(file);
        origin.set(path.basename(file), `${doc.name}:${block.line}`);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(4);
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      baseUrl: ROOT,
      paths: { '*': [path.join(ROOT, 'node_modules', '*')] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      // Name the Markdown file and the line of the snippet's fence (+1 for the `export {}` line).
      const where = d.file ? `${origin.get(path.basename(d.file.fileName)) ?? d.file.fileName} +${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(diagnostics).toEqual([]);
  });

  test('every relative link points to an existing file, and every anchor to a heading', () => {
    const broken: string[] = [];
    for (const doc of FILES) {
      for (const target of linkTargets(doc.text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#', 2) as [string, string | undefined];
        const resolved = file === '' ? doc.file : path.resolve(path.dirname(doc.file), file);
        if (!fs.existsSync(resolved)) {
          broken.push(`${doc.name}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${doc.name}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('anchors follow GitHub: lower case, punctuation dropped, spaces to dashes, repeats numbered', () => {
    expect(slug('Sealing a key: `npm run seal`')).toBe('sealing-a-key-npm-run-seal');
    expect(slug('Safe writes, `npm run synth` and `cdk8s synth`')).toBe('safe-writes-npm-run-synth-and-cdk8s-synth');
    expect([...anchors('# A\n```sh\n# not a heading\n```\n## A\n### B.c\n')]).toEqual(['a', 'a-1', 'bc']);
  });

  test('every fleet file in the documentation loads, unless marked as a fragment', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const doc of FILES) {
      for (const block of codeBlocks(doc.text).filter((b) => b.lang === 'yaml' && /^vclusters:/m.test(b.text) && !b.fragment)) {
        checked++;
        try {
          parseFleet(block.text, path.join(path.dirname(doc.file), 'fleet.yaml'), { env: {}, displayPath: `${doc.name}:${block.line}` });
        } catch (e) {
          problems.push(e instanceof ValidationError ? e.message : String(e));
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(1);
  });

  test('fails on a fleet block with a mistake, so the check above can fail', () => {
    const doc = FILES.find((f) => f.name === 'docs/fleet-file.md')!;
    const block = codeBlocks(doc.text).find((b) => b.lang === 'yaml' && /^vclusters:/m.test(b.text))!;
    expect(() => parseFleet(block.text.replace('delivery: flux', 'delivery: helm'), 'fleet.yaml', { env: {} })).toThrow(/delivery: unknown value; got "helm"/);
  });
});
