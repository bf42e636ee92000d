import { BlocksModel } from '../model';
import { requestAPI } from '../request';
import { IBlock, IBlocksChange } from '../tokens';

jest.mock('../request', () => {
  const actual = jest.requireActual('../request');
  return { ...actual, requestAPI: jest.fn() };
});

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

function block(id: string, path = 'a.ipynb'): IBlock {
  return {
    id,
    path,
    index: 0,
    cell_type: 'markdown',
    source: `# ${id}`,
    outputs: [],
    execution_count: null,
    attachments: {},
    trusted: false,
    deleted: false,
    language: ''
  };
}

/**
 * A server that knows the given blocks and answers resolve requests.
 */
function serve(known: IBlock[]): string[][] {
  const calls: string[][] = [];
  mockedRequest.mockImplementation(async (endPoint, init) => {
    expect(endPoint).toBe('resolve');
    const ids: string[] = JSON.parse(String(init?.body)).ids;
    calls.push(ids);
    const blocks: Record<string, IBlock | null> = {};
    for (const id of ids) {
      blocks[id] = known.find(b => b.id === id) ?? null;
    }
    return { blocks } as any;
  });
  return calls;
}

describe('BlocksModel.resolve', () => {
  afterEach(() => mockedRequest.mockReset());

  it('merges the ids asked for in the same moment into one request', async () => {
    const calls = serve([block('a'), block('b'), block('c')]);
    const model = new BlocksModel();
    const [first, second] = await Promise.all([
      model.resolve(['a', 'b']),
      model.resolve(['b', 'c', 'unknown'])
    ]);
    expect(calls).toEqual([['a', 'b', 'c', 'unknown']]);
    expect(first.get('a')?.source).toBe('# a');
    expect(second.get('c')?.id).toBe('c');
    expect(second.get('unknown')).toBeNull();
  });

  it('answers from its cache until the server says a block changed', async () => {
    const calls = serve([block('a'), block('b', 'b.ipynb')]);
    const model = new BlocksModel();
    await model.resolve(['a', 'b']);
    await model.resolve(['a', 'b']);
    expect(calls).toHaveLength(1);

    const changes: IBlocksChange[] = [];
    model.changed.connect((_, change) => changes.push(change));
    model.handleEvent({ action: 'changed', ids: ['a'], paths: ['a.ipynb'] });
    expect(changes).toHaveLength(1);
    expect(changes[0].ids.has('a')).toBe(true);

    await model.resolve(['a', 'b']);
    expect(calls).toEqual([['a', 'b'], ['a']]);
  });

  it('forgets the blocks of a notebook that changed, and every unknown id', async () => {
    const calls = serve([block('a', 'x.ipynb')]);
    const model = new BlocksModel();
    await model.resolve(['a', 'missing']);
    model.handleEvent({ action: 'changed', ids: [], paths: ['x.ipynb'] });
    await model.resolve(['a', 'missing']);
    expect(calls).toEqual([
      ['a', 'missing'],
      ['a', 'missing']
    ]);
  });

  it('reports the first scan and forgets everything when it ends', async () => {
    const calls = serve([block('a')]);
    const model = new BlocksModel();
    const progress: { done: number; total: number; ready: boolean }[] = [];
    model.progress.connect((_, p) => progress.push(p));
    await model.resolve(['a']);
    model.handleEvent({ action: 'progress', done: 10, total: 20 });
    model.handleEvent({ action: 'ready', done: 20, total: 20 });
    expect(progress).toEqual([
      { done: 10, total: 20, ready: false },
      { done: 20, total: 20, ready: true }
    ]);
    await model.resolve(['a']);
    expect(calls).toHaveLength(2);
  });

  it('rejects the callers when the request fails, and asks again next time', async () => {
    mockedRequest.mockRejectedValueOnce(new Error('offline'));
    const model = new BlocksModel();
    await expect(model.resolve(['a'])).rejects.toThrow('offline');
    const calls = serve([block('a')]);
    expect((await model.resolve(['a'])).get('a')?.id).toBe('a');
    expect(calls).toEqual([['a']]);
  });
});
