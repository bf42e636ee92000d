import {
  blockTitle,
  embedText,
  findTokens,
  isBlockId,
  referenceText
} from '../syntax';

describe('findTokens', () => {
  it('finds references, embeds with facets and notebook links in order', () => {
    const text =
      'See ((a-1)) then {{embed ((b_2))}} and {{ embed ((c3)) outputs }} ' +
      '{{embed ((d4)) source}} in [[folder/x.ipynb]].';
    expect(findTokens(text).map(t => ({ ...t, start: 0, end: 0 }))).toEqual([
      { kind: 'ref', id: 'a-1', start: 0, end: 0 },
      { kind: 'embed', id: 'b_2', facet: 'all', start: 0, end: 0 },
      { kind: 'embed', id: 'c3', facet: 'outputs', start: 0, end: 0 },
      { kind: 'embed', id: 'd4', facet: 'source', start: 0, end: 0 },
      { kind: 'notebook', path: 'folder/x.ipynb', start: 0, end: 0 }
    ]);
  });

  it('gives the span of each token in the text', () => {
    const text = 'x ((abc)) y';
    const [token] = findTokens(text);
    expect(text.slice(token.start, token.end)).toBe('((abc))');
  });

  it('reads an embed with an unknown facet as a plain reference', () => {
    expect(findTokens('{{embed ((abc)) everything}}')).toEqual([
      { kind: 'ref', id: 'abc', start: 8, end: 15 }
    ]);
  });

  it('ignores ids that break the nbformat schema', () => {
    expect(findTokens('((has space)) ((dots.are.bad)) (())')).toEqual([]);
    expect(findTokens(`((${'a'.repeat(65)}))`)).toEqual([]);
    expect(findTokens(`((${'a'.repeat(64)}))`)).toHaveLength(1);
  });

  it('only links notebooks', () => {
    expect(findTokens('[[notes.md]] [[a]]')).toEqual([]);
    expect(findTokens('[[Upper.IPYNB]]')[0]).toMatchObject({
      kind: 'notebook',
      path: 'Upper.IPYNB'
    });
  });

  it('stays linear on pathological input', () => {
    const text = '(('.repeat(50000) + '[['.repeat(50000);
    expect(findTokens(text)).toEqual([]);
  });
});

describe('helpers', () => {
  it('validates ids', () => {
    expect(isBlockId('a-b_C9')).toBe(true);
    expect(isBlockId('a b')).toBe(false);
    expect(isBlockId('')).toBe(false);
  });

  it('titles a block by its heading or first line', () => {
    expect(blockTitle('\n## Monthly sales\n\ntext')).toBe('Monthly sales');
    expect(blockTitle('# comment\nimport numpy')).toBe('comment');
    expect(blockTitle('x = 1\ny = 2')).toBe('x = 1');
    expect(blockTitle('**Finding:** a `peak`')).toBe('Finding: a peak');
    expect(blockTitle('a'.repeat(200)).length).toBe(80);
  });

  it('writes the syntax', () => {
    expect(referenceText('abc')).toBe('((abc))');
    expect(embedText('abc')).toBe('{{embed ((abc))}}');
    expect(embedText('abc', 'outputs')).toBe('{{embed ((abc)) outputs}}');
  });
});
