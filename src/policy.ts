import { IBlock } from './tokens';

/**
 * The one sanitizing policy of the frontend: what may render trusted when a block is
 * shown outside its notebook (embeds, hover previews; the backlinks panel and the
 * completion list show text only). The server's export applies the same rules
 * (`jupyter_blocks/policy.py`).
 *
 * - Markdown is always rendered untrusted, so sanitized, as JupyterLab renders
 *   markdown cells (whatever the notebook's trust).
 * - Code outputs render trusted only when the server says the user trusts the
 *   source notebook by Jupyter's own signatures (never a flag read from the file);
 *   otherwise only safe mime types, sanitized (no script, no untrusted SVG).
 * - A deleted block's last known content is shown as plain text.
 * - Nothing shown from another notebook may run a JupyterLab command
 *   (`data-commandlinker-*`), trusted or not: the host notebook's trust must not
 *   lend the embedded content a power its own notebook did not give it.
 */
export interface ITrustPolicy {
  /**
   * Whether the markdown of a block renders trusted (never).
   */
  markdownTrusted(block: IBlock): boolean;
  /**
   * Whether the outputs of a block render trusted.
   */
  outputsTrusted(block: IBlock): boolean;
}

export const TRUST_POLICY: ITrustPolicy = {
  markdownTrusted: () => false,
  outputsTrusted: block => block.trusted === true && !block.deleted
};

/**
 * Remove from rendered content what could run a JupyterLab command when clicked.
 */
export function disarmCommands(node: HTMLElement): void {
  for (const element of node.querySelectorAll(
    '[data-commandlinker-command], [data-commandlinker-args]'
  )) {
    element.removeAttribute('data-commandlinker-command');
    element.removeAttribute('data-commandlinker-args');
  }
}

const LANGUAGE =
  /^[A-Za-z0-9_+#.-](?:[A-Za-z0-9_+#. -]{0,62}[A-Za-z0-9_+#.-])?$/;

/**
 * A plain language name that may be written into markup (a code fence's info string):
 * 1 to 64 ASCII letters, digits, spaces and `_ + # . -`, not starting or ending with a
 * space; anything else gives "" (no highlighting). The rule of
 * `spec/language-names.json`, which the server's `policy.language_tag` also runs.
 */
export function languageTag(name: unknown): string {
  return typeof name === 'string' && LANGUAGE.test(name) ? name : '';
}
