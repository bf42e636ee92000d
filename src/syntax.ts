import MarkdownIt from 'markdown-it';
import { removeMath } from '@jupyterlab/rendermime';

/**
 * The block syntax: `((target))`, `{{embed ((target))}}` with an optional facet
 * (`source`, `outputs`, `outputs[n]`, `outputs ... with {json merge patch}`) and
 * `[[path.ipynb]]`, found in a markdown cell's source where a reader sees text.
 *
 * The specification is `spec/syntax-cases.json`, which this module's tests and the
 * server's (`jupyter_blocks/refs.py`, the same steps with markdown-it-py) both run:
 * candidates are found in the raw source (one after a backslash escape is not a
 * candidate), each is replaced by a sentinel word, and markdown-it parses the result:
 * a sentinel that lands in prose is a reference; in code, math, URLs, link
 * destinations, HTML attributes or code-like HTML elements it is not.
 */

const ID = '[A-Za-z0-9_-]{1,64}';
const TARGET = '[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,63}';

const CANDIDATE_SOURCE =
  `\\{\\{[ \\t]*embed[ \\t]*\\(\\((?<embed>${TARGET})\\)\\)` +
  '(?:[ \\t]*(?<facet>source|outputs(?:\\[[0-9]{1,4}\\])?))?' +
  '(?:[ \\t]*(?<close>\\}\\})|[ \\t]+with[ \\t]*(?<patch>\\{))' +
  `|\\(\\((?<ref>${TARGET})\\)\\)` +
  '|\\[\\[(?<notebook>[^\\[\\]\\n]*?\\.[iI][pP][yY][nN][bB])[ \\t]*\\]\\]';

