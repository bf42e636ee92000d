import { BlocksModel } from '../model';
import { requestAPI } from '../request';
import { IUnlinked } from '../tokens';
import { utf16Offset } from '../unlinked';

jest.mock('../request', () => {
  const actual = jest.requireActual('../request');
  return { ...actual, requestAPI: jest.fn() };
});

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

const MENTION: IUnlinked = {
  id: 'n-prose',
  path: 'notes & more.ipynb',
  index: 0,
  snippet: 'Read data cleaning first',
  match: 'data cleaning',
  name: 'Data Cleaning',
  start: 5,
  end: 18,
  link: '[[topics/data cleaning.ipynb]]',
  digest: 'abc'
};

describe('BlocksModel: unlinked references and the graph', () => {
  afterEach(() => mockedRequest.mockReset());

  it('asks for the unlinked references of a notebook or a block', async () => {
    mockedRequest.mockResolvedValue({ unlinked: [MENTION] });
    const model = new BlocksModel();
    expect(await model.unlinked({ path: 'a b/c&d.ipynb' })).toEqual([MENTION]);
    expect(mockedRequest).toHaveBeenLastCalledWith(
      'unlinked?path=a+b%2Fc%26d.ipynb'
    );
    await model.unlinked({ id: 'fig-sales' });
    expect(mockedRequest).toHaveBeenLastCalledWith('unlinked?id=fig-sales');
  });

  it('sends a mention back as the server gave it to link it', async () => {
    mockedRequest.mockResolvedValue({});
    await new BlocksModel().linkMention(MENTION);
    const [endpoint, init] = mockedRequest.mock.calls[0];
    expect(endpoint).toBe('link-mention');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(init?.body as string)).toEqual({
      path: MENTION.path,
      index: 0,
      id: 'n-prose',
      digest: 'abc',
      start: 5,
      end: 18,
      match: 'data cleaning',
      link: '[[topics/data cleaning.ipynb]]'
    });
  });

  it('asks for the whole graph, or the graph around a notebook', async () => {
    mockedRequest.mockResolvedValue({ nodes: [], edges: [] });
    const model = new BlocksModel();
    await model.graph();
    expect(mockedRequest).toHaveBeenLastCalledWith('graph');
    await model.graph('data/sales.ipynb', 2);
    expect(mockedRequest).toHaveBeenLastCalledWith(
      'graph?path=data%2Fsales.ipynb&depth=2'
    );
  });
});

describe('utf16Offset', () => {
  it('turns the server offsets (code points) into string offsets', () => {
    const text = '🎉 see Data Cleaning';
    const start = [...text].indexOf('D');
    expect(start).toBe(6);
    const at = utf16Offset(text, start);
    expect(text.slice(at, utf16Offset(text, start + 13))).toBe('Data Cleaning');
    expect(utf16Offset('abc', 2)).toBe(2);
  });
});
