import { expect, test } from '@jupyterlab/galata';

import { currentNotebook, openRendered } from './helpers';

test.describe('navigation', () => {
  test('clicking a reference opens its notebook at that cell', async ({
    page
  }) => {
    await openRendered(page, 'report.ipynb');
    await currentNotebook(page)
      .locator('.jp-Blocks-ref[data-block-id="sales-load"]')
      .first()
      .click();
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'sales.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
    const active = currentNotebook(page).locator('.jp-Cell.jp-mod-active');
    await expect(active).toContainText('Build a small, seeded sales dataset');
    await expect(active).toHaveClass(/jp-Blocks-highlight/);
  });

  test('a [[bare-name.ipynb]] link opens the one notebook with that name', async ({
    page
  }) => {
    await openRendered(page, 'notes/index.ipynb');
    await currentNotebook(page)
      .locator('.jp-Blocks-notebookLink[data-path="seasonality.ipynb"]')
      .click();
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'seasonality.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
  });

  test('a link to a cell opens the notebook at that cell', async ({
    context,
    baseURL
  }) => {
    // A link pasted into the address bar of a new tab: a full load of JupyterLab
    const tab = await context.newPage();
    await tab.goto(
      `${baseURL}/lab/tree/data/sales.ipynb#cell-id=summary-table`
    );
    await expect(tab.locator('body')).toHaveAttribute(
      'data-jp-blocks-server',
      'ok',
      {
        timeout: 30000
      }
    );
    const active = tab.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active'
    );
    await expect(active).toContainText('Total and average units per region', {
      timeout: 15000
    });
    await tab.close();
  });
});
