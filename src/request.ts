import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the jupyter-blocks server extension.
 */
export const API_NAMESPACE = 'api/blocks';

/**
 * An error answered by the jupyter-blocks server (or by no server at all).
 */
export class BlocksRequestError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'BlocksRequestError';
  }
}

/**
 * Call the jupyter-blocks REST API and decode its JSON answer.
 *
 * @param endPoint - path under `/api/blocks/` (may carry a query string)
 * @param init - fetch options (method, body)
 * @param settings - server connection settings (defaults to the page's)
 * @returns the decoded JSON body
 * @throws BlocksRequestError with the server's `message` and HTTP status
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new BlocksRequestError(
      `Cannot reach the Jupyter server: ${(error as Error).message}`,
      0
    );
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message =
      (data && typeof data.message === 'string' && data.message) ||
      response.statusText ||
      `HTTP ${response.status}`;
    throw new BlocksRequestError(message, response.status);
  }
  return data as T;
}
