import { expect, test } from '@jupyterlab/galata';

import {
  currentNotebook,
  markdown,
  notebook,
  openRendered,
  screenshotPath,
  upload
} from './helpers';

// Another store's numbers for the demo's plot: two regions, rising and falling.
const OTHER_DATA = `from jupyter_blocks import use
import pandas as pd

other = pd.DataFrame(
    [{"month": m, "region": r, "units": m * 10 if r == "Up" else 130 - m * 10}
     for r in ("Up", "Down") for m in range(1, 13)]
)
r = use("sales-plot", sales=other)
r`;

test.describe('reusing a block in the kernel', () => {
  test('Reuse in this kernel inserts a cell; with an override it draws new data', async ({
    page,
    tmpPath
  }) => {
    await page.setViewportSize({ width: 1280, height: 1100 });
    const path = `${tmpPath}/reuse.ipynb`;
    await upload(
      page,
      path,
      notebook([
        markdown('reuse-host', 'The chart: {{embed ((sales-plot)) outputs}}'),
        markdown('reuse-after', 'The end.')
      ])
    );
    await openRendered(page, path);
    const nb = currentNotebook(page);
    const embed = nb.locator('.jp-Blocks-embed[data-block-id="sales-plot"]');
    await embed.hover();
    await embed.getByRole('button', { name: 'Reuse in this kernel' }).click();

    // A code cell right below the embed's cell, taking sales as a commented argument
    const cells = nb.locator('.jp-Notebook .jp-Cell');
    await expect(cells).toHaveCount(3);
    const inserted = cells.nth(1);
    await expect(inserted).toHaveClass(/jp-CodeCell/);
    await expect(inserted.locator('.jp-InputArea')).toContainText(
      'from jupyter_blocks import use'
    );
    await expect(inserted.locator('.jp-InputArea')).toContainText(
      '# sales=...,'
    );

    // Run as inserted: the block's recipe runs in this kernel, and its plot shows
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('notebook:run-cell')
    );
    const outputs = inserted.locator('.jp-OutputArea-output');
    await expect(outputs.first()).toContainText(
      "use('sales-plot'): data/sales.ipynb, ran cells 2, 4",
      { timeout: 60000 }
    );
    const image = inserted.locator('.jp-OutputArea-output img');
    await expect(image).toBeVisible();
    const before = await image.getAttribute('src');

    // Given other data: the loading cell is skipped and the plot is drawn anew
    await page.evaluate(async source => {
      // Through the cell's model: typing would let the editor re-indent the code
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        content: {
          activeCell: {
            model: { sharedModel: { setSource(s: string): void } };
          };
        };
      };
      panel.content.activeCell.model.sharedModel.setSource(source);
      await window.jupyterapp.commands.execute('notebook:run-cell');
    }, OTHER_DATA);
    await expect(outputs.first()).toContainText(
      'ran cell 4 with sales=DataFrame (24, 3); cell 2 skipped (sales given)',
      { timeout: 60000 }
    );
    await expect(image).toBeVisible();
    await expect
      .poll(async () => image.getAttribute('src'))
      .not.toEqual(before);

    // The README's picture: the embed, and the cell that reused it on other data
    await cells
      .nth(0)
      .evaluate(node => node.scrollIntoView({ block: 'start' }));
    const top = (await cells.nth(0).boundingBox())!;
    const bottom = (await inserted.boundingBox())!;
    await page.screenshot({
      path: screenshotPath('reuse.png'),
      clip: {
        x: Math.min(top.x, bottom.x),
        y: top.y,
        width: Math.max(top.width, bottom.width),
        height: Math.min(bottom.y + bottom.height - top.y, 1000)
      }
    });
  });

  test('Show recipe lists the cells use() runs, each opening its cell', async ({
    page,
    tmpPath
  }) => {
    const path = `${tmpPath}/recipe.ipynb`;
    await upload(
      page,
      path,
      notebook([markdown('recipe-host', '{{embed ((sales-plot)) outputs}}')])
    );
    await openRendered(page, path);
    const embed = currentNotebook(page).locator(
      '.jp-Blocks-embed[data-block-id="sales-plot"]'
    );
    const toggle = embed.getByRole('button', { name: 'Show recipe' });
    // The embed is at the top of the active cell: JupyterLab's cell toolbar (over the
    // cell's top right corner, or hidden when content reaches there) leaves its
    // actions free to click
    await currentNotebook(page)
      .locator('.jp-MarkdownCell .jp-InputPrompt')
      .first()
      .click();
    await expect(page.locator('.jp-cell-toolbar')).toHaveCount(1);
    // JupyterLab decides whether to hide its toolbar when the cell becomes active,
    // which may be before the embed is drawn: the toolbar shown is the case to hold
    await page.evaluate(() =>
      document
        .querySelectorAll('.jp-toolbar-overlap')
        .forEach(cell => cell.classList.remove('jp-toolbar-overlap'))
    );
    await expect(page.locator('.jp-cell-toolbar').first()).toBeVisible();
    const box = (await toggle.boundingBox())!;
    const hit = await page.evaluate(
      ([x, y]) => document.elementFromPoint(x, y)?.textContent ?? '',
      [box.x + box.width / 2, box.y + box.height / 2]
    );
    expect(hit).toBe('Show recipe');
    await toggle.click({ trial: true, timeout: 5000 });
    await toggle.click();
    const recipe = embed.locator('.jp-Blocks-recipe');
    await expect(recipe).toContainText(
      'use("sales-plot") runs 2 cells of data/sales.ipynb'
    );
    const steps = recipe.locator('li');
    await expect(steps).toHaveCount(2);
    await expect(steps.nth(0)).toContainText('cell 2 sales-load');
    await expect(steps.nth(1)).toContainText('cell 4 sales-plot');
    await expect(recipe).toContainText('It takes sales from the cells above');

    // A step opens its notebook at that cell
    await steps.nth(0).getByRole('link', { name: 'cell 2' }).click();
    await expect(
      page.locator('.lm-TabBar-tab.lm-mod-current[title^="Name: sales.ipynb"]')
    ).toBeVisible();
    await expect(
      currentNotebook(page).locator('.jp-Cell.jp-mod-active')
    ).toContainText('Build a small, seeded sales dataset');
  });

  test('a kernel that is not Python gets "Python kernels only"', async ({
    page,
    tmpPath
  }) => {
    const path = `${tmpPath}/r-notes.ipynb`;
    const content = JSON.parse(
      notebook([markdown('r-host', '{{embed ((sales-plot)) outputs}}')])
    );
    content.metadata = {
      kernelspec: { name: 'ir', display_name: 'R', language: 'R' },
      language_info: { name: 'R' }
    };
    await upload(page, path, JSON.stringify(content));
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path,
        kernel: { name: 'none' }
      });
    }, path);
    // No R kernel here: JupyterLab asks which kernel to use; keep none
    const dialog = page.locator('.jp-Dialog');
    const asked = await dialog
      .waitFor({ state: 'visible', timeout: 5000 })
      .then(
        () => true,
        () => false
      );
    if (asked) {
      await dialog.getByRole('button', { name: 'No Kernel' }).click();
    }
    const embed = currentNotebook(page).locator(
      '.jp-Blocks-embed[data-block-id="sales-plot"]'
    );
    await embed.hover();
    const reuse = embed.locator('.jp-Blocks-reuse');
    await expect(reuse).toBeDisabled();
    await expect(reuse).toHaveAttribute('title', /^Python kernels only/);
  });
});
