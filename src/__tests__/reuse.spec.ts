import { BlocksModel } from '../model';
import { isPython, reuseCode } from '../reuse';
import { requestAPI } from '../request';
import { IRecipe } from '../tokens';

jest.mock('../request', () => {
  const actual = jest.requireActual('../request');
  return { ...actual, requestAPI: jest.fn() };
});

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

const RECIPE: IRecipe = {
  id: 'sales-plot',
  path: 'data/sales.ipynb',
  index: 3,
  cell_type: 'code',
  language: 'python',
  python: true,
  cells: [
    {
      id: 'sales-load',
      index: 1,
      source: 'sales = load()',
      defines: ['sales'],
      uses: ['load']
    },
    {
      id: 'sales-plot',
      index: 3,
      source: 'sales.plot()',
      defines: [],
      uses: ['sales']
    }
  ],
  inputs: ['sales'],
  missing: [],
  last_modified: '2026-11-29T14:00:00+00:00'
};

describe('BlocksModel.recipe', () => {
  afterEach(() => mockedRequest.mockReset());

  it('asks the server each time, for the escaped id', async () => {
    mockedRequest.mockResolvedValue(RECIPE);
    const model = new BlocksModel();
    expect(await model.recipe('sales-plot')).toEqual(RECIPE);
    await model.recipe('sales-plot');
    expect(mockedRequest).toHaveBeenCalledTimes(2);
    expect(mockedRequest).toHaveBeenCalledWith('recipe/sales-plot');
  });
});

describe('reuseCode', () => {
  it('writes the inputs as commented keyword arguments, and shows the result', () => {
    expect(reuseCode('sales-plot', RECIPE)).toBe(
      [
        'from jupyter_blocks import use',
        '',
        'r = use(',
        '    "sales-plot",',
        '    # sales=...,',
        ')',
        'r'
      ].join('\n')
    );
  });

  it('writes a plain call for a block that takes nothing', () => {
    const alone = { ...RECIPE, inputs: [] };
    expect(reuseCode('sales-load', alone)).toBe(
      'from jupyter_blocks import use\n\nr = use("sales-load")\nr'
    );
  });

  it('marks the names nothing above defines', () => {
    const needs = {
      ...RECIPE,
      inputs: [],
      missing: [{ name: 'threshold', index: 3 }]
    };
    expect(reuseCode('x', needs)).toContain(
      '    # threshold=...,  # needed: no cell above defines it'
    );
  });
});

describe('isPython', () => {
  it('knows the names notebooks give Python, and takes none for Python', () => {
    for (const name of ['python', 'Python', 'python3', 'ipython3', '']) {
      expect(isPython(name)).toBe(true);
    }
    for (const name of ['R', 'julia', 'javascript']) {
      expect(isPython(name)).toBe(false);
    }
  });
});
