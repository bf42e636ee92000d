/**
 * Cells addressable by block id: `data-block-id` / `data-block-label` on every cell
 * node, and the `jupyter-blocks/galata` fixture this project ships for other suites
 * (imported here by that name, see ui-tests/tsconfig.json).
 */
import { expect, galata, test } from 'jupyter-blocks/galata';

import { code, markdown, notebook, unique, upload } from './helpers';

const TRACKER = '@jupyterlab/notebook-extension:tracker';

/**
 * The attributes of every cell node in the notebook on screen, with the position the
 * windowed list gave the node.
 */
async function cellNodes(
  page: import('@playwright/test').Page
): Promise<{ index: number; id?: string; label?: string }[]> {
  return page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')
    .evaluateAll(nodes =>
      nodes.map(node => {
        const item = node.closest('[data-windowed-list-index]') ?? node;
        return {
          index: Number(
            (item as HTMLElement).dataset.windowedListIndex ?? '-1'
          ),
          id: (node as HTMLElement).dataset.blockId,
          label: (node as HTMLElement).dataset.blockLabel
        };
      })
    );
}

test.describe('cells in the DOM carry their block id', () => {
  // JupyterLab's fully windowed mode: only the cells in view are in the page.
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      [TRACKER]: {
        ...(galata.DEFAULT_SETTINGS[TRACKER] ?? {}),
        windowingMode: 'full'
      }
    }
  });

  test('every cell of a windowed 1,000-cell notebook, as it scrolls, and a cell reached by id', async ({
    page,
    tmpPath,
    blocks
  }) => {
    test.setTimeout(180_000);
    const run = unique();
    const id = (i: number) => `n${i}-${run}`;
    const label = (i: number) => `label${i}-${run}`;
    const cells = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 0
        ? code(id(i), `#| label: ${label(i)}\nx = ${i}`)
        : markdown(id(i), `Cell ${i}`)
    );
    const path = `${tmpPath}/long.ipynb`;
    await upload(page, path, notebook(cells));
    await page.notebook.openByPath(path);
    await expect(
      page.locator(`.jp-Cell[data-block-id="${id(0)}"]`)
    ).toBeVisible();

    const check = async () => {
      const nodes = await cellNodes(page);
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.length).toBeLessThan(1000); // windowed: not all in the page
      for (const node of nodes) {
        expect(node.id).toBe(id(node.index));
        expect(node.label).toBe(
          node.index % 10 === 0 ? label(node.index) : undefined
        );
      }
      return nodes;
    };
    await check();

    // When the user scrolls down with the mouse wheel
    await page
      .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')
      .hover();
    for (let i = 0; i < 6; i++) {
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(100);
    }
    await expect
      .poll(async () => Math.max(...(await cellNodes(page)).map(n => n.index)))
      .toBeGreaterThan(100);
    await check();

    // The fixture reaches cell 900 by id and cell 950 by label, through the deep link
    const cell900 = await blocks.cell(id(900));
    await expect(cell900).toBeVisible();
    await expect(cell900).toContainText('x = 900');
    await expect(cell900).toHaveAttribute('data-block-label', label(900));
    const cell950 = await blocks.cell(label(950));
    await expect(cell950).toBeVisible();
    await expect(cell950).toHaveAttribute('data-block-id', id(950));
    await check();
  });
});

// contentVisibility (JupyterLab's default) and defer: the notebook attaches its cells
// in order, a few at each idle moment; cell 900 of 1,000 is not in the page for many
// seconds after opening.
for (const mode of ['contentVisibility', 'defer']) {
  test.describe(`a cell far down a long notebook, in the ${mode} windowing mode`, () => {
    test.use({
      mockSettings: {
        ...galata.DEFAULT_SETTINGS,
        [TRACKER]: {
          ...(galata.DEFAULT_SETTINGS[TRACKER] ?? {}),
          windowingMode: mode
        }
      }
    });

    test('cell() reaches it right after opening, with its neighbours, and it stays in view while the cells above come in', async ({
      page,
      tmpPath,
      blocks
    }) => {
      test.setTimeout(120_000);
      const run = unique();
      const id = (i: number) => `v${i}-${run}`;
      const label = (i: number) => `vlabel${i}-${run}`;
      const cells = Array.from({ length: 1000 }, (_, i) =>
        i % 10 === 0
          ? code(id(i), `#| label: ${label(i)}\nx = ${i}`)
          : markdown(id(i), `Cell ${i}`)
      );
      const path = `${tmpPath}/long-${mode}.ipynb`;
      await upload(page, path, notebook(cells));
      await page.notebook.openByPath(path);
      await expect(
        page.locator(`.jp-Cell[data-block-id="${id(0)}"]`)
      ).toBeVisible();

      // A markdown cell, by id, as soon as the notebook shows
      const target = await blocks.cell(id(901));
      await expect(target).toBeInViewport();
      await expect(target).toContainText('Cell 901');
      await expect(target).toHaveClass(/jp-mod-active/);
      // seen in its context: the cells around it are in the page too
      for (const near of [897, 900, 905]) {
        await expect(
          page.locator(`.jp-Cell[data-block-id="${id(near)}"]`)
        ).toBeAttached();
      }
      // and it is still in view while the notebook attaches the cells above it
      await page.waitForTimeout(3000);
      await expect(target).toBeInViewport();
      // until the user scrolls away: the view is theirs again
      await target.hover();
      await page.mouse.wheel(0, -4000);
      await page.waitForTimeout(1500);
      await expect(target).not.toBeInViewport();

      // A code cell, by label
      const cell950 = await blocks.cell(label(950));
      await expect(cell950).toBeInViewport();
      await expect(cell950).toHaveAttribute('data-block-id', id(950));
      await expect(cell950).toContainText('x = 950');
    });
  });
}

