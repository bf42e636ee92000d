/**
 * jupyter-blocks for end-to-end tests: galata's `test`, extended with a `blocks`
 * fixture that reaches cells by block id or label (see the README, "Testing notebooks
 * with Playwright").
 *
 *     import { expect, test } from 'jupyter-blocks/galata';
 *
 *     test('the plot is embedded in the report', async ({ page, blocks }) => {
 *       await blocks.waitForIndex();
 *       const cell = await blocks.openAt('report.ipynb', 'fig-sales');
 *       await expect(cell).toBeVisible();
 *       await expect(blocks.embed('sales-plot')).toContainText('Monthly');
 *     });
 */
import type * as Galata from '@jupyterlab/galata';

import { BlocksHelper, IBlocksHelper } from './blocks';

export type {
  IBacklinksPanel,
  IBlocksHelper,
  IIndexStatus,
  IWaitOptions
} from './blocks';
export { BlocksHelper } from './blocks';

/**
 * The fixtures this module adds to galata's.
 */
export interface IBlocksFixtures {
  /**
   * jupyter-blocks on the test's page: the index, cells by id or label, embeds,
   * backlinks.
   */
  blocks: IBlocksHelper;
}

/**
 * galata as the tests that import this module load it. A fixture must extend the very
 * `test` the Playwright runner drives: when this package is linked into a project
 * (`yarn link`, a workspace) rather than installed, its own dependencies could hold a
 * second copy of galata and of `@playwright/test`, which Playwright refuses. So galata
 * is looked up from the project running the tests first, then from this package.
 */
function hostGalata(): typeof Galata {
  let resolved: string;
  try {
    resolved = require.resolve('@jupyterlab/galata', {
      paths: [process.cwd()]
    });
  } catch {
    resolved = require.resolve('@jupyterlab/galata');
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(resolved);
}

const galataModule = hostGalata();

/**
 * galata's `test` with the `blocks` fixture.
 */
export const test = galataModule.test.extend<IBlocksFixtures>({
  blocks: async ({ page }, use) => {
    await use(new BlocksHelper(page));
  }
});

/**
 * galata's `expect` (Playwright's, with galata's matchers).
 */
export const expect: typeof Galata.expect = galataModule.expect;

/**
 * galata's helpers (`galata.DEFAULT_SETTINGS`, ...).
 */
export const galata: typeof Galata.galata = galataModule.galata;
