import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {
  MemleakReport,
  TraceSummary,
} from '@internal/plugin-memleak-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  aReport,
  aTrace,
  anEntity,
  ENTITY_REF,
  MIB,
} from '../../__testUtils__/fixtures';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { EntityMemleakContent } from './EntityMemleakContent';

const server = setupServer();
registerMswTestHooks(server);

const summary = ({
  snapshots,
  stacks,
  notices,
  ...rest
}: ReturnType<typeof aTrace>) => rest as TraceSummary;

const pastTrace = aTrace({
  id: '11111111-2222-4333-8444-555555555555',
  startedAt: '2024-12-31T09:00:00.000Z',
  verdict: 'stable',
  reason: 'no sustained growth',
  growthBytesPerSec: 0,
  outstandingBytes: 2 * MIB,
  stacks: [
    {
      ...aTrace().stacks[1],
      frames: [
        {
          address: '0x401f00',
          symbol: 'cache_insert',
          offset: 8,
          module: 'leaker',
        },
      ],
    },
  ],
});

function serve(report: MemleakReport, history: TraceSummary[]) {
  const requests = { history: [] as string[], details: [] as string[] };
  server.use(
    http.get('*/api/memleak/report', () => HttpResponse.json(report)),
    http.get('*/api/memleak/traces', ({ request }) => {
      requests.history.push(new URL(request.url).search);
      return HttpResponse.json({ items: history });
    }),
    http.get('*/api/memleak/traces/:id', ({ params }) => {
      requests.details.push(params.id as string);
      return params.id === pastTrace.id
        ? HttpResponse.json(pastTrace)
        : HttpResponse.json(
            {
              error: {
                name: 'NotFoundError',
                message: `No trace ${params.id}`,
              },
              response: { statusCode: 404 },
            },
            { status: 404 },
          );
    }),
  );
  return requests;
}

