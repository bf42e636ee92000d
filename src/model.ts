import { BlocksRequestError, requestAPI } from './request';
import { IBlocksModel, IServerCheck } from './tokens';

/**
 * The version of this frontend package, from its package.json (bundled at build time).
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const FRONTEND_VERSION: string = require('../package.json').version;

/**
 * The pip command that installs the server half matching this frontend.
 */
export const INSTALL_COMMAND = `pip install "jupyter-blocks==${FRONTEND_VERSION}"`;

/**
 * The jupyter-blocks model: every call to the server goes through here.
 */
export class BlocksModel implements IBlocksModel {
  get serverCheck(): IServerCheck | null {
    return this._serverCheck;
  }

  async checkServer(): Promise<IServerCheck> {
    const check = await this._checkServer();
    this._serverCheck = check;
    return check;
  }

  private async _checkServer(): Promise<IServerCheck> {
    const frontendVersion = FRONTEND_VERSION;
    try {
      const reply = await requestAPI<{ version: string }>('version');
      const serverVersion = reply?.version ?? null;
      if (serverVersion === frontendVersion) {
        return { state: 'ok', frontendVersion, serverVersion, message: '' };
      }
      return {
        state: 'mismatch',
        frontendVersion,
        serverVersion,
        message:
          `jupyter-blocks: the server extension is version ${serverVersion} but ` +
          `the JupyterLab extension is ${frontendVersion}. Run ${INSTALL_COMMAND} ` +
          'in the environment that runs Jupyter, then restart the server.'
      };
    } catch (error) {
      const status = error instanceof BlocksRequestError ? error.status : -1;
      if (status === 404 || status === 0) {
        return {
          state: 'missing',
          frontendVersion,
          serverVersion: null,
          message:
            'jupyter-blocks: the server extension is not running, so references ' +
            `and backlinks cannot load. Run ${INSTALL_COMMAND} and ` +
            '"jupyter server extension enable jupyter_blocks" in the environment ' +
            'that runs Jupyter, then restart the server.'
        };
      }
      return {
        state: 'error',
        frontendVersion,
        serverVersion: null,
        message: `jupyter-blocks: the server extension answered an error: ${
          (error as Error).message
        }`
      };
    }
  }

  private _serverCheck: IServerCheck | null = null;
}
