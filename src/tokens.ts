import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import {
  IServerCheck,
  IBlock,
  IBacklink,
  ISearchHit,
  ILinksMoved,
  ILabelRename,
  IStatus,
  IRecipe,
  IBlocksChange
} from './shapes';
import { IGraph, IUnlinked } from './connections';

export * from './connections';
export * from './shapes';

/**
 * Options of `IBlocksModel.ensureId`.
 */
export interface IEnsureIdOptions {
  /**
   * The ids the open document gave its cells, written as they are.
   */
  cellIds?: string[];
  /**
   * The open document's timestamp: the server refuses if the file changed since.
   */
  lastModified?: string;
}

/**
 * The jupyter-blocks model: the one place that talks to the server extension.
 */
export interface IBlocksModel {
  /**
   * Ask the server extension for its version and compare it with the frontend's.
   * Never throws: problems are reported in the result.
   */
  checkServer(): Promise<IServerCheck>;
  /**
   * The result of the last server check, or null before the first one ends.
   */
  readonly serverCheck: IServerCheck | null;
  /**
   * The blocks of these ids (null for an unknown id). Calls made in the same moment
   * are merged into one request, and answers are cached until the server says the
   * block changed.
   */
  resolve(ids: string[]): Promise<Map<string, IBlock | null>>;
  /**
   * The id of the cell at `index` of `path`, written into the notebook first when it
   * has none, so that a reference to it never dangles.
   */
  ensureId(
    path: string,
    index: number,
    options?: IEnsureIdOptions
  ): Promise<{ id: string; written: boolean }>;
  /**
   * Blocks whose text matches `query`.
   */
  search(query: string, limit?: number): Promise<ISearchHit[]>;
  /**
   * Blocks that reference or embed the block `id`.
   */
  backlinks(id: string): Promise<IBacklink[]>;
  /**
   * Blocks that reference any block of the notebook at `path`, or link to it.
   */
  notebookBacklinks(path: string): Promise<IBacklink[]>;
  /**
   * The notebook a `[[target]]` link opens (a bare name resolves when exactly one
   * notebook has it); rejects with the reason otherwise.
   */
  resolveNotebookLink(target: string): Promise<string>;
  /**
   * For each referenced block of the notebook at `path`: how many blocks reference it.
   */
  backlinkCounts(path: string): Promise<Record<string, number>>;
  /**
   * The index's state and problems.
   */
  status(): Promise<IStatus>;
  /**
   * Cells elsewhere that name the notebook `path` (title, file name) or the block
   * `id` (its label) in prose without linking it.
   */
  unlinked(target: { path: string } | { id: string }): Promise<IUnlinked[]>;
  /**
   * Turn an unlinked mention into its link in a notebook that is not open (through
   * the server's ContentsManager); rejects when the cell changed since it was read.
   */
  linkMention(mention: IUnlinked): Promise<void>;
  /**
   * The graph of notebooks: whole, or within `depth` links of `path`.
   */
  graph(path?: string, depth?: 1 | 2): Promise<IGraph>;
  /**
   * What `jupyter_blocks.use(id)` would run: the block's recipe, read from its
   * notebook as saved (asked each time: never cached).
   */
  recipe(id: string): Promise<IRecipe>;
  /**
   * The source of a cell with `label` set in its own form (`#| label:` for code, a
   * MyST `(label)=` line for markdown); rejects when another block holds the label.
   */
  labelSource(
    cellType: string,
    source: string,
    label: string,
    id: string | null
  ): Promise<string>;
  /**
   * Rename a label where it is declared and in every reference to it: notebooks in
   * `open` come back as edits for their models, the others are written.
   */
  renameLabel(
    label: string,
    newLabel: string,
    open: string[]
  ): Promise<ILabelRename>;
  /**
   * After this browser renamed a notebook or folder: the `[[links]]` to it follow
   * (notebooks in `open` come back as edits for their models, the others are written).
   */
  followMove(from: string, to: string, open: string[]): Promise<ILabelRename>;
  /**
   * Emitted when the server says blocks changed (after the cache forgot them).
   */
  readonly changed: ISignal<IBlocksModel, IBlocksChange>;
  /**
   * Emitted when the server rewrote `[[links]]` after a rename made through Jupyter.
   */
  readonly linksMoved: ISignal<IBlocksModel, ILinksMoved>;
  /**
   * Emitted while the server indexes (`done` of `total` notebooks): during the first
   * scan of the root, and when many notebooks changed at once; `ready` is true once
   * the first scan is over.
   */
  readonly progress: ISignal<
    IBlocksModel,
    { done: number; total: number; ready: boolean }
  >;
}

/**
 * The token of the jupyter-blocks model, provided by `jupyter-blocks:core`.
 */
export const IBlocksModel = new Token<IBlocksModel>(
  'jupyter-blocks:IBlocksModel',
  'The jupyter-blocks model: blocks, references and backlinks from the server.'
);

/**
 * The `$id` of the server's event schema.
 */
export const BLOCKS_EVENT_SCHEMA =
  'https://events.jupyter-blocks.org/jupyter_blocks/blocks/v1';
