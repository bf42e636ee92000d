import { expect, test } from '@jupyterlab/galata';
import { Locator, Page } from '@playwright/test';

import { markdown, notebook, openRendered, unique, upload } from './helpers';

const DEMO = [
  'report.ipynb',
  'notes/index.ipynb',
  'data/sales.ipynb',
  'analysis/another-store.ipynb',
  // the last one searched: hovered and clicked below
  'analysis/seasonality.ipynb'
];

/**
 * Move the mouse onto the centre of the graph's canvas (where a searched notebook is
 * centred), coming from elsewhere; the node's tooltip, once shown, and that point.
 */
async function hoverCentre(
  page: Page,
  canvas: Locator
): Promise<{ tooltip: Locator; centre: { x: number; y: number } }> {
  const box = (await canvas.boundingBox())!;
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(centre.x - 40, centre.y - 40);
  await page.mouse.move(centre.x, centre.y);
  const tooltip = canvas.locator('.jp-Blocks-graphTooltip');
  await expect(tooltip).toBeVisible();
  return { tooltip, centre };
}

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
    const { tooltip, centre } = await hoverCentre(page, canvas);
    await expect(tooltip).toContainText('Seasonality');
    await expect(tooltip).toContainText('analysis/seasonality.ipynb');
    await expect(tooltip).toContainText('backlinks');

    // Clicking it opens the notebook
    await page.mouse.click(centre.x, centre.y);
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'seasonality.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
  });

  test('draws a large graph with every link, hovers and opens a node', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180000);
    // Given 520 notebooks in a chain of [[links]]: past 500 notebooks the panel
    // draws its nodes as GL points and its links as GL lines, and lays them out in a
    // worker
    const count = 520;
    const name = (n: number) =>
      `${tmpPath}/shelf/note-${String(n).padStart(3, '0')}.ipynb`;
    const next = (n: number) => `[[${name((n + 1) % count)}]]`;
    const folder = await page.request.put(`/api/contents/${tmpPath}/shelf`, {
      data: { type: 'directory' }
    });
    expect(folder.ok()).toBe(true);
    for (let start = 0; start < count; start += 40) {
      await Promise.all(
        Array.from(
          { length: Math.min(40, count - start) },
          (_, k) => start + k
        ).map(n =>
          upload(
            page,
            name(n),
            notebook([
              markdown(
                `shelf-${unique()}`,
                `# Shelf note ${n}\n\nNext: ${next(n)}`
              )
            ])
          )
        )
      );
    }
    await expect
      .poll(
        async () => {
          const response = await page.request.get('/api/blocks/graph');
          const graph = await response.json();
          return graph.edges.filter((e: { source: string }) =>
            e.source.startsWith(`${tmpPath}/shelf/`)
          ).length;
        },
        { timeout: 90000 }
      )
      .toBe(count);

    // When the whole graph is shown
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-blocks-server',
      'ok'
    );
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-graph')
    );
    const graph = page.locator('.jp-Blocks-graph');
    const canvas = graph.locator('.jp-Blocks-graphCanvas');
    await graph.locator('.jp-Blocks-graphScope').selectOption('whole');

    // Then a frame draws every notebook and every link of the answer
    await expect
      .poll(async () => Number(await canvas.getAttribute('data-nodes')))
      .toBeGreaterThanOrEqual(count);
    await expect(canvas).toHaveAttribute('data-layout', 'done', {
      timeout: 30000
    });
    const nodes = Number(await canvas.getAttribute('data-nodes'));
    await expect(canvas).toHaveAttribute('data-rendered', String(nodes));
    await expect(canvas).toHaveAttribute(
      'data-rendered-edges',
      (await canvas.getAttribute('data-edges'))!
    );

    // and a notebook searched is centred, tells its title when hovered, and opens
    // on click
    const target = name(7);
    await graph.locator('.jp-Blocks-graphSearch').fill(target);
    await expect(canvas).toHaveAttribute('data-focused', target);
    const { tooltip, centre } = await hoverCentre(page, canvas);
    await expect(tooltip).toContainText('Shelf note 7');
    await expect(tooltip).toContainText('1 notebooks linked');
    await page.mouse.click(centre.x, centre.y);
    await expect(
      page.getByRole('main').getByRole('tab', { name: 'note-007.ipynb' })
    ).toHaveAttribute('aria-selected', 'true');
  });
});
