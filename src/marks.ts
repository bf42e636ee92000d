/**
 * The small marks embeds and references show in place of a block or an output: why
 * it is missing or cannot be shown, a label, an id.
 */

/**
 * A marker for a block that could not be shown, with the reason; the rest of the
 * cell renders.
 */
export function failed(id: string, error: unknown): HTMLElement {
  const node = document.createElement('span');
  node.className = 'jp-Blocks-missing jp-mod-failed';
  node.dataset.blockId = id;
  node.append(
    label(`cannot show this block: ${(error as Error)?.message ?? error}`),
    ' ',
    code(id)
  );
  return node;
}

export function problem(text: string): HTMLElement {
  const node = document.createElement('div');
  node.className = 'jp-Blocks-problem';
  node.append(label(text));
  return node;
}

export function missing(
  id: string,
  tag: 'span' | 'div',
  text: string
): HTMLElement {
  const node = document.createElement(tag);
  node.className = 'jp-Blocks-missing';
  node.dataset.blockId = id;
  node.append(label(text + ':'), ' ', code(id));
  node.title = 'No notebook under the server root has a cell with this id.';
  return node;
}

export function marker(id: string, kind: string, text: string): HTMLElement {
  const node = document.createElement('div');
  node.className = `jp-Blocks-marker jp-mod-${kind}`;
  node.dataset.blockId = id;
  node.append(label(text), ' ', code(id));
  return node;
}

export function label(text: string): HTMLElement {
  const node = document.createElement('span');
  node.className = 'jp-Blocks-label';
  node.textContent = text;
  return node;
}

export function code(text: string): HTMLElement {
  const node = document.createElement('code');
  node.className = 'jp-Blocks-id';
  node.textContent = text;
  return node;
}
