import { expect, test } from '@jupyterlab/galata';

import {
  currentNotebook,
  markdown,
  notebook,
  openRendered,
  upload
} from './helpers';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test.describe('Copy Block Reference', () => {
  test('a reference to a cell of an id-less notebook resolves, and still does after a reload', async ({
    page,
    tmpPath
  }) => {
    // Given a notebook without cell ids (nbformat 4.4), with a code cell active
    await openRendered(page, 'fixtures/archive/survey-4.4.ipynb');
    const source = currentNotebook(page);
    await source.locator('.jp-Cell').nth(3).click();

    // When the user copies a reference to that cell
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:copy-reference')
    );
    await expect(
      page.locator('.jp-toast-message', { hasText: 'copied' })
    ).toBeVisible();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^\(\([A-Za-z0-9_-]+\)\)$/);

    // And pastes it into a markdown cell of another notebook, then renders it
    const target = `${tmpPath}/uses-reference.ipynb`;
    await upload(page, target, notebook([markdown('uses-ref', 'placeholder')]));
    await openRendered(page, target);
    await page.notebook.setCell(
      0,
      'markdown',
      `The survey's imports: ${copied}`
    );
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('notebook:run-cell')
    );

    // Then the reference shows the referenced cell's first line
    const ref = currentNotebook(page).locator('.jp-Blocks-ref').first();
    await expect(ref).toHaveText('import numpy as np');
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('docmanager:save')
    );
    await expect(
      page.locator('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty')
    ).toHaveCount(0);

    // And after reloading the page, it still resolves (the id was written to the file)
    await page.evaluate(() => window.location.reload());
    await page.waitForLoadState('domcontentloaded');
    // JupyterLab restores both notebooks (and their kernels) before it checks the
    // server: more than expect's 5 s on a busy machine
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-blocks-server',
      'ok',
      { timeout: 60000 }
    );
    await openRendered(page, target);
    await expect(
      currentNotebook(page).locator('.jp-Blocks-ref').first()
    ).toHaveText('import numpy as np');
  });
});
