import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const SHARED = path.resolve(__dirname, '../../../shared');

test.describe('indexing progress', () => {
  test('300 notebooks arriving at once show progress in the status bar, then it goes', async ({
    page,
    tmpPath
  }) => {
    const root = await page.evaluate(
      () =>
        JSON.parse(document.getElementById('jupyter-config-data')!.textContent!)
          .serverRoot
    );
    // Generated out of sight (a hidden folder is never indexed), then moved in at once,
    // as a git checkout or a copied folder would arrive
    const staging = path.join(root, tmpPath, '.staging');
    execFileSync('python3', [
      path.join(SHARED, 'tools', 'make_corpus.py'),
      '--source',
      path.join(SHARED, 'corpus', 'pdsh'),
      '--out',
      staging,
      '--notebooks',
      '300',
      '--seed',
      String(Date.now() % 1000)
    ]);
    fs.renameSync(staging, path.join(root, tmpPath, 'corpus'));

    const progress = page.locator('.jp-Blocks-status .jp-Blocks-progress');
    await expect(progress).toBeVisible({ timeout: 15000 });
    await expect(progress).toContainText('Blocks: indexing');
    await expect(progress).toHaveCount(0, { timeout: 60000 });
  });
});
