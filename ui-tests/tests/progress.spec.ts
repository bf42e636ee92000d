import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const FIXTURES = path.resolve(__dirname, '../../tests/fixtures/notebooks');

/**
 * `count` notebooks made from the nbformat 4 fixtures, each with ids of its own (a
 * copy keeping its ids would only be a duplicate), written under `folder`.
 */
function writeNotebooks(folder: string, count: number): void {
  const sources = [
    'survey.ipynb',
    'notes.ipynb',
    'archive/survey-4.4.ipynb'
  ].map(name => fs.readFileSync(path.join(FIXTURES, name), 'utf-8'));
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const nb = JSON.parse(sources[i % sources.length]);
    for (const cell of nb.cells) {
      if (cell.id) {
        cell.id = `${cell.id}-${i}`;
      }
    }
    const name = `survey-${String(i).padStart(3, '0')}.ipynb`;
    fs.writeFileSync(path.join(folder, name), JSON.stringify(nb, null, 1));
  }
}

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
    // Written out of sight (a hidden folder is never indexed), then moved in at once,
    // as a git checkout or a copied folder would arrive
    const staging = path.join(root, tmpPath, '.staging');
    writeNotebooks(staging, 300);
    fs.renameSync(staging, path.join(root, tmpPath, 'corpus'));

    const progress = page.locator('.jp-Blocks-status .jp-Blocks-progress');
    await expect(progress).toBeVisible({ timeout: 15000 });
    await expect(progress).toContainText('Blocks: indexing');
    await expect(progress).toHaveCount(0, { timeout: 60000 });
  });
});
