import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

/**
 * The server's index as `GET /api/blocks/status` reports it (see the README, "REST API").
 */
export interface IIndexStatus {
  version: string;
  state: 'indexing' | 'ready';
  notebooks: number;
  blocks: number;
  references: number;
  pending: number;
  [key: string]: unknown;
}

/**
 * The backlinks panel, opened.
 */
export interface IBacklinksPanel {
  /**
   * The whole panel (`#jupyter-blocks-backlinks`).
   */
  panel: Locator;
  /**
   * The section listing the blocks that reference the active cell.
   */
  forCell: Locator;
  /**
   * The section listing what references the active notebook (any cell, or `[[path]]`).
   */
  forNotebook: Locator;
  /**
   * The entries (one per referencing block) of both sections, or of one notebook's
   * group when `path` is given.
   */
  entries(path?: string): Locator;
}

/**
 * Options of the waits below.
 */
export interface IWaitOptions {
  /**
   * Milliseconds before giving up (default 15000).
   */
  timeout?: number;
}

/**
 * The `blocks` fixture: jupyter-blocks as an end-to-end test sees it.
 */
export interface IBlocksHelper {
  /**
   * Wait until the server's index is ready and idle (`state` is `ready` and nothing
   * is `pending`): every notebook written so far can be found. Resolves to the status.
   */
  waitForIndex(options?: IWaitOptions): Promise<IIndexStatus>;
  /**
   * The cell of a block, by block id or label (an id wins on a clash), reached the way
   * a user's link reaches it: through the `#cell-id=` deep link, which scrolls a
   * windowed notebook straight to the cell (no scrolling step by step), makes it the
   * active cell and opens its notebook if needed (found through the index). Resolves
   * to a Locator of the `.jp-Cell` (it carries `data-block-id`, and `data-block-label`
   * when the cell has a label). Rejects when no open notebook or indexed block has it.
   */
  cell(idOrLabel: string, options?: IWaitOptions): Promise<Locator>;
  /**
   * The embeds of a block (`{{embed ((id))}}` rendered) in the notebook on screen, or
   * only those inside the cell `inCell` (a block id) when given.
   */
  embed(id: string, inCell?: string): Locator;
  /**
   * Open the backlinks panel (the command _Show Backlinks_) for the active cell.
   */
  backlinks(): Promise<IBacklinksPanel>;
  /**
   * Open the notebook at `path` (relative to the server root) at the block `id`: in
   * JupyterLab as the file browser opens it, in Jupyter Notebook 7 by its URL
   * `/notebooks/<path>#cell-id=<id>`. Resolves to the cell, as `cell` does.
   */
  openAt(path: string, id: string, options?: IWaitOptions): Promise<Locator>;
}

const DEFAULT_TIMEOUT = 15000;
/**
 * The notebook on screen (JupyterLab hides the panels of background tabs).
 */
const VISIBLE_NOTEBOOK = '.jp-NotebookPanel:not(.lm-mod-hidden)';

/**
 * The helper behind the `blocks` fixture, for a galata page.
 */
export class BlocksHelper implements IBlocksHelper {
  constructor(private readonly _page: IJupyterLabPageFixture) {}

  async waitForIndex(options: IWaitOptions = {}): Promise<IIndexStatus> {
    const deadline = Date.now() + (options.timeout ?? DEFAULT_TIMEOUT);
    let last = 'no answer';
    for (;;) {
      const response = await this._page.request.get('api/blocks/status');
      if (response.ok()) {
        const status = (await response.json()) as IIndexStatus;
        if (status.state === 'ready' && status.pending === 0) {
          return status;
        }
        last = JSON.stringify(status);
      } else {
        last = `HTTP ${response.status()}: ${await response.text()}`;
      }
      if (Date.now() > deadline) {
        throw new Error(`The blocks index is not ready (last status: ${last})`);
      }
      await this._page.waitForTimeout(100);
    }
  }

  async cell(idOrLabel: string, options: IWaitOptions = {}): Promise<Locator> {
    const page = this._page;
    // The deep link, as a link to the cell would give it: JupyterLab's router does not
    // see a hash change made this way (no popstate), jupyter-blocks' navigator does.
    await page.evaluate(target => {
      window.history.replaceState(
        window.history.state,
        '',
        `#cell-id=${encodeURIComponent(target)}`
      );
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }, idOrLabel);
    return this._activeCell(idOrLabel, options);
  }

  embed(id: string, inCell?: string): Locator {
    const scope = inCell
      ? `${VISIBLE_NOTEBOOK} .jp-Cell[data-block-id="${inCell}"]`
      : VISIBLE_NOTEBOOK;
    return this._page.locator(
      `${scope} .jp-Blocks-embed[data-block-id="${id}"]`
    );
  }

  async backlinks(): Promise<IBacklinksPanel> {
    await this._page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-backlinks')
    );
    const panel = this._page.locator('#jupyter-blocks-backlinks');
    await panel.waitFor({ state: 'visible' });
    return {
      panel,
      forCell: panel.locator('.jp-Blocks-cellBacklinks'),
      forNotebook: panel.locator('.jp-Blocks-notebookBacklinks'),
      entries: (path?: string) =>
        path === undefined
          ? panel.locator('.jp-Blocks-backlink')
          : panel.locator(
              `.jp-Blocks-backlinksGroup[data-path="${path}"] .jp-Blocks-backlink`
            )
    };
  }

  async openAt(
    path: string,
    id: string,
    options: IWaitOptions = {}
  ): Promise<Locator> {
    const page = this._page;
    // Notebook 7 marks its pages with `data-notebook` on the body (and names its app).
    const notebook = await page.evaluate(
      () =>
        (window as any).jupyterapp?.name === 'Jupyter Notebook' ||
        document.body.dataset.notebook !== undefined
    );
    if (notebook) {
      // Notebook 7 opens every notebook in a page of its own.
      const url = `notebooks/${path
        .split('/')
        .map(encodeURIComponent)
        .join('/')}#cell-id=${encodeURIComponent(id)}`;
      await page.goto(url);
      return this._activeCell(id, options);
    }
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', { path });
    }, path);
    await page.waitForFunction(
      path => {
        const widget = window.jupyterapp.shell.currentWidget as any;
        return widget?.context?.path === path && widget.context.isReady;
      },
      path,
      { timeout: options.timeout ?? DEFAULT_TIMEOUT }
    );
    return this.cell(id, options);
  }

  /**
   * Once the navigator made the cell of `idOrLabel` the active cell of the notebook
   * on screen, a locator of it by its block id.
   */
  private async _activeCell(
    idOrLabel: string,
    options: IWaitOptions
  ): Promise<Locator> {
    const selector = `${VISIBLE_NOTEBOOK} .jp-Cell.jp-mod-active`;
    let handle;
    try {
      handle = await this._page.waitForFunction(
        ([selector, target]) => {
          for (const node of document.querySelectorAll<HTMLElement>(selector)) {
            if (
              node.dataset.blockId === target ||
              node.dataset.blockLabel === target
            ) {
              return node.dataset.blockId;
            }
          }
          return false;
        },
        [selector, idOrLabel] as const,
        { timeout: options.timeout ?? DEFAULT_TIMEOUT }
      );
    } catch (error) {
      throw new Error(
        `No cell with the id or label "${idOrLabel}" was reached: not in the notebook ` +
          `on screen, nor a block the index knows (${(error as Error).message})`
      );
    }
    const id = (await handle.jsonValue()) as string;
    return this._page.locator(
      `${VISIBLE_NOTEBOOK} .jp-Cell[data-block-id="${id}"]`
    );
  }
}
