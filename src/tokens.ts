import { Token } from '@lumino/coreutils';

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
}

/**
 * The token of the jupyter-blocks model, provided by `jupyter-blocks:core`.
 */
export const IBlocksModel = new Token<IBlocksModel>(
  'jupyter-blocks:IBlocksModel',
  'The jupyter-blocks model: blocks, references and backlinks from the server.'
);
