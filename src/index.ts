import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IEditorExtensionRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';

import { CellNodes } from './cellnodes';
import { addCommands, persistedCellId } from './commands';
import { addLabelCommands, followLinkMoves } from './labelling';
import { registerBlockCompletion } from './completion';
import { blocksMarkdownFactory, renderBlockMarkdown } from './markdown';
import { BlocksModel, IBlocksEvent } from './model';
import { BlockMoves } from './moves';
import { IBlocksNavigator, Navigator } from './navigation';
import { backlinksPlugin, graphPlugin } from './panels';
import { HoverPreview } from './preview';
import { ReuseActions } from './reuse';
import { IndexStatusItem } from './status';
import { findTokens } from './syntax';
import { BLOCKS_EVENT_SCHEMA, IBlocksModel } from './tokens';
import {
  createEmbed,
  DEFAULT_SETTINGS,
  IBlocksSettings,
  ITransclusionContext,
  TRUST_POLICY
} from './transclusion';

export * from './tokens';
export { IBlocksNavigator, Navigator } from './navigation';

/**
 * The attribute on `document.body` that tells what the server check found
 * (`ok`, `missing`, `mismatch` or `error`); styles and UI tests read it.
 */
export const SERVER_STATE_ATTRIBUTE = 'data-jp-blocks-server';

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
  requires: [
    IBlocksModel,
    IRenderMimeRegistry,
    IBlocksNavigator,
    INotebookTracker
  ],
  optional: [ISettingRegistry, IDocumentManager],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    rendermime: IRenderMimeRegistry,
    navigator: Navigator,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    docManager: IDocumentManager | null
  ): void => {
    // A notebook's references resolve in one request as it opens: its cells render in
    // several passes, and each finds its blocks already asked for or cached.
    tracker.widgetAdded.connect((_, panel) => {
      void panel.context.ready.then(() => {
        const ids = referencedIds(panel);
        if (ids.length > 0) {
          model.resolve(ids).catch(() => undefined);
        }
      });
    });
    // Renderers read the settings as they render: a change applies to the next render.
    const settings: IBlocksSettings = { ...DEFAULT_SETTINGS };
    const context: ITransclusionContext = {
      model,
      rendermime,
      contents: app.serviceManager.contents,
      settings,
      open: target => void navigator.open(target),
      openNotebook: path => void navigator.openNotebook(path),
      policy: TRUST_POLICY,
      hostCellId: node => hostCellId(tracker, node)
    };
    // Reuse in this kernel, Show recipe: on embeds of code blocks.
    const reuse = new ReuseActions({
      model,
      tracker,
      docManager,
      open: target => void navigator.open(target)
    });
    context.embedActions = (box, block, id) => reuse.decorate(box, block, id);
    // Hovering a reference previews its block, rendered as an embed of it would be.
    context.preview = new HoverPreview(async (host, block, renderers) => {
      const id = block.id ?? '';
      host.append(
        await createEmbed(
          { kind: 'embed', id, facet: 'all', start: 0, end: 0 },
          block,
          { ancestors: [], host: null, outputsFirst: true },
          { ...context, embedActions: undefined }, // a preview is for reading
          (node, nested, ancestors) =>
            renderBlockMarkdown(context, node, nested, ancestors, id),
          renderers
        )
      );
    });
    const factory = blocksMarkdownFactory(context);
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
 * The id of the notebook cell whose rendered markdown holds `node`.
 */
function hostCellId(
  tracker: INotebookTracker,
  node: HTMLElement
): string | null {
  const cellNode = node.closest('.jp-Cell');
  if (!cellNode) {
    return null;
  }
  const panel = tracker.find(p => p.node.contains(cellNode));
  const cell = panel?.content.widgets.find(w => w.node === cellNode);
  return cell?.model.id ?? null;
}

/**
 * Every block id the markdown cells of a notebook reference or embed.
 */
function referencedIds(panel: NotebookPanel): string[] {
  const ids = new Set<string>();
  const cells = panel.content.model?.cells;
  for (let i = 0; cells && i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type === 'markdown') {
      for (const token of findTokens(cell.sharedModel.getSource())) {
        if (token.kind !== 'notebook') {
          ids.add(token.id);
        }
      }
    }
  }
  return [...ids];
}

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
    addLabelCommands(app, tracker, model, palette);
    followLinkMoves(app, model, tracker);
  }
};

/**
 * Cut and paste, merge: moving a block keeps its id, so references follow it.
 */
const movesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:moves',
  description:
    'Keeps a block id when its cell is moved by cut and paste or merged.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    new BlockMoves(tracker, app.commands);
  }
};

/**
 * `data-block-id` and `data-block-label` on every cell, for end-to-end tests.
 */
const cellNodesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:cell-nodes',
  description:
    'Puts each cell block id and label on its node (data-block-id, data-block-label).',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    new CellNodes(tracker);
  }
};

/**
 * A status bar item: indexing progress, and the index's problems.
 */
const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:status',
  description: 'Shows indexing progress and problems in the status bar.',
  autoStart: true,
  requires: [IBlocksModel],
  optional: [IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    statusBar: IStatusBar | null
  ) => {
    if (!statusBar) {
      return;
    }
    const item = new IndexStatusItem(model);
    statusBar.registerStatusItem('jupyter-blocks:status', {
      item,
      align: 'left',
      rank: 900,
      isActive: () => item.active,
      activeStateChanged: item.activeChanged
    });
  }
};

/**
 * `((` autocompletion of blocks in markdown editors.
 */
const completionPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:completion',
  description: 'Completes ((block references)) from a search as you type.',
  autoStart: true,
  requires: [IBlocksModel, IEditorExtensionRegistry, IDocumentManager],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    registry: IEditorExtensionRegistry,
    docManager: IDocumentManager
  ): void => {
    registerBlockCompletion(registry, {
      search: query => model.search(query, 12),
      persistedId: async hit => {
        // An open notebook gives its own ids (and is not overwritten with edits).
        const open = docManager.findWidget(hit.path);
        if (open instanceof NotebookPanel) {
          return persistedCellId(
            model,
            open,
            hit.index,
            app.serviceManager.contents
          );
        }
        return (await model.ensureId(hit.path, hit.index)).id;
      }
    });
  }
};

export default [
  corePlugin,
  navigationPlugin,
  renderPlugin,
  commandsPlugin,
  movesPlugin,
  cellNodesPlugin,
  backlinksPlugin,
  graphPlugin,
  statusPlugin,
  completionPlugin
];
