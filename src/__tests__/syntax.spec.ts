import {
  embedText,
  findTokens,
  isBlockId,
  isTarget,
  referenceText
} from '../syntax';
import { titleTargets } from '../titles';

// What the shared table (spec/syntax-cases.json, run by syntax-spec.spec.ts) does not
// say: the offsets and shapes of the frontend's tokens, and its helpers.

describe('findTokens', () => {
  it('gives the span of each token in the source, as written', () => {
    const source =
      'x ((abc)) y {{ embed ((d)) outputs[1] with {"a": 1} }} [[n.ipynb]]';
    const spans = findTokens(source).map(t => source.slice(t.start, t.end));
    expect(spans).toEqual([
      '((abc))',
      '{{ embed ((d)) outputs[1] with {"a": 1} }}',
      '[[n.ipynb]]'
    ]);
  });

  it('gives an embed its facet, output and patch', () => {
    expect(findTokens('{{embed ((d)) outputs[2] with {"a": 1}}}')[0]).toEqual({
      kind: 'embed',
      id: 'd',
      facet: 'outputs',
      output: 2,
      patch: '{"a": 1}',
      start: 0,
      end: 40
    });
  });
});

describe('helpers', () => {
  it('validates ids and targets', () => {
    expect(isBlockId('a-b_C9')).toBe(true);
    expect(isBlockId('a.b')).toBe(false);
    expect(isTarget('fig:sales.v2')).toBe(true);
    expect(isTarget('a b')).toBe(false);
  });

  it('lists the targets a title shows', () => {
    expect(titleTargets('((a)) and ((b))\n\n((c))')).toEqual(['a', 'b']);
    expect(titleTargets('plain')).toEqual([]);
    expect(titleTargets('((a))', 'code')).toEqual([]);
  });

  it('writes the syntax', () => {
    expect(referenceText('abc')).toBe('((abc))');
    expect(embedText('abc')).toBe('{{embed ((abc))}}');
    expect(embedText('abc', 'outputs')).toBe('{{embed ((abc)) outputs}}');
  });
});
