import { expect, test } from '@jupyterlab/galata';

import { openRendered } from './helpers';

const DEMO = [
  'report.ipynb',
  'notes/index.ipynb',
  'data/sales.ipynb',
  'analysis/another-store.ipynb',
  // the last one searched: hovered and clicked below
  'analysis/seasonality.ipynb'
];

test.describe('Blocks Graph', () => {
  test('draws the demo notebooks and opens one on click', async ({ page }) => {
    // Given the demo, with data/sales.ipynb open
    await openRendered(page, 'data/sales.ipynb');
    // When the Blocks Graph is opened from the palette's command
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-graph')
    );
    const graph = page.locator('.jp-Blocks-graph');
    const canvas = graph.locator('.jp-Blocks-graphCanvas');
    // Then it draws the notebooks around the active one: every demo notebook links
    // data/sales.ipynb or is linked by it
    await expect(canvas).toHaveAttribute('data-nodes', String(DEMO.length));
    await expect(canvas.locator('canvas').first()).toBeVisible();
    await expect(graph.locator('.jp-Blocks-graphInfo')).toContainText(
      'around sales.ipynb'
    );

    // and the whole graph holds each of them: searching one centres it
    await graph.locator('.jp-Blocks-graphScope').selectOption('whole');
    await expect(graph.locator('.jp-Blocks-graphInfo')).toContainText(
      'all notebooks'
    );
    const search = graph.locator('.jp-Blocks-graphSearch');
    for (const path of DEMO) {
      await search.fill(path);
      await expect(canvas).toHaveAttribute('data-focused', path);
    }

    // Hovering the centred node shows its title and counts
    const box = (await canvas.boundingBox())!;
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await page.mouse.move(centre.x - 40, centre.y - 40);
    await page.mouse.move(centre.x, centre.y);
    const tooltip = canvas.locator('.jp-Blocks-graphTooltip');
    await expect(tooltip).toBeVisible();
    await expect(tooltip).toContainText('Seasonality');
    await expect(tooltip).toContainText('analysis/seasonality.ipynb');
    await expect(tooltip).toContainText('backlinks');

    // Clicking it opens the notebook
    await page.mouse.click(centre.x, centre.y);
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'seasonality.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
  });
});