describe('EntityMemleakContent', () => {
  it('asks for the workload annotation when the entity has none', async () => {
    await renderWithEntity(<EntityMemleakContent />, { entity: anEntity({}) });
    expect(
      screen.getByRole('button', {
        name: 'Copy: kubectl get pods -A -l backstage.io/kubernetes-id=leaker-c',
      }),
    ).toBeInTheDocument();
  });

  it('puts heap, resident and self-reported memory on one axis, with a text summary', async () => {
    const latest = aTrace();
    serve(
      aReport({
        latestTrace: latest,
        disagreement: {
          message: 'Reports healthy — heap grew 45 MiB in 6 min',
        },
      }),
      [summary(latest)],
    );
    await renderWithEntity(<EntityMemleakContent />);

    const chart = await screen.findByRole('img', {
      name: 'Heap and memory over the trace',
    });
    expect(chart).toHaveAccessibleDescription(
      'Over 18 s, outstanding heap (eBPF) went from 0 B to 2.0 MiB; ' +
        'aged heap went from 0 B to 1.0 MiB; ' +
        'process memory (RSS) went from 20.0 MiB to 22.0 MiB; ' +
        'the memory the service reports about itself went from 12.0 MiB to 12.0 MiB.',
    );
    expect(
      screen.getByText('Reports healthy — heap grew 45 MiB in 6 min'),
    ).toBeInTheDocument();
  });

  it('lists the stacks that keep memory, the worst one open with every frame', async () => {
    const latest = aTrace();
    serve(aReport({ latestTrace: latest }), [summary(latest)]);
    await renderWithEntity(<EntityMemleakContent />);

    const stacks = await screen.findByRole('table', {
      name: 'Stacks keeping memory',
    });
    const frames = within(stacks).getByRole('list', {
      name: 'Call stack, innermost first',
    });
    expect(
      within(frames)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      'leak_memory_chunk+0x1a (leaker)0x401a2b',
      'leak_thread_main+0x40 (leaker)0x401c00',
      'start_thread+0x2d5 (libc.so.6)0x7f00aa',
    ]);

    const toggle = within(stacks).getByRole('button', {
      name: 'Show frames of handle_request+0xc (leaker)',
    });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    expect(
      within(stacks).getByRole('button', {
        name: 'Hide frames of handle_request+0xc (leaker)',
      }),
    ).toHaveAttribute('aria-expanded', 'true');
    expect(
      within(stacks).getAllByRole('list', {
        name: 'Call stack, innermost first',
      }),
    ).toHaveLength(2);
  });

  it('shows each target as it reports itself and as the kernel sees it', async () => {
    serve(
      aReport({
        reported: [
          ...aReport().reported,
          {
            ...aReport().reported[0],
            name: 'leaker-c-2',
            health: {
              url: 'http://x/health',
              state: 'unreachable',
              error: 'ECONNREFUSED',
            },
          },
        ],
        kernel: [
          {
            name: 'leaker-c',
            source: 'proc',
            rssBytes: 66 * MIB,
            heapBytes: 50 * MIB,
          },
          { name: 'leaker-c-2', source: 'proc', error: 'process gone' },
        ],
      }),
      [],
    );
    await renderWithEntity(<EntityMemleakContent />);
    const table = await screen.findByRole('table', {
      name: 'Targets: reported vs. kernel',
    });
    const rowOf = (name: string) =>
      within(table).getByRole('row', { name: new RegExp(`^${name} `) });
    const first = rowOf('leaker-c');
    expect(within(first).getByText('12.0 MiB')).toBeInTheDocument();
    expect(
      within(first).getByText('66.0 MiB, heap 50.0 MiB'),
    ).toBeInTheDocument();
    const second = rowOf('leaker-c-2');
    expect(
      within(second).getByText('unreachable: ECONNREFUSED'),
    ).toBeInTheDocument();
    expect(
      within(second).getByText('unknown (process gone)'),
    ).toBeInTheDocument();
  });

  it('invites a first trace and shows an empty history', async () => {
    const requests = serve(aReport(), []);
    await renderWithEntity(<EntityMemleakContent />);
    expect(await screen.findByText('No trace yet.')).toBeInTheDocument();
    expect(await screen.findByText('No traces yet.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Trace heap' })).toBeEnabled();
    expect(requests.history).toEqual([
      `?entityRef=${encodeURIComponent(ENTITY_REF)}&limit=20`,
    ]);
  });

  it('shows a past trace picked from the history, and goes back to the latest', async () => {
    const latest = aTrace();
    const requests = serve(aReport({ latestTrace: latest }), [
      summary(latest),
      summary(pastTrace),
    ]);
    await renderWithEntity(<EntityMemleakContent />);

    const history = await screen.findByRole('table', { name: 'Trace history' });
    const pastRow = (await within(history).findAllByRole('row'))[2];
    await userEvent.click(
      within(pastRow).getByRole('button', { name: /^View trace started/ }),
    );

    expect(
      await screen.findByText('Showing a past trace.'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('cache_insert+0x8 (leaker)', {
        selector: 'code',
      }),
    ).toBeInTheDocument();
    expect(requests.details).toEqual([pastTrace.id]);
    expect(
      within(pastRow).getByRole('button', { name: /^View trace started/ }),
    ).toHaveAttribute('aria-pressed', 'true');

    await userEvent.click(
      screen.getByRole('button', { name: 'Back to the latest trace' }),
    );
    expect(
      await screen.findByText('leak_memory_chunk+0x1a (leaker)', {
        selector: 'code',
      }),
    ).toBeInTheDocument();
    expect(screen.queryByText('Showing a past trace.')).not.toBeInTheDocument();
  });

  it('shows report notices such as lost events and attach failures as alerts', async () => {
    serve(
      aReport({
        notices: [
          {
            level: 'error',
            code: 'attach_failed',
            message: 'uprobe on libc.so.6:malloc failed: permission denied',
            at: '2025-01-01T12:00:00.000Z',
          },
        ],
      }),
      [],
    );
    await renderWithEntity(<EntityMemleakContent />);
    const alert = await screen.findByText(
      'uprobe on libc.so.6:malloc failed: permission denied',
    );
    expect(alert.closest('[role="alert"]')).not.toBeNull();
  });

  it('offers Retry when the report cannot be loaded', async () => {
    server.use(
      http.get('*/api/memleak/report', () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message: 'You may not read memleak reports',
            },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    await renderWithEntity(<EntityMemleakContent />);
    expect(
      await screen.findByText('You may not read memleak reports'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Retry loading the memory report' }),
    ).toBeInTheDocument();
  });
});
