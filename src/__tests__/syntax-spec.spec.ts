/**
 * The shared specification of the block syntax (spec/syntax-cases.json), run against
 * the frontend's parser. The server's pytest suite runs the same table.
 */
import { labelOf } from '../labels';
import { mergePatch } from '../patch';
import { findTokens, Token } from '../syntax';
import { blockTitle } from '../titles';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const SPEC = require('../../spec/syntax-cases.json');

function asJson(tokens: Token[]): Record<string, unknown>[] {
  return tokens.map(token => {
    if (token.kind === 'notebook') {
      return { kind: 'notebook', target: token.path };
    }
    const item: Record<string, unknown> = {
      kind: token.kind,
      target: token.id
    };
    if (token.kind === 'embed') {
      if (token.facet !== 'all') {
        item.facet = token.facet;
      }
      if (token.output !== undefined) {
        item.output = token.output;
      }
      if (token.patch !== undefined) {
        item.patch = token.patch;
      }
    }
    return item;
  });
}

describe('the shared syntax specification', () => {
  it.each<[string, any]>(SPEC.references.map((c: any) => [c.name, c]))(
    'references: %s',
    (_, c: any) => {
      const tokens = findTokens(c.markdown);
      expect(asJson(tokens)).toEqual(c.references);
      for (const token of tokens) {
        const written = c.markdown.slice(token.start, token.end);
        expect(written.slice(0, 2)).toMatch(/^(\(\(|\{\{|\[\[)$/);
      }
    }
  );

  it.each<[string, any]>(SPEC.generated.map((c: any) => [c.name, c]))(
    'generated: %s',
    (_, c: any) => {
      const source = c.parts
        .map(([part, times]: [string, number]) => part.repeat(times))
        .join('');
      expect(asJson(findTokens(source))).toEqual(c.references);
    }
  );

  it.each<[string, any]>(SPEC.titles.map((c: any) => [c.name, c]))(
    'titles: %s',
    (_, c: any) => {
      const titles = new Map<string, string>(Object.entries(c.titles ?? {}));
      expect(blockTitle(c.source, c.cell_type ?? 'markdown', titles)).toBe(
        c.title
      );
    }
  );

  it.each<[string, any]>(
    SPEC.merge_patch.map((c: any) => [JSON.stringify(c.patch), c])
  )('merge patch: %s', (_, c: any) => {
    const target = JSON.parse(JSON.stringify(c.target));
    expect(mergePatch(target, c.patch)).toEqual(c.result);
    expect(target).toEqual(c.target);
  });

  it.each<[string, any]>(SPEC.labels.map((c: any) => [c.name, c]))(
    'labels: %s',
    (_, c: any) => {
      expect(labelOf(c.source, c.cell_type)).toBe(c.label);
    }
  );
});
