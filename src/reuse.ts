import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { IBlockTarget } from './navigation';
import { IBlock, IBlocksModel, IRecipe } from './tokens';

/**
 * The caption of the reuse action where it cannot run.
 */
export const PYTHON_ONLY = 'Python kernels only';

/**
 * The languages `jupyter_blocks.use()` runs (a notebook that names none is Python, as
 * Jupyter's default kernel is).
 */
const PYTHON_NAMES = new Set([
  '',
  'python',
  'python2',
  'python3',
  'ipython',
  'ipython3'
]);

export function isPython(language: string | null | undefined): boolean {
  return PYTHON_NAMES.has((language ?? '').toLowerCase());
}

/**
 * The code a "Reuse in this kernel" cell holds: `use()` of the block, with the names
 * it takes from the cells above it as commented keyword arguments (what may be
 * overridden), and the result last, so that running the cell shows it.
 */
export function reuseCode(id: string, recipe: IRecipe): string {
  const call = JSON.stringify(id); // a block id is a valid Python string as JSON writes it
  const lines = ['from jupyter_blocks import use', ''];
  const names = [
    ...recipe.inputs.map(name => `    # ${name}=...,`),
    ...recipe.missing.map(
      m => `    # ${m.name}=...,  # needed: no cell above defines it`
    )
  ];
  if (names.length === 0) {
    lines.push(`r = use(${call})`);
  } else {
    lines.push('r = use(', `    ${call},`, ...names, ')');
  }
  lines.push('r');
  return lines.join('\n');
}

/**
 * What the reuse actions need from the application.
 */
export interface IReuseOptions {
  model: IBlocksModel;
  tracker: INotebookTracker;
  /**
   * To tell whether the block's notebook is open with unsaved changes.
   */
  docManager: IDocumentManager | null;
  /**
   * Opens a notebook at a cell.
   */
  open(target: IBlockTarget): void;
}

/**
 * **Reuse in this kernel** and **Show recipe** on embeds of code blocks.
 */
export class ReuseActions {
  constructor(private readonly _options: IReuseOptions) {}

  /**
   * Adds both actions to the header of an embed of a code block.
   */
  decorate(box: HTMLElement, block: IBlock, id: string): void {
    const header = box.querySelector('.jp-Blocks-embedHeader');
    if (block.deleted || block.cell_type !== 'code' || !header) {
      return;
    }
    const actions = document.createElement('span');
    actions.className = 'jp-Blocks-embedActions';
    const reuse = button('Reuse in this kernel', 'jp-Blocks-reuse');
    reuse.title =
      'Insert a cell below that runs this block in this notebook’s kernel, with use()';
    const recipe = button('Show recipe', 'jp-Blocks-showRecipe');
    recipe.title = 'List the cells use() would run for this block';
    recipe.setAttribute('aria-expanded', 'false');
    actions.append(reuse, recipe);
    header.append(actions);
    if (!isPython(block.language)) {
      disable(
        reuse,
        `Python notebooks only: ${block.path} is in ${block.language}`
      );
    } else {
      // The kernel may change: check it each time the pointer comes to the embed.
      box.addEventListener(
        'mouseenter',
        () => void this._checkKernel(box, reuse)
      );
      reuse.addEventListener('click', () => void this.reuse(box, block, id));
    }
    recipe.addEventListener(
      'click',
      () => void this.toggleRecipe(box, recipe, id)
    );
  }

  /**
   * Insert, below the cell that holds the embed, a code cell that reuses the block.
   */
  async reuse(box: HTMLElement, block: IBlock, id: string): Promise<void> {
    const host = this._host(box);
    if (!host) {
      Notification.warning(
        'Open a notebook to reuse this block in its kernel.',
        { autoClose: 5000 }
      );
      return;
    }
    const language = await kernelLanguage(host.panel);
    if (!isPython(language)) {
      this._refuse(box, language);
      return;
    }
    let recipe: IRecipe;
    try {
      recipe = await this._options.model.recipe(id);
    } catch (error) {
      Notification.error(
        `Cannot read the recipe of ${id}: ${(error as Error).message}`,
        { autoClose: 8000 }
      );
      return;
    }
    const notebook = host.panel.content;
    notebook.model?.sharedModel.insertCell(host.index + 1, {
      cell_type: 'code',
      source: reuseCode(id, recipe),
      metadata: {}
    });
    notebook.activeCellIndex = host.index + 1;
    notebook.deselectAll();
    const source = this._options.docManager?.findWidget(block.path);
    if (source instanceof NotebookPanel && source.context.model.dirty) {
      Notification.warning(
        `${block.path} has unsaved changes: use() runs the notebook as saved. ` +
          'Save it to reuse what you see.',
        { autoClose: 8000 }
      );
    }
  }

