import MarkdownIt from 'markdown-it';

import {
  candidates,
  htmlText,
  MARKDOWN,
  MAX_PARSE_COST,
  parseCost,
  Token,
  withoutMath,
  withSentinels
} from './syntax';

/**
 * How long a title may be before it is cut.
 */
export const TITLE_CHARS = 80;

const OPTION = /^\s*#\|/;
const COMMENT = /^(?:#+|\/\/+|--+)\s*/;
const TARGET_LINE = /^\s*\([^()\n]+\)=\s*$/;
const MATH = /@@([0-9]+)@@/g;

/**
 * The title of a block: what a reference to it shows, as a reader sees it. The rule is
 * specified in `spec/syntax-cases.json` (`titles`), which the server's
 * `jupyter_blocks/titles.py` also runs:
 *
 * - markdown: the first line of text as rendered (markup dropped; a MyST target line
 *   `(label)=` skipped), a reference showing its target's title from `titles` (or
 *   nothing), a notebook link the notebook's name, an embed nothing;
 * - code and raw: the first line that is not blank nor a cell option (`#| ...`),
 *   without a leading comment marker;
 * - whitespace squashed, cut at `maxLength` with an ellipsis.
 */
export function blockTitle(
  source: string,
  cellType = 'markdown',
  titles: ReadonlyMap<string, string> = new Map(),
  maxLength = TITLE_CHARS
): string {
  const raw =
    cellType === 'markdown' ? markdownTitle(source, titles) : codeTitle(source);
  const text = raw.replace(/\s+/g, ' ').trim();
  return text.length <= maxLength
    ? text
    : text.slice(0, maxLength - 1).trimEnd() + '…';
}

/**
 * The targets a block's title shows the titles of (its first line's references).
 */
export function titleTargets(source: string, cellType = 'markdown'): string[] {
  if (cellType !== 'markdown') {
    return [];
  }
  const marker = '\u0000';
  const found = new Map<string, string>();
  const probe = markdownTitle(source, {
    get: (target: string) => {
      found.set(target, target);
      return marker;
    }
  } as unknown as ReadonlyMap<string, string>);
  return probe.includes(marker) ? [...found.keys()] : [];
}

function codeTitle(source: string): string {
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() && !OPTION.test(line)) {
      return line.trim().replace(COMMENT, '');
    }
  }
  return '';
}

function markdownTitle(
  source: string,
  titles: ReadonlyMap<string, string>
): string {
  const lines = source.split(/\r?\n/).filter(line => !TARGET_LINE.test(line));
  const text = lines.join('\n');
  const found =
    text.includes('((') || text.includes('[[') ? candidates(text) : [];
  const marked = withSentinels(text, found);
  if (parseCost(marked.text) > MAX_PARSE_COST) {
    return lines.find(line => line.trim()) ?? '';
  }
  const { text: parsed, math } = withoutMath(marked.text);
  const restoreMath = (part: string) =>
    part.replace(MATH, (_, n) => unescapeMath(math[Number(n)] ?? ''));
  const shown = (part: string) =>
    restoreMath(
      part.replace(marked.pattern, (_, n) =>
        showToken(found[Number(n)], titles)
      )
    );
  const written = (part: string) =>
    restoreMath(
      part.replace(marked.pattern, (_, n) => {
        const token = found[Number(n)];
        return text.slice(token.start, token.end);
      })
    );
  for (const token of MARKDOWN.parse(parsed, {})) {
    let line = '';
    if (token.type === 'inline' && token.children) {
      line = firstLine(token.children, shown, written);
    } else if (token.type === 'html_block') {
      const parts: string[] = [];
      htmlText(token.content, part => parts.push(part));
      line = shown(
        parts
          .join('')
          .split('\n')
          .find(part => part.trim()) ?? ''
      );
    }
    if (line.trim()) {
      return line;
    }
  }
  return '';
}

function firstLine(
  children: MarkdownIt.Token[],
  shown: (part: string) => string,
  written: (part: string) => string
): string {
  const parts: string[] = [];
  for (const tok of children) {
    if (tok.type === 'softbreak' || tok.type === 'hardbreak') {
      if (parts.join('').trim()) {
        break;
      }
    } else if (tok.type === 'text') {
      parts.push(shown(tok.content));
    } else if (tok.type === 'code_inline') {
      parts.push(written(tok.content));
    } else if (tok.type === 'image') {
      parts.push(firstLine(tok.children ?? [], shown, written));
    }
  }
  return parts.join('');
}

function showToken(token: Token, titles: ReadonlyMap<string, string>): string {
  if (token.kind === 'ref') {
    return titles.get(token.id) ?? '';
  }
  if (token.kind === 'notebook') {
    const name = token.path.replace(/\\/g, '/').split('/').pop() ?? '';
    const dot = name.lastIndexOf('.');
    return dot >= 0 ? name.slice(0, dot) : name;
  }
  return '';
}

function unescapeMath(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
