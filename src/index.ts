import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';

import { BlocksModel } from './model';
import { IBlocksModel } from './tokens';

export * from './tokens';

/**
 * The attribute on `document.body` that tells what the server check found
 * (`ok`, `missing`, `mismatch` or `error`); styles and UI tests read it.
 */
export const SERVER_STATE_ATTRIBUTE = 'data-jp-blocks-server';

/**
 * The core plugin: provides the model and checks that the server half matches.
 */
const corePlugin: JupyterFrontEndPlugin<IBlocksModel> = {
  id: 'jupyter-blocks:core',
  description:
    'The jupyter-blocks model, and a check that its server extension runs.',
  autoStart: true,
  provides: IBlocksModel,
  activate: (app: JupyterFrontEnd): IBlocksModel => {
    const model = new BlocksModel();
    // Check once the shell is restored, so that a notification has a place to show.
    void app.restored
      .then(() => model.checkServer())
      .then(check => {
        document.body.setAttribute(SERVER_STATE_ATTRIBUTE, check.state);
        if (check.state !== 'ok') {
          Notification.error(check.message, { autoClose: false });
        }
      });
    return model;
  }
};

export default [corePlugin];
