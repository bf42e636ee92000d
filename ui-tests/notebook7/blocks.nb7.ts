/**
 * jupyter-blocks in Jupyter Notebook 7 (`jupyter notebook`, one page per document): the
 * same plugins as in JupyterLab, driven through the jupyter-blocks/galata fixture.
 */
import { expect, test as base } from 'jupyter-blocks/galata';

// Notebook 7 is ready when its main panel is there (it has no JupyterLab splash).
const test = base.extend({
  waitForApplication: async ({}, use) => {
    await use(async page => {
      await page.locator('#main-panel').waitFor();
    });
  }
});

test.describe('Jupyter Notebook 7', () => {
  test('references, embeds, cell ids, deep links and backlinks', async ({
    page,
    blocks
  }) => {
    await page.goto('tree');
    await page.locator('#main-panel').waitFor();
    await blocks.waitForIndex();
    // A link to a cell of the report opens the notebook page at that cell
    const trend = await blocks.openAt('report.ipynb', 'report-trend');
    await expect(page).toHaveURL(/\/notebooks\/report\.ipynb/);
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-blocks-server',
      'ok'
    );
    await expect(trend).toBeVisible();
    await expect(trend).toContainText('The trend');

    // References and embeds render; every cell carries its block id
    await expect(
      page.locator('.jp-Blocks-ref[data-block-id="sales-load"]').first()
    ).toBeVisible();
    await expect(blocks.embed('sales-plot', 'report-trend')).toBeVisible();
    const cells = page.locator('.jp-Notebook .jp-Cell');
    await expect(cells.first()).toHaveAttribute('data-block-id', /.+/);
    expect(
      await page.locator('.jp-Notebook .jp-Cell:not([data-block-id])').count()
    ).toBe(0);

    // The plot's own notebook: its backlinks panel lists the report
    const plot = await blocks.openAt('data/sales.ipynb', 'sales-plot');
    await expect(plot).toHaveClass(/jp-mod-active/);
    const backlinks = await blocks.backlinks();
    await expect(backlinks.entries('report.ipynb').first()).toBeVisible();
  });
});

test.describe('Jupyter Notebook 7: writing', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('copy commands give a reference, an embed and a link that opens the cell; (( completion inserts a reference that renders', async ({
    page,
    blocks
  }) => {
    const name = `nb7-writing-${Date.now()}.ipynb`;
    const created = await page.request.put(`api/contents/${name}`, {
      data: {
        type: 'notebook',
        format: 'json',
        content: {
          nbformat: 4,
          nbformat_minor: 5,
          // A kernel named, so that no kernel dialog covers the page
          metadata: {
            kernelspec: {
              name: 'python3',
              display_name: 'Python 3',
              language: 'python'
            }
          },
          cells: [
            {
              cell_type: 'markdown',
              id: 'nb7-writing-1',
              metadata: {},
              source: []
            }
          ]
        }
      }
    });
    expect(created.ok()).toBe(true);
    try {
      await page.goto('tree');
      await page.locator('#main-panel').waitFor();
      await blocks.waitForIndex();

      // The copy commands on the report's trend cell
      await blocks.openAt('report.ipynb', 'report-trend');
      const copied = async (command: string) => {
        await page.evaluate(async command => {
          await navigator.clipboard.writeText('');
          await window.jupyterapp.commands.execute(command);
        }, `jupyter-blocks:${command}`);
        await expect
          .poll(() => page.evaluate(() => navigator.clipboard.readText()))
          .not.toBe('');
        return page.evaluate(() => navigator.clipboard.readText());
      };
      expect(await copied('copy-reference')).toBe('((report-trend))');
      expect(await copied('copy-embed')).toBe('{{embed ((report-trend))}}');
      const link = await copied('copy-link');
      // a link to Notebook 7's page of the notebook, not to JupyterLab
      expect(link).toMatch(/\/notebooks\/report\.ipynb#cell-id=report-trend$/);

      // The copied link opens the notebook's page at that cell
      await page.goto(link);
      await expect(page).toHaveURL(/\/notebooks\/report\.ipynb/);
      await expect(
        page.locator('.jp-Cell.jp-mod-active[data-block-id="report-trend"]')
      ).toBeVisible();

      // (( completion in a notebook of one's own
      const cell = await blocks.openAt(name, 'nb7-writing-1');
      await cell.click();
      await page.keyboard.press('Enter'); // edit mode
      await page.keyboard.type('See ((Seasonal ind');
      const list = page.locator('.cm-tooltip-autocomplete');
      await expect(list).toBeVisible();
      await expect(list.locator('li').first()).toContainText('Seasonal index');
      await page.keyboard.press('Enter'); // pick the first
      await expect(cell.locator('.cm-content')).toContainText(
        /See \(\([A-Za-z0-9_-]+\)\)/
      );
      await page.keyboard.press('Shift+Enter'); // render
      await expect(cell.locator('.jp-Blocks-ref').first()).toContainText(
        'Seasonal index'
      );
    } finally {
      await page.request.delete(`api/contents/${name}`);
    }
  });
});
