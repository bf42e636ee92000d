import { expect, test } from '@jupyterlab/galata';

/**
 * The core plugin checks its server half as JupyterLab starts.
 */
test.describe('jupyter-blocks core', () => {
  test('loads and finds its server extension', async ({ page }) => {
    // The check ends with the server's verdict on <body>, and no error notification.
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-blocks-server',
      'ok'
    );
    await expect(
      page.locator('.jp-toast-message', { hasText: 'jupyter-blocks' })
    ).toHaveCount(0);
  });

  test('tells the user what to install when the server extension is missing', async ({
    page
  }) => {
    // Given a server that does not know /api/blocks/ (as without the server extension)
    await page.route(/\/api\/blocks\/version/, route =>
      route.fulfill({
        status: 404,
        contentType: 'text/html',
        body: 'Not Found'
      })
    );
    // When JupyterLab loads again
    await page.reload({ waitUntil: 'domcontentloaded' });
    // Then a notification says what to install
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-blocks-server',
      'missing'
    );
    const toast = page.locator('.jp-toast-message', {
      hasText: 'server extension is not running'
    });
    await expect(toast).toBeVisible();
    await expect(toast).toContainText('pip install "jupyter-blocks==');
  });
});
