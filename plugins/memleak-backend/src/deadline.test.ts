import { deadline } from './deadline';

describe('deadline', () => {
  it('aborts with a TimeoutError after its time', async () => {
    const { signal } = deadline(20);
    await new Promise(r => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    expect((signal.reason as DOMException).message).toBe(
      'no answer within 20 ms',
    );
  });

  it('never aborts once cleared', async () => {
    const limit = deadline(20);
    limit.clear();
    await new Promise(r => setTimeout(r, 60));
    expect(limit.signal.aborted).toBe(false);
  });

  it('ends a request that never answers', async () => {
    const http = await import('node:http');
    const server = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const limit = deadline(200);
    try {
      await expect(
        fetch(`http://127.0.0.1:${port}/`, { signal: limit.signal }),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      limit.clear();
      server.closeAllConnections();
      server.close();
    }
  });

  it('ends work that ignores its signal, with the same TimeoutError', async () => {
    const limit = deadline(50);
    const never = new Promise<string>(() => {});
    await expect(limit.race(never)).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'no answer within 50 ms',
    });
  });

  it('passes through what the work settles with in time', async () => {
    const limit = deadline(1000);
    await expect(limit.race(Promise.resolve('answer'))).resolves.toBe('answer');
    await expect(
      limit.race(Promise.reject(new Error('refused'))),
    ).rejects.toThrow('refused');
    limit.clear();
  });
});
