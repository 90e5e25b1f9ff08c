import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ErrorCode } from './http/error-codes';

const ROOT = join(__dirname, '..');
const DOCS = join(ROOT, 'docs');
const README = join(ROOT, 'README.md');
/** README.md first, then every file of docs/. */
const MARKDOWN = [
  README,
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name)),
];
/** An issue number or a section sign and number: references to a tracker the reader does not have. */
const ISSUE_CITATION = /\bissue \d+|§ ?\d/i;
const read = (path: string): string => readFileSync(path, 'utf8');
const name = (path: string): string => relative(ROOT, path);

/** The text of the section `## heading` (up to the next `## ` heading or the end). */
function section(text: string, heading: string): string {
  const start = text.search(new RegExp(`^## ${heading}$`, 'm'));
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const rest = text.slice(start + heading.length + 3);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Cells in the first column of the tables of a section, when they are one code span. */
function firstColumn(text: string): string[] {
  return [...text.matchAll(/^\| *`([^`]+)` *\|/gm)].map(([, cell]) => cell);
}

/** The text without its fenced code blocks (whose `#` lines are shell comments, not headings). */
function withoutCodeBlocks(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '');
}

/** The text with code blocks and inline code removed: what a reader sees as prose. */
function prose(text: string): string {
  return withoutCodeBlocks(text).replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower-cased, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(text: string): Set<string> {
  return new Set(
    [...withoutCodeBlocks(text).matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchor(heading)),
  );
}

/** Link targets: `[text](target)` and `<scheme://...>` autolinks, outside code. */
function links(text: string): string[] {
  const visible = prose(text);
  return [
    ...[...visible.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target),
    ...[...visible.matchAll(/<([a-z]+:[^>\s]+)>/gi)].map(([, target]) => target),
  ];
}

describe('the documentation', () => {
  it('keeps the README short', () => {
    expect(read(README).split('\n').length).toBeLessThanOrEqual(250);
  });

  it('links from the README to every file of docs/', () => {
    const linked = new Set(links(read(README)).map((target) => target.split('#')[0]));
    const files = MARKDOWN.filter((path) => path !== README).map(name);
    expect(files.filter((file) => !linked.has(file))).toEqual([]);
  });

  describe.each(MARKDOWN.map((path) => [name(path), path]))('%s', (_file, path) => {
    const text = read(path);

    it('has relative links that resolve, to files and to their headings', () => {
      const broken = links(text).filter((target) => {
        if (/^[a-z]+:/i.test(target)) return false;
        const [file, hash] = target.split('#');
        const resolved = file ? join(dirname(path), file) : path;
        if (!existsSync(resolved)) return true;
        if (hash === undefined) return false;
        return !statSync(resolved).isFile() || !anchors(read(resolved)).has(hash);
      });
      expect(broken).toEqual([]);
    });

    it('names only test files that exist (the how-to example feature, widgets, aside)', () => {
      const named = [...text.matchAll(/`(test\/[\w./-]+\.ts)`/g)].map(([, file]) => file);
      const missing = named.filter(
        (file) => !file.includes('widgets') && !existsSync(join(ROOT, file)),
      );
      expect(missing).toEqual([]);
    });

    it('cites no issue or section numbers', () => {
      expect(text).not.toMatch(ISSUE_CITATION);
    });

    it('links outside the repository nowhere but to local examples', () => {
      const bare = [...prose(text).matchAll(/\bhttps?:\/\/[^\s)>]+/g)].map(([url]) => url);
      const external = [...new Set([...links(text), ...bare])]
        .filter((target) => /^[a-z]+:/i.test(target))
        .filter((target) => !/^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(target));
      expect(external).toEqual([]);
    });
  });

  it('has a code map with one line per folder of src/ and src/modules/, and only those', () => {
    const folders = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${dir}/${entry.name}/`);
    const listed = [...section(read(README), 'Code map').matchAll(/^- `(src\/[^`]+)`/gm)].map(
      ([, folder]) => folder,
    );
    expect(listed).toEqual([...new Set(listed)]);
    expect([...listed].sort()).toEqual([...folders('src'), ...folders('src/modules')].sort());
  });

  it('lists every npm script in docs/operations.md, and only those', () => {
    const { scripts } = JSON.parse(read(join(ROOT, 'package.json'))) as {
      scripts: Record<string, string>;
    };
    const documented = firstColumn(section(read(join(DOCS, 'operations.md')), 'npm scripts'));
    expect(documented.sort()).toEqual(Object.keys(scripts).sort());
  });

  it('lists every error code in docs/http-conventions.md, and only those', () => {
    const text = read(join(DOCS, 'http-conventions.md'));
    const codes = firstColumn(section(text, 'Error codes'));
    expect(codes.sort()).toEqual(Object.values(ErrorCode).sort());
  });
});

describe('the code and tests', () => {
  /** Every text file under these folders, recursively. */
  function files(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return files(path);
      return /\.(ts|js|mjs|json|yml|yaml)$/.test(entry.name) ? [path] : [];
    });
  }

  it('cite no issue or section numbers: they explain themselves', () => {
    const citing = ['src', 'test', 'scripts', 'migrations', 'bench']
      .flatMap((dir) => files(join(ROOT, dir)))
      .filter((path) => ISSUE_CITATION.test(read(path)))
      .map(name);
    expect(citing).toEqual([]);
  });
});
