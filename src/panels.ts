import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  ToolbarButton
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon, SidePanel } from '@jupyterlab/ui-components';

import { BacklinksModel, BacklinksView } from './backlinks';
import { BadgeController } from './badges';
import { CommandIDs } from './commands';
import { GraphView } from './graph';
import { GraphModel } from './graphmodel';
import { IBlocksNavigator, Navigator } from './navigation';
import { IBlocksModel } from './tokens';
import { linkMention, UnlinkedView } from './unlinked';

/**
 * The panels of jupyter-blocks: backlinks (linked and unlinked references) on the
 * right, and the Blocks Graph in the main area.
 */

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
export const backlinksPlugin: JupyterFrontEndPlugin<void> = {
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
export const graphPlugin: JupyterFrontEndPlugin<void> = {
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
