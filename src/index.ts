import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  ToolbarButton
} from '@jupyterlab/apputils';
import { IEditorExtensionRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon, SidePanel } from '@jupyterlab/ui-components';
import { Token } from '@lumino/coreutils';

import { BacklinksModel, BacklinksView } from './backlinks';
import { BadgeController } from './badges';
import { CellNodes } from './cellnodes';
import { addCommands, CommandIDs, persistedCellId } from './commands';
import { addLabelCommands, followLinkMoves } from './labelling';
import { registerBlockCompletion } from './completion';
import { GraphView } from './graph';
import { GraphModel } from './graphmodel';
import { blocksMarkdownFactory, renderBlockMarkdown } from './markdown';
import { BlocksModel, IBlocksEvent } from './model';
import { BlockMoves } from './moves';
import { Navigator } from './navigation';
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
import { linkMention, UnlinkedView } from './unlinked';

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
 * The icon of the backlinks panel.
 */
const backlinksIcon = new LabIcon({
  name: 'jupyter-blocks:backlinks',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M10.6 13.4a1 1 0 0 1 0-1.4l3-3a3 3 0 0 1 4.2 4.2l-2 2a3 3 0 0 1-4.2 0 1 1 0 0 1 1.4-1.4 1 1 0 0 0 1.4 0l2-2a1 1 0 0 0-1.4-1.4l-3 3a1 1 0 0 1-1.4 0z"/>' +
    '<path d="M13.4 10.6a1 1 0 0 1 0 1.4l-3 3a3 3 0 0 1-4.2-4.2l2-2a3 3 0 0 1 4.2 0 1 1 0 0 1-1.4 1.4 1 1 0 0 0-1.4 0l-2 2a1 1 0 0 0 1.4 1.4l3-3a1 1 0 0 1 1.4 0z"/>' +
    '</g></svg>'
});

/**
 * The backlinks panel, and the count badges on referenced cells.
 */
const backlinksPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:backlinks',
  description:
    'A side panel listing every block that references the active cell or notebook.',
  autoStart: true,
  requires: [
    IBlocksModel,
    INotebookTracker,
    IBlocksNavigator,
    IDocumentManager
  ],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    tracker: INotebookTracker,
    navigator: Navigator,
    docManager: IDocumentManager,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const backlinks = new BacklinksModel(model, tracker);
    const panel = new SidePanel();
    panel.id = 'jupyter-blocks-backlinks';
    panel.title.icon = backlinksIcon;
    panel.title.caption =
      'Backlinks: blocks that reference this cell or notebook';
    panel.addClass('jp-Blocks-backlinksPanel');
    const header = document.createElement('h2');
    header.textContent = 'Backlinks';
    panel.header.node.append(header);
    const view = new BacklinksView(backlinks, target => navigator.open(target));
    // The panel's sections are an accordion: each has a name beside its caret.
    view.title.label = 'Linked references';
    panel.addWidget(view);
    const unlinked = new UnlinkedView(
      backlinks,
      target => navigator.open(target),
      mention => linkMention(model, docManager, mention)
    );
    unlinked.title.label = 'Unlinked references';
    panel.addWidget(unlinked);
    panel.toolbar.addItem(
      'graph',
      new ToolbarButton({
        className: 'jp-Blocks-graphButton',
        label: 'Graph',
        tooltip: 'Show the Blocks Graph of notebooks and their links',
        onClick: () => void app.commands.execute(CommandIDs.showGraph)
      })
    );
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, 'jupyter-blocks-backlinks');

    app.commands.addCommand(CommandIDs.showBacklinks, {
      label: 'Show Backlinks',
      caption: 'Open the panel of blocks that reference the active cell',
      execute: () => {
        app.shell.activateById(panel.id);
        void backlinks.refresh();
      }
    });
    palette?.addItem({ command: CommandIDs.showBacklinks, category: 'Blocks' });

    const onBadge = (notebook: NotebookPanel, index: number) => {
      notebook.content.activeCellIndex = index;
      void app.commands.execute(CommandIDs.showBacklinks);
    };
    tracker.widgetAdded.connect((_, notebook) => {
      new BadgeController(notebook, model, onBadge);
    });
  }
};

/**
 * The Blocks Graph: notebooks and the links between them, in a main-area tab.
 */
const graphPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-blocks:graph',
  description:
    'A panel drawing notebooks and the references and links between them.',
  autoStart: true,
  requires: [IBlocksModel, INotebookTracker, IDocumentManager],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    model: IBlocksModel,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    palette: ICommandPalette | null
  ): void => {
    let widget: MainAreaWidget<GraphView> | null = null;
    app.commands.addCommand(CommandIDs.showGraph, {
      label: 'Show Blocks Graph',
      caption: 'Draw the notebooks and the references and links between them',
      execute: () => {
        if (widget === null || widget.isDisposed) {
          const graph = new GraphModel(model, tracker);
          const content = new GraphView(graph, path => {
            docManager.openOrReveal(path);
          });
          widget = new MainAreaWidget({ content });
          widget.id = 'jupyter-blocks-graph';
          widget.title.label = 'Blocks Graph';
          widget.title.closable = true;
          widget.disposed.connect(() => graph.dispose());
          app.shell.add(widget, 'main', { mode: 'split-right' });
        }
        app.shell.activateById(widget.id);
      }
    });
    palette?.addItem({ command: CommandIDs.showGraph, category: 'Blocks' });
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
