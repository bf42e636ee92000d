/**
 * JSON merge patch (RFC 7396), for `{{embed ((id)) outputs with {...}}}`: a Vega-Lite
 * output shown with changes and no kernel. The algorithm is RFC 7396 section 2; its
 * Appendix A examples are in `spec/syntax-cases.json`, run here and on the server
 * (`jupyter_blocks/patch.py`).
 */

/**
 * Vega-Lite mime types start with this, as JupyterLab's Vega extension renders them.
 */
export const VEGALITE_PREFIX = 'application/vnd.vegalite.';

/**
 * `target` with `patch` applied (a new value; neither argument changes).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) {
    return patch;
  }
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatch(result[key], value);
    }
  }
  return result;
}

/**
 * The patch written after `with`, or an Error saying what is wrong with it.
 */
export function parsePatch(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `the patch is not valid JSON (${(error as Error).message})`
    );
  }
  if (!isObject(value)) {
    throw new Error('the patch must be a JSON object');
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