const BLOCK_ID = new RegExp(`^${ID}$`);
const TARGET_RE = new RegExp(`^${TARGET}$`);
const ESCAPED = /\\([!-/:-@[-`{-~])/g;
const CLOSE = /[ \t]*\}\}/y;

/**
 * Characters of a `with {...}` patch, at most.
 */
export const MAX_PATCH = 4096;

/**
 * The most a cell's markup may cost to parse (see `parseCost`); past it the cell is
 * not searched for references, as on the server.
 */
export const MAX_PARSE_COST = 1_000_000;
const TERMINATORS = '\n!#$%&*+-:<=>@[\\]^_`{}~';
const WEIGHT: Record<string, number> = { '[': 70, ']': 12, '*': 35, _: 35 };

const OPAQUE_TAGS = new Set([
  'code',
  'pre',
  'kbd',
  'samp',
  'script',
  'style',
  'textarea'
]);
const TAG = /^<\s*(\/?)\s*([A-Za-z][A-Za-z0-9-]*)/;

/**
 * The markdown parser that decides where the syntax counts: CommonMark with GFM
 * tables, strikethrough and bare URLs, as on the server.
 */
export const MARKDOWN = new MarkdownIt('commonmark', { linkify: true }).enable([
  'table',
  'strikethrough',
  'linkify'
]);

/**
 * A part of an embed: the whole block, its source or its outputs.
 */
export type Facet = 'all' | 'source' | 'outputs';

/**
 * One piece of syntax found in a markdown source, with its offsets in it.
 */
export type Token =
  | { kind: 'ref'; id: string; start: number; end: number }
  | {
      kind: 'embed';
      id: string;
      facet: Facet;
      /**
       * The output an `outputs[n]` facet picks, from 0.
       */
      output?: number;
      /**
       * The JSON text after `with` (a merge patch for a Vega-Lite output).
       */
      patch?: string;
      start: number;
      end: number;
    }
  | { kind: 'notebook'; path: string; start: number; end: number };

/**
 * Whether a string is a valid nbformat 4.5 cell id.
 */
export function isBlockId(value: string): boolean {
  return BLOCK_ID.test(value);
}

/**
 * Whether a string can be written inside `((...))`: an id or a label.
 */
export function isTarget(value: string): boolean {
  return TARGET_RE.test(value);
}

/**
 * What parsing a text as markdown costs, in the units of MAX_PARSE_COST.
 */
export function parseCost(text: string): number {
  let cost = text.length;
  for (const char of TERMINATORS) {
    let count = 0;
    for (
      let at = text.indexOf(char);
      at >= 0;
      at = text.indexOf(char, at + 1)
    ) {
      count++;
    }
    cost += count * (WEIGHT[char] ?? 12);
  }
  return cost;
}

/**
 * Every reference, embed and notebook link of a markdown source, in order.
 */
export function findTokens(source: string): Token[] {
  if (!source.includes('((') && !source.includes('[[')) {
    return [];
  }
  const found = candidates(source);
  if (found.length === 0) {
    return [];
  }
  const { text, pattern } = withSentinels(source, found);
  if (parseCost(text) > MAX_PARSE_COST) {
    return [];
  }
  const live = liveSentinels(text, pattern);
  return found.filter((_, i) => live.has(i));
}

/**
 * Every candidate, left to right, that no backslash escapes (whether it counts is
 * for the markdown to say: `findTokens`).
 */
export function candidates(text: string): Token[] {
  const found: Token[] = [];
  const pattern = new RegExp(CANDIDATE_SOURCE, 'g');
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const start = match.index;
    if (escaped(text, start)) {
      pattern.lastIndex = start + 1;
      continue;
    }
    const token = tokenOf(text, match);
    if (token === null) {
      pattern.lastIndex = start + 1;
      continue;
    }
    found.push(token);
    pattern.lastIndex = token.end;
  }
  return found;
}

function escaped(text: string, at: number): boolean {
  let run = 0;
  while (at - run - 1 >= 0 && text[at - run - 1] === '\\') {
    run++;
  }
  return run % 2 === 1;
}

function tokenOf(text: string, match: RegExpExecArray): Token | null {
  const groups = match.groups!;
  const start = match.index;
  if (groups.embed !== undefined) {
    const written = groups.facet ?? '';
    const facet: Facet =
      written === 'source' ? 'source' : written ? 'outputs' : 'all';
    const output = written.startsWith('outputs[')
      ? Number(written.slice(8, -1))
      : undefined;
    const token: Token = {
      kind: 'embed',
      id: groups.embed,
      facet,
      start,
      end: 0
    };
    if (output !== undefined) {
      token.output = output;
    }
    if (groups.patch === undefined) {
      token.end = start + match[0].length;
      return token;
    }
    if (facet !== 'outputs') {
      return null;
    }
    const patchStart = start + match[0].length - 1;
    const patchEnd = jsonObjectEnd(text, patchStart);
    if (patchEnd === null) {
      return null;
    }
    CLOSE.lastIndex = patchEnd;
    const close = CLOSE.exec(text);
    if (close === null) {
      return null;
    }
    token.patch = text.slice(patchStart, patchEnd);
    token.end = patchEnd + close[0].length;
    return token;
  }
  const end = start + match[0].length;
  if (groups.ref !== undefined) {
    return { kind: 'ref', id: groups.ref, start, end };
  }
  const path = groups.notebook.replace(ESCAPED, '$1').trim();
  return { kind: 'notebook', path, start, end };
}

/**
 * Where the JSON object starting at `text[start] === '{'` ends (after its closing
 * brace), counting braces outside strings; null if it does not close on this line
 * within MAX_PATCH characters.
 */
export function jsonObjectEnd(text: string, start: number): number | null {
  let depth = 0;
  let inString = false;
  let isEscaped = false;
  const stop = Math.min(text.length, start + MAX_PATCH);
  for (let i = start; i < stop; i++) {
    const char = text[i];
    if (char === '\n') {
      return null;
    }
    if (inString) {
      if (isEscaped) {
        isEscaped = false;
      } else if (char === '\\') {
        isEscaped = true;
      } else if (char === '"') {
        inString = false;
      }
    } else if (char === '"') {
      inString = true;
    } else if (char === '{') {
      depth++;
    } else if (char === '}') {
      depth--;
      if (depth === 0) {
        return i + 1;
      }
    }
  }
  return null;
}

/**
 * A text with token i replaced by a sentinel word (two private-use characters
 * around i, a pair the text does not hold), and the sentinels' pattern.
 */
export function withSentinels(
  text: string,
  tokens: Token[]
): { text: string; pattern: RegExp; sentinel: (i: number) => string } {
  let opener = 0xe000;
  while (
    text.includes(String.fromCharCode(opener)) ||
    text.includes(String.fromCharCode(opener + 1))
  ) {
    opener += 2;
  }
  const open = String.fromCharCode(opener);
  const close = String.fromCharCode(opener + 1);
  const sentinel = (i: number) => `${open}${i}${close}`;
  const parts: string[] = [];
  let cursor = 0;
  tokens.forEach((token, i) => {
    parts.push(text.slice(cursor, token.start), sentinel(i));
    cursor = token.end;
  });
  parts.push(text.slice(cursor));
  return {
    text: parts.join(''),
    pattern: new RegExp(`${open}([0-9]+)${close}`, 'g'),
    sentinel
  };
}

/**
 * The text with math hidden as JupyterLab hides it before rendering markdown (math
 * is typeset, never read as prose), and the math pieces.
 */
export function withoutMath(text: string): { text: string; math: string[] } {
  if (!text.includes('$') && !text.includes('\\')) {
    return { text, math: [] };
  }
  return removeMath(text);
}

function liveSentinels(marked: string, pattern: RegExp): Set<number> {
  const live = new Set<number>();
  const add = (text: string) => {
    for (const match of text.matchAll(pattern)) {
      live.add(Number(match[1]));
    }
  };
  for (const token of MARKDOWN.parse(withoutMath(marked).text, {})) {
    if (token.type === 'inline' && token.children) {
      inlineText(token.children, add);
    } else if (token.type === 'html_block') {
      htmlText(token.content, add);
    }
  }
  return live;
}

function inlineText(
  children: MarkdownIt.Token[],
  add: (text: string) => void
): void {
  const opaque: string[] = [];
  let inUrl = false;
  for (const tok of children) {
    if (tok.type === 'text') {
      if (!inUrl && opaque.length === 0) {
        add(tok.content);
      }
    } else if (tok.type === 'link_open') {
      inUrl = tok.markup === 'autolink' || tok.markup === 'linkify';
    } else if (tok.type === 'link_close') {
      inUrl = false;
    } else if (tok.type === 'html_inline') {
      const tag = TAG.exec(tok.content);
      const name = tag?.[2].toLowerCase() ?? '';
      if (tag && OPAQUE_TAGS.has(name)) {
        if (!tag[1]) {
          opaque.push(name);
        } else {
          const at = opaque.lastIndexOf(name);
          if (at >= 0) {
            opaque.splice(at);
          }
        }
      }
    }
  }
}

/**
 * The text of raw HTML a reader sees (outside code-like elements; attributes and
 * comments are never text), given to `add` piece by piece.
 */
export function htmlText(html: string, add: (text: string) => void): void {
  const template = document.createElement('template');
  template.innerHTML = html;
  const walker = document.createTreeWalker(
    template.content,
    NodeFilter.SHOW_TEXT
  );
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let opaque = false;
    for (let up = node.parentElement; up; up = up.parentElement) {
      if (OPAQUE_TAGS.has(up.tagName.toLowerCase())) {
        opaque = true;
        break;
      }
    }
    if (!opaque) {
      add((node as Text).data);
    }
  }
}

/**
 * The syntax a user writes to reference or embed a block.
 */
export function referenceText(id: string): string {
  return `((${id}))`;
}

export function embedText(id: string, facet: Facet = 'all'): string {
  return facet === 'all'
    ? `{{embed ((${id}))}}`
    : `{{embed ((${id})) ${facet}}}`;
}
