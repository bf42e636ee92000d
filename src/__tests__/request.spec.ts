import { ServerConnection } from '@jupyterlab/services';

import { BlocksRequestError, requestAPI } from '../request';

/**
 * Settings whose fetch answers from a function: a server we control.
 */
function fakeServer(
  answer: (url: string, init: RequestInit) => Response | Promise<Response>
): { settings: ServerConnection.ISettings; calls: string[] } {
  const calls: string[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/base/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      calls.push(url);
      return answer(url, init ?? {});
    }
  });
  return { settings, calls };
}

async function failure(request: Promise<unknown>): Promise<BlocksRequestError> {
  try {
    await request;
  } catch (error) {
    return error as BlocksRequestError;
  }
  throw new Error('the request was expected to fail');
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

describe('requestAPI', () => {
  it('calls /api/blocks/<endpoint> under the base URL and decodes JSON', async () => {
    const { settings, calls } = fakeServer(() => json({ version: '1.2.3' }));
    const reply = await requestAPI<{ version: string }>(
      'version',
      {},
      settings
    );
    expect(reply).toEqual({ version: '1.2.3' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(
      /^http:\/\/localhost:8888\/base\/api\/blocks\/version/
    );
  });

  it("throws the server's message and status on an error", async () => {
    const { settings } = fakeServer(() =>
      json({ message: 'No block has the id abc.' }, 404)
    );
    await expect(requestAPI('block/abc', {}, settings)).rejects.toEqual(
      new BlocksRequestError('No block has the id abc.', 404)
    );
    await expect(requestAPI('block/abc', {}, settings)).rejects.toHaveProperty(
      'status',
      404
    );
  });

  it('reports a non-JSON error page by its status', async () => {
    const { settings } = fakeServer(
      () => new Response('<html>Not Found</html>', { status: 404 })
    );
    const error = await failure(requestAPI('version', {}, settings));
    expect(error).toBeInstanceOf(BlocksRequestError);
    expect(error.status).toBe(404);
  });

  it('reports an unreachable server with status 0', async () => {
    const { settings } = fakeServer(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await failure(requestAPI('version', {}, settings));
    expect(error).toBeInstanceOf(BlocksRequestError);
    expect(error.status).toBe(0);
    expect(error.message).toContain('Failed to fetch');
  });
});
