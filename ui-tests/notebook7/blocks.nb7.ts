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
