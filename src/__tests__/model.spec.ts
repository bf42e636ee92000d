import { BlocksModel, FRONTEND_VERSION, INSTALL_COMMAND } from '../model';
import { BlocksRequestError, requestAPI } from '../request';

jest.mock('../request', () => {
  const actual = jest.requireActual('../request');
  return { ...actual, requestAPI: jest.fn() };
});

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

describe('BlocksModel.checkServer', () => {
  afterEach(() => mockedRequest.mockReset());

  it('is ok when the server answers with the same version', async () => {
    mockedRequest.mockResolvedValue({ version: FRONTEND_VERSION });
    const model = new BlocksModel();
    const check = await model.checkServer();
    expect(check.state).toBe('ok');
    expect(check.message).toBe('');
    expect(model.serverCheck).toBe(check);
    expect(mockedRequest).toHaveBeenCalledWith('version');
  });

  it('says what to install when the server extension is missing', async () => {
    mockedRequest.mockRejectedValue(new BlocksRequestError('Not Found', 404));
    const check = await new BlocksModel().checkServer();
    expect(check.state).toBe('missing');
    expect(check.message).toContain(INSTALL_COMMAND);
    expect(check.message).toContain(
      'jupyter server extension enable jupyter_blocks'
    );
  });

  it('names both versions when they differ', async () => {
    mockedRequest.mockResolvedValue({ version: '0.0.1' });
    const check = await new BlocksModel().checkServer();
    expect(check.state).toBe('mismatch');
    expect(check.serverVersion).toBe('0.0.1');
    expect(check.message).toContain('0.0.1');
    expect(check.message).toContain(FRONTEND_VERSION);
  });

  it('reports other server errors without throwing', async () => {
    mockedRequest.mockRejectedValue(new BlocksRequestError('boom', 500));
    const check = await new BlocksModel().checkServer();
    expect(check.state).toBe('error');
    expect(check.message).toContain('boom');
  });
});