  /**
   * Show (or hide) inside the embed the cells `use()` would run, each a link to its
   * cell.
   */
  async toggleRecipe(
    box: HTMLElement,
    toggle: HTMLButtonElement,
    id: string
  ): Promise<void> {
    const shown = box.querySelector(':scope > .jp-Blocks-recipe');
    if (shown) {
      shown.remove();
      toggle.textContent = 'Show recipe';
      toggle.setAttribute('aria-expanded', 'false');
      return;
    }
    const panel = document.createElement('div');
    panel.className = 'jp-Blocks-recipe';
    panel.textContent = 'Reading the recipe…';
    box.querySelector(':scope > .jp-Blocks-embedHeader')?.after(panel);
    toggle.textContent = 'Hide recipe';
    toggle.setAttribute('aria-expanded', 'true');
    try {
      const recipe = await this._options.model.recipe(id);
      panel.replaceChildren(...this._recipeView(id, recipe));
    } catch (error) {
      panel.textContent = `Cannot read the recipe: ${(error as Error).message}`;
      panel.classList.add('jp-mod-error');
    }
  }

  private _recipeView(id: string, recipe: IRecipe): HTMLElement[] {
    const intro = document.createElement('p');
    if (!recipe.python) {
      intro.textContent = `${recipe.path} is a ${recipe.language} notebook: use() runs Python only.`;
      return [intro];
    }
    const plural =
      recipe.cells.length === 1 ? 'cell' : `${recipe.cells.length} cells`;
    intro.textContent = `use("${id}") runs ${plural} of ${recipe.path}, in this order:`;
    const list = document.createElement('ol');
    list.className = 'jp-Blocks-recipeCells';
    for (const cell of recipe.cells) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = '#';
      link.className = 'jp-Blocks-recipeCell';
      link.textContent = `cell ${cell.index + 1}`;
      link.title = `Open ${recipe.path} at cell ${cell.index + 1}`;
      link.addEventListener('click', event => {
        event.preventDefault();
        this._options.open({
          path: recipe.path,
          id: cell.id,
          index: cell.index
        });
      });
      item.append(link);
      if (cell.id) {
        const name = document.createElement('code');
        name.textContent = cell.id;
        item.append(' ', name);
      }
      const first = firstLine(cell.source);
      if (first) {
        const excerpt = document.createElement('span');
        excerpt.className = 'jp-Blocks-recipeExcerpt';
        excerpt.textContent = first;
        item.append(' ', excerpt);
      }
      list.append(item);
    }
    const parts: HTMLElement[] = [intro, list];
    const takes = document.createElement('p');
    takes.textContent = recipe.inputs.length
      ? `It takes ${recipe.inputs.join(', ')} from the cells above (pass your own: use("${id}", ${recipe.inputs[0]}=...)).`
      : 'It takes nothing from the cells above.';
    parts.push(takes);
    if (recipe.missing.length) {
      const missing = document.createElement('p');
      missing.className = 'jp-mod-warning';
      missing.textContent = `Nothing above defines ${recipe.missing
        .map(m => m.name)
        .join(
          ', '
        )}: give ${recipe.missing.length === 1 ? 'it' : 'them'} to use().`;
      parts.push(missing);
    }
    return parts;
  }

  /**
   * The notebook and cell an embed sits in; else the active cell of the current
   * notebook.
   */
  private _host(
    box: HTMLElement
  ): { panel: NotebookPanel; index: number } | null {
    const { tracker } = this._options;
    const panel =
      tracker.find(p => p.node.contains(box)) ?? tracker.currentWidget;
    if (!panel) {
      return null;
    }
    const index = panel.content.widgets.findIndex(w => w.node.contains(box));
    return {
      panel,
      index: index >= 0 ? index : panel.content.activeCellIndex
    };
  }

  private async _checkKernel(
    box: HTMLElement,
    reuse: HTMLButtonElement
  ): Promise<void> {
    const host = this._host(box);
    const language = host ? await kernelLanguage(host.panel) : '';
    if (isPython(language)) {
      reuse.disabled = false;
      reuse.removeAttribute('aria-label');
      reuse.title =
        'Insert a cell below that runs this block in this notebook’s kernel, with use()';
    } else {
      disable(reuse, `${PYTHON_ONLY}: this notebook’s kernel is ${language}`);
    }
  }

  private _refuse(box: HTMLElement, language: string): void {
    const reuse = box.querySelector<HTMLButtonElement>('.jp-Blocks-reuse');
    if (reuse) {
      disable(reuse, `${PYTHON_ONLY}: this notebook’s kernel is ${language}`);
    }
    Notification.warning(
      `${PYTHON_ONLY}: use() runs in a Python kernel, and this notebook’s kernel is ${language}.`,
      { autoClose: 8000 }
    );
  }
}

/**
 * The language of a notebook's kernel: the running kernel's, else the notebook's
 * kernelspec (what JupyterLab will start).
 */
async function kernelLanguage(panel: NotebookPanel): Promise<string> {
  const kernel = panel.sessionContext.session?.kernel;
  if (kernel) {
    try {
      const spec = await kernel.spec;
      if (spec?.language) {
        return spec.language;
      }
    } catch {
      // no spec: fall back to the notebook's metadata
    }
  }
  const kernelspec = panel.model?.getMetadata('kernelspec') as
    { language?: string } | undefined;
  return kernelspec?.language ?? '';
}

function button(text: string, className: string): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = 'button';
  node.className = `jp-Blocks-embedAction ${className}`;
  node.textContent = text;
  return node;
}

function disable(node: HTMLButtonElement, caption: string): void {
  node.disabled = true;
  node.title = caption;
  node.setAttribute('aria-label', `${node.textContent}: ${caption}`);
}

function firstLine(source: string): string {
  const line = source.split('\n').find(l => l.trim()) ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
