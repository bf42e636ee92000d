/**
 * The shared rule for language names written into markup (spec/language-names.json),
 * run against the frontend's policy. The server's pytest suite runs the same table.
 */
import { languageTag } from '../policy';

interface ICase {
  name: unknown;
  tag: string;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const SPEC: { cases: ICase[] } = require('../../spec/language-names.json');

describe('language names written into markup', () => {
  for (const { name, tag } of SPEC.cases) {
    it(`${JSON.stringify(name).slice(0, 40)} gives ${JSON.stringify(tag)}`, () => {
      expect(languageTag(name)).toBe(tag);
    });
  }
});
