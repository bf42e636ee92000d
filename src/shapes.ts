import type * as nbformat from '@jupyterlab/nbformat';

/**
 * The shapes of what the server extension answers over REST and announces in its
 * events (README, "REST API"), as the frontend reads them.
 */

/**
 * What the frontend learned about the jupyter-blocks server extension.
 */
export interface IServerCheck {
  /**
   * `ok`: the server extension answers with the frontend's version;
   * `missing`: no server extension answers (404 or unreachable);
   * `mismatch`: it answers with another version;
   * `error`: it answered with an unexpected error.
   */
  state: 'ok' | 'missing' | 'mismatch' | 'error';
  /**
   * The version of this frontend package.
   */
  frontendVersion: string;
  /**
   * The version the server reported, when it answered.
   */
  serverVersion: string | null;
  /**
   * A sentence a user can act on (empty when everything is fine).
   */
  message: string;
}

/**
 * A block as the server serves it (`GET /api/blocks/block/<id>`).
 */
export interface IBlock {
  /**
   * The cell id, or null for a cell of a notebook without ids.
   */
  id: string | null;
  /**
   * The label the block declares (`#| label: x`, `(x)=`), or null.
   */
  label?: string | null;
  /**
   * The notebook path, relative to the server root.
   */
  path: string;
  /**
   * The cell's position in its notebook.
   */
  index: number;
  /**
   * `markdown`, `code` or `raw`.
   */
  cell_type: string;
  /**
   * The cell's source.
   */
  source: string;
  /**
   * The outputs of a code cell, as nbformat output dicts.
   */
  outputs: nbformat.IOutput[];
  /**
   * The execution count of a code cell.
   */
  execution_count: number | null;
  /**
   * The attachments of a markdown cell.
   */
  attachments: Record<string, Record<string, string>>;
  /**
   * Whether this user trusts the notebook (Jupyter's signatures).
   */
  trusted: boolean;
  /**
   * True for a tombstone: the last known content of a deleted block.
   */
  deleted: boolean;
  /**
   * The language of the notebook's code (to highlight it), or "".
   */
  language: string;
}

/**
 * One block that references (or embeds, or links to) another.
 */
export interface IBacklink {
  /**
   * The referencing cell's id (null when its notebook has no ids).
   */
  id: string | null;
  /**
   * The referencing notebook.
   */
  path: string;
  /**
   * The referencing cell's position.
   */
  index: number;
  /**
   * `ref`, `embed` or `notebook` (a `[[path]]` link).
   */
  kind: 'ref' | 'embed' | 'notebook';
  /**
   * A one-line excerpt around the reference, as written.
   */
  snippet: string;
  /**
   * Every kind of reference this cell makes to the target (one entry per cell).
   */
  kinds?: ('ref' | 'embed' | 'notebook')[];
  /**
   * The referencing block's text as a person reads it: markdown rendered to text,
   * references shown as their targets' titles.
   */
  text?: string;
  /**
   * Where in `text` the references to the target show, as [start, end) offsets.
   */
  marks?: [number, number][];
  /**
   * The title of the referencing block.
   */
  title?: string;
}

/**
 * One search result.
 */
export interface ISearchHit {
  /**
   * The block id (null when its notebook has no ids yet).
   */
  id: string | null;
  /**
   * The notebook path.
   */
  path: string;
  /**
   * The cell's position.
   */
  index: number;
  /**
   * `markdown`, `code` or `raw`.
   */
  cell_type: string;
  /**
   * A one-line excerpt of the matching text.
   */
  snippet: string;
  /**
   * The block's label (`#| label: x`, `(x)=`), when it declares one.
   */
  label?: string | null;
  /**
   * The block's title: its heading or first line.
   */
  title?: string;
}

/**
 * A notebook or folder renamed through Jupyter, and the `[[links]]` to it the server
 * rewrote (the `links-moved` event).
 */