test.describe('cell ids follow edits', () => {
  test('added, cut and pasted, copied, and relabelled cells', async ({
    page,
    tmpPath
  }) => {
    const run = unique();
    const [a, b, c] = ['a', 'b', 'c'].map(x => `${x}-${run}`);
    const path = `${tmpPath}/edits.ipynb`;
    await upload(
      page,
      path,
      notebook([
        markdown(a, '(first-label)=\n# First'),
        code(b, 'x = 1'),
        markdown(c, '# Third')
      ])
    );
    await page.notebook.openByPath(path);
    const nodes = page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell'
    );
    await expect(nodes).toHaveCount(3);
    await expect(nodes.nth(0)).toHaveAttribute('data-block-id', a);
    await expect(nodes.nth(0)).toHaveAttribute(
      'data-block-label',
      'first-label'
    );
    await expect(nodes.nth(1)).not.toHaveAttribute('data-block-label', /.*/);

    const modelIds = () =>
      page.evaluate(() => {
        const panel = window.jupyterapp.shell.currentWidget as any;
        return panel.content.widgets.map((cell: any) => cell.model.id);
      });
    const domIds = () =>
      nodes.evaluateAll(list =>
        list.map(node => (node as HTMLElement).dataset.blockId)
      );
    const run_ = (command: string) =>
      page.evaluate(
        command => window.jupyterapp.commands.execute(command),
        command
      );
    const select = (index: number) =>
      page.evaluate(index => {
        const panel = window.jupyterapp.shell.currentWidget as any;
        panel.content.activeCellIndex = index;
        panel.content.mode = 'command';
      }, index);

    // A new cell
    await select(2);
    await run_('notebook:insert-cell-below');
    await expect(nodes).toHaveCount(4);
    expect(await domIds()).toEqual(await modelIds());

    // Cut the first cell, paste it at the end: a move keeps the id, and the node says so
    await select(0);
    await run_('notebook:cut-cell');
    await select(2);
    await run_('notebook:paste-cell-below');
    await expect(nodes.nth(3)).toHaveAttribute('data-block-id', a);
    await expect(nodes.nth(3)).toHaveAttribute(
      'data-block-label',
      'first-label'
    );
    expect(await domIds()).toEqual(await modelIds());

    // Copy and paste: a new block, with its own id on its node
    await select(0);
    await run_('notebook:copy-cell');
    await run_('notebook:paste-cell-below');
    await expect(nodes).toHaveCount(5);
    const ids = await domIds();
    expect(ids).toEqual(await modelIds());
    expect(new Set(ids).size).toBe(5);

    // Give the code cell a label on its first line
    await page.evaluate(b => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      const cell = panel.content.widgets.find((w: any) => w.model.id === b);
      cell.model.sharedModel.setSource('#| label: now-labelled\nx = 1');
    }, b);
    await expect(
      page.locator(`.jp-Cell[data-block-id="${b}"]`)
    ).toHaveAttribute('data-block-label', 'now-labelled');
  });
});

test.describe('the jupyter-blocks/galata fixture', () => {
  test('waitForIndex, openAt, embed and backlinks on the demo', async ({
    page,
    blocks
  }) => {
    const status = await blocks.waitForIndex();
    expect(status.state).toBe('ready');
    expect(status.pending).toBe(0);

    // The report, opened at its trend section, embeds the plot block
    const trend = await blocks.openAt('report.ipynb', 'report-trend');
    await expect(trend).toBeVisible();
    await expect(trend).toContainText('The trend');
    await expect(blocks.embed('sales-plot', 'report-trend')).toBeVisible();

    // The plot block, in its own notebook, lists the report among its backlinks
    const plot = await blocks.openAt('data/sales.ipynb', 'sales-plot');
    await expect(plot).toHaveClass(/jp-mod-active/);
    const backlinks = await blocks.backlinks();
    await expect(backlinks.entries('report.ipynb').first()).toBeVisible();
    await expect(backlinks.forCell).toContainText('report.ipynb');

    // A block of a notebook that is not open: cell() opens it through the index
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('docmanager:open', {
        path: 'notes/index.ipynb'
      })
    );
    const season = await blocks.cell('season-finding');
    await expect(season).toBeVisible();
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'seasonality.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
  });

  test('cell() says which id it could not reach', async ({ blocks }) => {
    await blocks.waitForIndex();
    await expect(
      blocks.cell('no-such-block', { timeout: 2000 })
    ).rejects.toThrow('No cell with the id or label "no-such-block"');
  });
});
