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
 * The label a cell declares, or null (the rule of `jupyter_blocks/labels.py`, specified
 * in `spec/syntax-cases.json`, `labels`, which both test suites run):
 *
 * - a code cell whose leading cell options (`#| key: value` lines before any other
 *   non-blank line, Quarto's "Cell options") include `#| label: <name>` (the value may
 *   be quoted);
 * - a markdown cell whose first non-blank line is a MyST target `(<name>)=`;
 * - raw cells have none.
 *
 * Only a name that can be written inside `((...))` is a label (`isTarget`).
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
      return isTarget(value) ? value : null;
    }
  }
  return null;
}