export interface ILinksMoved {
  from: string;
  to: string;
  /**
   * The notebooks whose links were rewritten on disk.
   */
  paths: string[];
  /**
   * How many cells were rewritten.
   */
  count: number;
  /**
   * Notebooks left as they were (changed since indexed).
   */
  refused: string[];
}

/**
 * What Rename Block Label did (`POST /api/blocks/rename-label`).
 */
export interface ILabelRename {
  /**
   * Closed notebooks written, with the cells rewritten.
   */
  written: { path: string; cells: number[] }[];
  /**
   * Cells of the notebooks open here, for the client to edit in their models.
   */
  edits: { path: string; index: number; source: string; new_source: string }[];
  /**
   * Notebooks left as they were (changed since indexed, being written), and why.
   */
  refused: { path: string; reason: string }[];
}

/**
 * The index's state (`GET /api/blocks/status`).
 */
export interface IStatus {
  /**
   * The server extension's version.
   */
  version: string;
  /**
   * `indexing` during the first scan (or while a damaged index is rebuilt), then
   * `ready`; `unavailable` while the index cannot be used (see `reason`).
   */
  state: 'starting' | 'indexing' | 'ready' | 'unavailable';
  /**
   * Why the index cannot answer now, and what to do, when it cannot (unavailable,
   * being rebuilt after damage); `null` otherwise.
   */
  reason?: string | null;
  /**
   * Indexed notebooks.
   */
  notebooks: number;
  /**
   * Indexed blocks.
   */
  blocks: number;
  /**
   * References, embeds and links.
   */
  references: number;
  /**
   * Changes waiting to be indexed.
   */
  pending: number;
  /**
   * Progress of the first scan.
   */
  progress: { done: number; total: number };
  /**
   * Files that could not be indexed, and why.
   */
  skipped: { path: string; reason: string }[];
  /**
   * How many files were skipped in all (the list may be cut short).
   */
  skipped_total: number;
  /**
   * Notebooks that repeat the ids of another (copies).
   */
  duplicates: { path: string; original: string; count: number }[];
}

/**
 * One cell of a recipe.
 */
export interface IRecipeCell {
  /**
   * The cell id (null for a cell of a notebook without ids).
   */
  id: string | null;
  /**
   * The cell's position in its notebook (from 0).
   */
  index: number;
  /**
   * The cell's source, as saved.
   */
  source: string;
  /**
   * The names the cell defines.
   */
  defines: string[];
  /**
   * The names the cell reads from cells above it (or from overrides).
   */
  uses: string[];
}

/**
 * What `jupyter_blocks.use()` would run for a block (`GET /api/blocks/recipe/<id>`).
 */
export interface IRecipe {
  /**
   * The block id (null for a cell without one).
   */
  id: string | null;
  /**
   * The block's notebook.
   */
  path: string;
  /**
   * The block's position in its notebook (from 0).
   */
  index: number;
  /**
   * `code`, `markdown` or `raw`: only a code block has cells to run.
   */
  cell_type: string;
  /**
   * The notebook's language.
   */
  language: string;
  /**
   * Whether the notebook is a Python notebook (`use()` runs Python only).
   */
  python: boolean;
  /**
   * The cells that run, in notebook order, the block last.
   */
  cells: IRecipeCell[];
  /**
   * The names the cells take from cells above them: what a caller may override.
   */
  inputs: string[];
  /**
   * Names a cell reads that no cell above defines: a caller must give them.
   */
  missing: { name: string; index: number }[];
  /**
   * When the notebook file was saved (ISO 8601), or null.
   */
  last_modified: string | null;
}

/**
 * What changed in the index, from the server's `jupyter_blocks` events.
 */
export interface IBlocksChange {
  /**
   * Block ids whose content or place changed.
   */
  ids: ReadonlySet<string>;
  /**
   * Notebook paths whose blocks changed.
   */
  paths: ReadonlySet<string>;
  /**
   * True when the lists were cut short: anything may have changed.
   */
  all: boolean;
}
