import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Token } from '@lumino/coreutils';

import { addCommands } from './commands';
import { blocksMarkdownFactory } from './markdown';
import { BlocksModel, IBlocksEvent } from './model';
import { Navigator } from './navigation';
import { BLOCKS_EVENT_SCHEMA, IBlocksModel } from './tokens';
import { DEFAULT_SETTINGS, IBlocksSettings } from './transclusion';

export * from './tokens';
export { Navigator } from './navigation';

/**
 * The attribute on `document.body` that tells what the server check found
 * (`ok`, `missing`, `mismatch` or `error`); styles and UI tests read it.
 */
export const SERVER_STATE_ATTRIBUTE = 'data-jp-blocks-server';

/**
 * The navigator that opens notebooks at blocks, provided by `jupyter-blocks:navigation`.
 */
export const IBlocksNavigator = new Token<Navigator>(
  'jupyter-blocks:INavigator',
  'Opens a notebook at a block, and follows #cell-id= links.'
);

/**
 * The core plugin: provides the model, keeps it told of the server's changes, and
 * checks that the server half matches.
 */
const corePlugin: JupyterFrontEndPlugin<IBlocksModel> = {
  id: 'jupyter-blocks:core',
  description:
    'The jupyter-blocks model, and a check that its server extension runs.',
  autoStart: true,
  provides: IBlocksModel,
  activate: (app: JupyterFrontEnd): IBlocksModel => {
    const model = new BlocksModel();
    app.serviceManager.events.stream.connect((_, event) => {
      if (event.schema_id === BLOCKS_EVENT_SCHEMA) {
        model.handleEvent(event as unknown as IBlocksEvent);
      }
    });
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

/**
 * Opening notebooks at blocks, and following pasted `#cell-id=` links.
 */
const navigationPlugin: JupyterFrontEndPlugin<Navigator> = {
  id: 'jupyter-blocks:navigation',
  description: 'Opens a notebook at a block, and follows #cell-id= links.',
  autoStart: true,
  requires: [IBlocksModel, IDocumentManager, INotebookTracker],
  provides: IBlocksNavigator,
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    docManager: IDocumentManager,
    tracker: INotebookTracker
  ): Navigator => {
    const navigator = new Navigator(docManager, tracker, model);
    void app.restored.then(() => navigator.followLocationHash());
    window.addEventListener(
      'hashchange',
      () => void navigator.followLocationHash()
    );
    return navigator;
  }
};

/**
 * Rendering `((id))`, `{{embed ((id))}}` and `[[path.ipynb]]` wherever JupyterLab
 * renders markdown.
 */
const renderPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:render',
  description: 'Renders block references and embeds in markdown.',
  autoStart: true,
  requires: [IBlocksModel, IRenderMimeRegistry, IBlocksNavigator],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    rendermime: IRenderMimeRegistry,
    navigator: Navigator,
    settingRegistry: ISettingRegistry | null
  ): void => {
    // Renderers read the settings as they render: a change applies to the next render.
    const settings: IBlocksSettings = { ...DEFAULT_SETTINGS };
    const factory = blocksMarkdownFactory({
      model,
      rendermime,
      contents: app.serviceManager.contents,
      settings,
      open: target => void navigator.open(target),
      openNotebook: path => navigator.openNotebook(path)
    });
    rendermime.addFactory(factory, factory.defaultRank);
    if (settingRegistry) {
      void settingRegistry.load(renderPlugin.id).then(loaded => {
        const apply = () => Object.assign(settings, loaded.composite);
        apply();
        loaded.changed.connect(apply);
      });
    }
  }
};

/**
 * Copy Block Reference, Copy Block Embed and Copy Link to Cell.
 */
const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:commands',
  description:
    'Commands that copy a reference, an embed or a link to the active cell.',
  autoStart: true,
  requires: [IBlocksModel, INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ): void => {
    addCommands(app, tracker, model, palette);
  }
};

export default [corePlugin, navigationPlugin, renderPlugin, commandsPlugin];
