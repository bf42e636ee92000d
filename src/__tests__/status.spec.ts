import { BlocksModel } from '../model';
import { requestAPI } from '../request';
import { IndexStatusItem } from '../status';
import { IStatus } from '../tokens';

jest.mock('../request', () => {
  const actual = jest.requireActual('../request');
  return { ...actual, requestAPI: jest.fn() };
});

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

function status(overrides: Partial<IStatus>): IStatus {
  return {
    version: '0',
    state: 'ready',
    reason: null,
    notebooks: 4,
    blocks: 21,
    references: 24,
    pending: 0,
    progress: { done: 4, total: 4 },
    skipped: [],
    skipped_total: 0,
    duplicates: [],
    ...overrides
  };
}

async function settle(): Promise<void> {
  // The first poll runs on a zero timer; let it and its request settle.
  jest.advanceTimersByTime(0);
  await Promise.resolve();
  await Promise.resolve();
  await Promise.resolve();
}

describe('IndexStatusItem', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    mockedRequest.mockReset();
  });

  it('says the index is unavailable, with the reason on hover', async () => {
    const reason =
      'The block index cannot be used: read-only folder. Give it a place the server can write to with c.BlocksExtension.db_path; it is tried again meanwhile.';
    mockedRequest.mockResolvedValue(status({ state: 'unavailable', reason }));
    const item = new IndexStatusItem(new BlocksModel());
    await settle();
    expect(item.active).toBe(true);
    expect(item.node.textContent).toBe('Blocks: index unavailable');
    expect(item.node.title).toContain('c.BlocksExtension.db_path');
    expect(mockedRequest).toHaveBeenCalledWith('status');
    item.dispose();
  });

  it('shows nothing once the index is ready again', async () => {
    mockedRequest.mockResolvedValue(status({}));
    const item = new IndexStatusItem(new BlocksModel());
    await settle();
    expect(item.active).toBe(false);
    expect(item.node.textContent).toBe('');
    expect(item.node.title).toContain('4 notebooks');
    item.dispose();
  });
});
