/**
 * The block syntax, as the server parses it (jupyter_blocks/refs.py): `((id))`,
 * `{{embed ((id))}}` with an optional `source` or `outputs` facet, and
 * `[[path.ipynb]]`. The renderer applies it to the text of rendered markdown, so code
 * spans and fenced code (rendered as `<code>`/`<pre>`) are never parsed.
 */

const ID = '[A-Za-z0-9_-]{1,64}';

/**
 * One alternation, scanned left to right, so an embed takes its inner `((id))`.
 */
const TOKEN_SOURCE =
  `\\{\\{[ \\t]*embed[ \\t]*\\(\\((${ID})\\)\\)` +
  '(?:[ \\t]*(source|outputs))?[ \\t]*\\}\\}' +
  `|\\(\\((${ID})\\)\\)` +
  '|\\[\\[([^\\[\\]\\n]*?\\.[iI][pP][yY][nN][bB])[ \\t]*\\]\\]';

const BLOCK_ID = new RegExp(`^${ID}$`);

/**
 * A part of an embed: the whole block, its source or its outputs.
 */
export type Facet = 'all' | 'source' | 'outputs';

/**
 * One piece of syntax found in a text.
 */
export type Token =
  | { kind: 'ref'; id: string; start: number; end: number }
  | { kind: 'embed'; id: string; facet: Facet; start: number; end: number }
  | { kind: 'notebook'; path: string; start: number; end: number };

/**
 * Whether a string is a valid nbformat 4.5 cell id.
 */
export function isBlockId(value: string): boolean {
  return BLOCK_ID.test(value);
}

/**
 * Every reference, embed and notebook link in a text, in order.
 */
export function findTokens(text: string): Token[] {
  if (!text.includes('((') && !text.includes('[[')) {
    return [];
  }
  const tokens: Token[] = [];
  const pattern = new RegExp(TOKEN_SOURCE, 'g');
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const start = match.index;
    const end = start + match[0].length;
    if (match[1] !== undefined) {
      const facet = (match[2] as Facet | undefined) ?? 'all';
      tokens.push({ kind: 'embed', id: match[1], facet, start, end });
    } else if (match[3] !== undefined) {
      tokens.push({ kind: 'ref', id: match[3], start, end });
    } else {
      tokens.push({ kind: 'notebook', path: match[4].trim(), start, end });
    }
  }
  return tokens;
}

/**
 * The text a reference shows for a block: its heading or first line, without the
 * markdown of a heading or list item, shortened.
 */
export function blockTitle(source: string, maxLength = 80): string {
  const line =
    source
      .split('\n')
      .map(l => l.trim())
      .find(l => l.length > 0) ?? '';
  const text = line
    .replace(/^#{1,6}\s+/, '')
    .replace(/^[-*+]\s+/, '')
    .replace(/^>\s*/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();
  return text.length > maxLength ? text.slice(0, maxLength - 1) + '…' : text;
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
