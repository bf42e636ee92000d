import { expect, test } from '@jupyterlab/galata';

import {
  currentNotebook,
  markdown,
  notebook,
  openRendered,
  upload
} from './helpers';

test.describe('backlinks panel', () => {
  test('lists every block that references the active cell, grouped, and follows changes', async ({
    page,
    tmpPath
  }) => {
    await openRendered(page, 'data/sales.ipynb');
    // Activate the plot cell, referenced from two other notebooks
    await currentNotebook(page)
      .locator('.jp-Cell', { hasText: 'Monthly units sold, by region' })
      .first()
      .click();
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-backlinks')
    );
    const panel = page.locator('#jupyter-blocks-backlinks');
    await expect(panel).toBeVisible();
    const forCell = panel.locator('.jp-Blocks-cellBacklinks');
    await expect(forCell.locator('h3')).toHaveText('This cell (4): 3');
    await expect(forCell.locator('.jp-Blocks-backlinksGroup')).toHaveCount(2);
    await expect(
      forCell.locator(
        '.jp-Blocks-backlinksGroup[data-path="report.ipynb"] .jp-Blocks-backlink'
      )
    ).toHaveCount(2);
    await expect(
      forCell.locator(
        '.jp-Blocks-backlinksGroup[data-path="notes/index.ipynb"] .jp-Blocks-kind'
      )
    ).toHaveText('reference');
    // The notebook section lists references to any of its cells and [[links]] to it
    await expect(
      panel
        .locator('.jp-Blocks-notebookBacklinks .jp-Blocks-kind', {
          hasText: 'notebook'
        })
        .first()
    ).toBeVisible();

    // A new reference written elsewhere and saved appears without a reload
    await upload(
      page,
      `${tmpPath}/new-notes.ipynb`,
      notebook([markdown('new-notes-1', 'Also see ((sales-plot)) here')])
    );
    await expect(forCell.locator('h3')).toHaveText('This cell (4): 4');
    await expect(
      forCell.locator(
        `.jp-Blocks-backlinksGroup[data-path="${tmpPath}/new-notes.ipynb"]`
      )
    ).toContainText('Also see');

    // Clicking an entry opens the referencing cell
    await forCell
      .locator(
        '.jp-Blocks-backlinksGroup[data-path="notes/index.ipynb"] .jp-Blocks-backlink'
      )
      .click();
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'index.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
    await expect(
      currentNotebook(page).locator('.jp-Cell.jp-mod-active')
    ).toContainText('Blocks worth remembering');
  });
});
