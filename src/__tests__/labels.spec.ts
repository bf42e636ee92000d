import { labelOf } from '../labels';

// What the shared table (spec/syntax-cases.json, `labels`, run by syntax-spec.spec.ts)
// does not say.
describe('labelOf', () => {
  it('reads the value however the option line is spaced or quoted', () => {
    expect(labelOf('#|label:fig-sales', 'code')).toBe('fig-sales');
    expect(labelOf("#| label: 'a.b:c'\r\nx", 'code')).toBe('a.b:c');
    expect(labelOf('  #|  label :  tbl-regions  \nx', 'code')).toBe(
      'tbl-regions'
    );
    expect(labelOf('(sec:intro)=  \r\n# Intro', 'markdown')).toBe('sec:intro');
  });

  it('gives no label elsewhere', () => {
    expect(labelOf('# label: not-an-option', 'code')).toBeNull();
    expect(labelOf('#| echo: false\nx = 1\n#| label: late', 'code')).toBeNull();
    expect(labelOf('(target)= and more', 'markdown')).toBeNull();
    expect(labelOf('', 'code')).toBeNull();
    expect(labelOf('\n\n', 'markdown')).toBeNull();
  });

  it('gives only names that can be written inside ((...))', () => {
    expect(labelOf('(a/b)=', 'markdown')).toBeNull();
    expect(labelOf(`(${'x'.repeat(65)})=`, 'markdown')).toBeNull();
    expect(labelOf(`(${'x'.repeat(64)})=`, 'markdown')).toBe('x'.repeat(64));
  });
});
