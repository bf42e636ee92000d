/**
 * The Jupyter Notebook 7 suite (ui-tests/notebook7): the same server configuration as
 * the JupyterLab suite, started as `jupyter notebook` on its own port. Needs the
 * `notebook` package (the `test` extra). Run with
 * `jlpm playwright test --config playwright-notebook.config.js`.
 */
const baseConfig = require('./playwright.config');

module.exports = {
  ...baseConfig,
  testDir: './notebook7',
  // Not *.spec.ts: the JupyterLab suite (every spec under ui-tests) must not pick it up.
  testMatch: '*.nb7.ts',
  use: {
    ...baseConfig.use,
    baseURL: 'http://localhost:8889',
    // Notebook 7 has no /lab page: each test goes where it needs to.
    appPath: '',
    autoGoto: false
  },
  webServer: {
    command:
      'jupyter notebook --config jupyter_server_test_config.py --ServerApp.port=8889',
    url: 'http://localhost:8889/tree',
    timeout: 120 * 1000,
    reuseExistingServer: false
  }
};
