import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { APIRequestContext, expect } from '@playwright/test';
import * as path from 'path';

/**
 * A notebook (nbformat 4.5) made of the given cells.
 */
export function notebook(cells: Record<string, unknown>[]): string {
  return JSON.stringify({
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
    cells: cells.map(cell => ({ metadata: {}, ...cell }))
  });
}

export function markdown(id: string, source: string): Record<string, unknown> {
  return { cell_type: 'markdown', id, source };
}

export function code(
  id: string,
  source: string,
  outputs: Record<string, unknown>[] = []
): Record<string, unknown> {
  return { cell_type: 'code', id, source, execution_count: 1, outputs };
}

/**
 * A suffix that keeps the ids of one test run apart from any other's.
 */
export function unique(): string {
  return Math.random().toString(36).slice(2, 8);
}

/**
 * Upload a notebook into the server root.
 */
export async function upload(
  page: IJupyterLabPageFixture,
  path: string,
  content: string
): Promise<void> {
  // The file's bytes through the contents API, as git or another editor would write
  // them (a notebook saved as a notebook model would be signed by the server).
  const response = await page.request.put(`/api/contents/${path}`, {
    data: { type: 'file', format: 'text', content }
  });
  expect(response.ok()).toBe(true);
}

/**
 * Save a notebook through Jupyter as a notebook model, as JupyterLab saves one the user
 * trusts (its code cells marked trusted): the server signs it, so its outputs render
 * trusted for this user.
 */
export async function saveTrusted(
  page: IJupyterLabPageFixture,
  path: string,
  content: string
): Promise<void> {
  const model = JSON.parse(content);
  for (const cell of model.cells) {
    if (cell.cell_type === 'code') {
      cell.metadata = { ...cell.metadata, trusted: true };
    }
  }
  const response = await page.request.put(`/api/contents/${path}`, {
    data: { type: 'notebook', format: 'json', content: model }
  });
  expect(response.ok()).toBe(true);
}

/**
 * Wait until the server's index serves a block (or its tombstone, with `deleted`).
 */
export async function indexed(
  request: APIRequestContext,
  id: string,
  deleted = false
): Promise<void> {
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/blocks/block/${id}`);
        return response.ok() ? (await response.json()).deleted : null;
      },
      { timeout: 15000 }
    )
    .toBe(deleted);
}

/**
 * Open a notebook and render all its markdown cells.
 */
export async function openRendered(
  page: IJupyterLabPageFixture,
  path: string
): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-blocks-server',
    'ok'
  );
  await page.evaluate(async path => {
    await window.jupyterapp.commands.execute('docmanager:open', { path });
  }, path);
  const name = path.split('/').pop()!;
  await expect(
    page.locator(`.lm-TabBar-tab.lm-mod-current[title^="Name: ${name}"]`)
  ).toBeVisible();
  await expect(
    page
      .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')
      .first()
  ).toBeVisible();
}

/**
 * The notebook in the main area.
 */
export function currentNotebook(page: IJupyterLabPageFixture) {
  return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
}

/**
 * Where a picture for the README goes: docs/images with BLOCKS_SCREENSHOTS=1 (to
 * refresh them), else the test results (so that a test run leaves the tree clean).
 */
export function screenshotPath(name: string): string {
  return process.env.BLOCKS_SCREENSHOTS
    ? path.resolve(__dirname, '../../docs/images', name)
    : path.resolve(__dirname, '../test-results', name);
}
