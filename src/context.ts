/**
 * What rendering references and embeds needs from the application, and the user's
 * settings it reads (transclusion.ts and embedoutputs.ts both take them).
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Contents } from '@jupyterlab/services';

import { ITrustPolicy } from './policy';
import { IBlock, IBlocksModel } from './tokens';

/**
 * What rendering references and embeds needs from the application.
 */
export interface ITransclusionContext {
  /**
   * The blocks model (resolve, changes).
   */
  model: IBlocksModel;
  /**
   * The application's renderers, for outputs and embedded markdown.
   */
  rendermime: IRenderMimeRegistry;
  /**
   * The contents manager, to resolve links inside an embedded block relative to the
   * notebook it comes from.
   */
  contents: Contents.IManager;
  /**
   * Open the notebook of a block at that block.
   */
  open(target: { path: string; id: string | null; index: number }): void;
  /**
   * Open a notebook.
   */
  openNotebook(path: string): void;
  /**
   * The user's settings.
   */
  settings: IBlocksSettings;
  /**
   * Shows a preview of a block when the pointer rests on a reference to it.
   */
  preview?: { attach(anchor: HTMLElement, block: IBlock): void };
  /**
   * What may render trusted (one policy for every view of a block).
   */
  policy: ITrustPolicy;
  /**
   * The id of the notebook cell that holds a rendered node, if any (an embed of
   * that cell inside it is a cycle).
   */
  hostCellId?(node: HTMLElement): string | null;
  /**
   * Adds actions to the embed of a code block (`box`, its header first), given the
   * block and the id the embed names (see reuse.ts).
   */
  embedActions?(box: HTMLElement, block: IBlock, id: string): void;
}

/**
 * Where an embed sits: the embeds around it, and the cell they start from.
 */
export interface IEmbedChain {
  ancestors: string[];
  host: string | null;
  /**
   * Show a code block's outputs before its source (what a preview is for).
   */
  outputsFirst?: boolean;
}

/**
 * The settings of `jupyter-blocks:render`.
 */
export interface IBlocksSettings {
  /**
   * How many embeds deep an embed may nest before a "too deep" marker.
   */
  embedDepth: number;
  /**
   * Whether a full embed of a code cell shows its source (outputs always show).
   */
  showEmbedSource: boolean;
  /**
   * Whether embeds and references refresh when their source notebook changes.
   */
  liveRefresh: boolean;
}

export const DEFAULT_SETTINGS: IBlocksSettings = {
  embedDepth: 3,
  showEmbedSource: true,
  liveRefresh: true
};
