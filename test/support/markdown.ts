import * as fs from 'fs';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The info string's first word, e.g. `ts` or `yaml`. */
  readonly lang: string;
  /** The text between the fences. */
  readonly text: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  /** True when the nearest non-blank line above is an HTML comment starting `<!-- fragment`. */
  readonly fragment: boolean;
}

/** A Markdown file of the documentation, read once. */
export interface MarkdownFile {
  /** Absolute path. */
  readonly file: string;
  /** Path relative to the repository root, for messages. */
  readonly name: string;
  readonly text: string;
}

/** README.md, ARCHITECTURE.md, CONTRIBUTING.md and every docs/*.md (docs/notes/ is raw material, not published). */
export function documentationFiles(): MarkdownFile[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join('docs', f));
  return ['README.md', 'ARCHITECTURE.md', 'CONTRIBUTING.md', ...docs].map((name) => ({ file: path.join(ROOT, name), name, text: fs.readFileSync(path.join(ROOT, name), 'utf8') }));
}

/** Every fenced code block, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const fragment = above >= 0 && lines[above]!.startsWith('<!-- fragment');
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, text: body.join('\n') + '\n', line: start + 1, fragment });
  }
  return blocks;
}

/** The text outside fenced code blocks and inline code spans, where links and headings live. */
export function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (code) => code.replace(/[[\]()]/g, ' '));
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a '-' (as github-slugger does). */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of every heading, with GitHub's `-1`, `-2` suffixes for repeated headings. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const m of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Every link target `[text](target)` in the prose. */
export function linkTargets(markdown: string): string[] {
  // Headings keep their inline code for anchors, but link scanning ignores code spans.
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}
