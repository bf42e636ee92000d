import { isTarget } from './syntax';

/**
 * A Quarto / MyST cell option line: `#| key: value`.
 */
const OPTION = /^\s*#\|\s*([A-Za-z0-9_-]+)\s*:\s*(.*?)\s*$/;

/**
 * A MyST target line: `(name)=`.
 */
const MYST_TARGET = /^\s*\(([^()\s]+)\)=\s*$/;

/**
 * Plain values YAML reads as something other than text (YAML 1.1 as PyYAML and MyST-NB
 * read it, 1.2's core schema with timestamps as Quarto's js-yaml does): booleans, null,
 * integers, floats, dates. The pattern of `jupyter_blocks/links/labels.py`.
 */
const YAML_NOT_TEXT = new RegExp(
  '^(?:true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF' +
    '|null|Null|NULL|~' +
    '|[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o[0-7_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)' +
    '|[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?' +
    '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])*\\.[0-9_]*' +
    '|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+' +
    '|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt][0-9:.]+(?:Z|[-+][0-9:]+)?)?)$'
);

/**
 * The label a cell declares, or null (the rule of `jupyter_blocks/labels.py`, specified
 * in `spec/syntax-cases.json`, `labels`, which both test suites run):
 *
 * - a code cell whose leading cell options (`#| key: value` lines before any other
 *   non-blank line, Quarto's "Cell options") include `#| label: <name>` (the value may
 *   be quoted);
 * - a markdown cell whose first non-blank line is a MyST target `(<name>)=`;
 * - raw cells have none.
 *
 * Only a name that can be written inside `((...))` is a label (`isTarget`), and, in a
 * cell option, unquoted, only one YAML reads as text (not `true`, `null`, `1.5`).
 *
 * @param source The cell's source, as a string (nbformat's list of lines joined).
 * @param cellType `code`, `markdown` or `raw`.
 */
export function labelOf(source: string, cellType: string): string | null {
  if (cellType !== 'code' && cellType !== 'markdown') {
    return null;
  }
  for (const line of source.split(/\r\n|\r|\n/)) {
    if (!line.trim()) {
      continue;
    }
    if (cellType === 'markdown') {
      const name = MYST_TARGET.exec(line)?.[1];
      return name !== undefined && isTarget(name) ? name : null;
    }
    const option = OPTION.exec(line);
    if (!option) {
      return null; // options come first
    }
    if (option[1] === 'label') {
      const value = option[2].replace(/^["']+|["']+$/g, '');
      if (value === option[2] && YAML_NOT_TEXT.test(value)) {
        return null; // a boolean, a number, a date: not a name
      }
      return isTarget(value) ? value : null;
    }
  }
  return null;
}
