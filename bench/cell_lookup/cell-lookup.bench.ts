/**
 * `blocks.cell(id)` (jupyter-blocks/galata: the `#cell-id=` deep link) against galata's
 * own index-based lookup (`page.notebook.getCellLocator(index)`, which scrolls the
 * windowed notebook with the mouse wheel until the cell is in the page), both reaching
 * cell 900 of a 1,000-cell notebook and waiting until it is visible. Each run opens the
 * notebook afresh (at its top). Timed in the test process with performance.now();
 * medians of RUNS runs, printed as one JSON line per windowing mode.
 */
import { performance } from 'perf_hooks';

import { expect, galata, test } from 'jupyter-blocks/galata';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CELLS = 1000;
const TARGET = 900;
const TRACKER = '@jupyterlab/notebook-extension:tracker';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const notebook = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: {
      name: 'python3',
      display_name: 'Python 3',
      language: 'python'
    },
    language_info: { name: 'python' }
  },
  cells: Array.from({ length: CELLS }, (_, i) =>
    i % 2
      ? {
          cell_type: 'markdown',
          id: `cell-${i}`,
          metadata: {},
          source: [`## Cell ${i}\n`, '\n', 'Some text in a paragraph.']
        }
      : {
          cell_type: 'code',
          id: `cell-${i}`,
          metadata: {},
          execution_count: null,
          outputs: [],
          source: [`# cell ${i}\n`, `x = ${i}\n`, 'print(x)']
        }
  )
});

// JupyterLab's fully windowed mode, where only the cells in view are in the page: the
// case the deep link is for.
for (const mode of ['full']) {
  test.describe(`windowing mode ${mode}`, () => {
    test.use({
      mockSettings: {
        ...galata.DEFAULT_SETTINGS,
        [TRACKER]: {
          ...(galata.DEFAULT_SETTINGS[TRACKER] ?? {}),
          windowingMode: mode
        }
      }
    });

    test(`cell ${TARGET} of ${CELLS}`, async ({ page, blocks, tmpPath }) => {
      const path = `${tmpPath}/long.ipynb`;
      const response = await page.request.put(`/api/contents/${path}`, {
        data: { type: 'file', format: 'text', content: notebook }
      });
      expect(response.ok()).toBe(true);
      let opened = false;
      const open = async () => {
        if (opened) {
          // Closed without saving: the kernel's metadata may have made it dirty.
          await page.notebook.close(true);
        }
        opened = true;
        await page.notebook.openByPath(path);
        await expect(
          page.locator('.jp-Cell[data-block-id="cell-0"]')
        ).toBeVisible();
      };
      const byId: number[] = [];
      const byIndex: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await open();
        let start = performance.now();
        const cell = await blocks.cell(`cell-${TARGET}`);
        await expect(cell).toBeVisible();
        byId.push(performance.now() - start);
        await expect(cell).toBeInViewport();

        await open();
        start = performance.now();
        const located = await page.notebook.getCellLocator(TARGET);
        await expect(located!).toBeVisible();
        byIndex.push(performance.now() - start);
        await expect(located!).toHaveAttribute(
          'data-block-id',
          `cell-${TARGET}`
        );
      }
      console.log(
        JSON.stringify({
          mode,
          cells: CELLS,
          target: TARGET,
          runs: RUNS,
          blocks_cell_ms: Math.round(median(byId)),
          galata_getCellLocator_ms: Math.round(median(byIndex)),
          blocks_cell_all_ms: byId.map(Math.round),
          galata_all_ms: byIndex.map(Math.round)
        })
      );
    });
  });
}
