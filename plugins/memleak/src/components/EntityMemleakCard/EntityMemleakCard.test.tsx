import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {
  MemleakReport,
  StartTraceRequest,
} from '@internal/plugin-memleak-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  aReport,
  aTrace,
  anEntity,
  ENTITY_REF,
} from '../../__testUtils__/fixtures';
import {
  permissionAnswering,
  renderWithEntity,
} from '../../__testUtils__/renderWithEntity';
import { EntityMemleakCard } from './EntityMemleakCard';

const server = setupServer();
registerMswTestHooks(server);

const backstageError = (status: number, name: string, message: string) =>
  HttpResponse.json(
    { error: { name, message }, response: { statusCode: status } },
    { status },
  );

function serveReports(...reports: MemleakReport[]) {
  const seen: string[] = [];
  server.use(
    http.get('*/api/memleak/report', ({ request }) => {
      seen.push(new URL(request.url).searchParams.get('entityRef')!);
      const report = reports[Math.min(seen.length - 1, reports.length - 1)];
      return HttpResponse.json(report);
    }),
  );
  return seen;
}

describe('EntityMemleakCard', () => {
  it('asks for the workload annotation when the entity has none, ready to copy', async () => {
    const seen = serveReports(aReport());
    await renderWithEntity(<EntityMemleakCard />, { entity: anEntity({}) });
    const help = screen.getByRole('region', { name: 'Setup help' });
    expect(
      within(help).getByText('Say which pods run this entity'),
    ).toBeInTheDocument();
    expect(
      within(help).getByText(
        'metadata: annotations: backstage.io/kubernetes-id: leaker-c',
        { selector: 'code', normalizer: t => t.replace(/\s+/g, ' ').trim() },
      ),
    ).toBeInTheDocument();
    expect(
      within(help).getByRole('button', { name: 'Copy: metadata:' }),
    ).toBeInTheDocument();
    expect(seen).toHaveLength(0);
  });

  it('shows the reported and the observed view side by side, and where they disagree', async () => {
    const seen = serveReports(
      aReport({
        latestTrace: aTrace(),
        disagreement: {
          message:
            'Reports healthy — heap grew 45 MiB in 6 min in leak_memory_chunk',
        },
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);

    const reported = await screen.findByRole('region', {
      name: 'Reported by the service',
    });
    expect(
      within(reported).getByText('healthy (HTTP 200, says "healthy")'),
    ).toBeInTheDocument();
    expect(within(reported).getByText('12.0 MiB')).toBeInTheDocument();
    expect(
      within(reported).getByText('memory_heap_used_bytes'),
    ).toBeInTheDocument();
    expect(
      within(reported).getByText('memory_usage_percent'),
    ).toBeInTheDocument();
    expect(within(reported).getByText('1 %')).toBeInTheDocument();

    const observed = screen.getByRole('region', { name: 'Observed with eBPF' });
    expect(within(observed).getByText('45.0 MiB')).toBeInTheDocument();
    expect(within(observed).getByText('+7.5 MiB/min')).toBeInTheDocument();
    expect(within(observed).getByText('Leak confirmed')).toBeInTheDocument();
    expect(within(observed).getByText('Top leaking frame')).toBeInTheDocument();
    expect(
      within(observed).getByText('leak_memory_chunk+0x1a (leaker)'),
    ).toBeInTheDocument();
    expect(within(observed).getByText('66.0 MiB')).toBeInTheDocument();

    expect(
      screen.getByText(
        'Reports healthy — heap grew 45 MiB in 6 min in leak_memory_chunk',
      ),
    ).toBeInTheDocument();
    expect(seen).toEqual([ENTITY_REF]);
  });

  it('invites a first trace when there is none', async () => {
    serveReports(aReport());
    await renderWithEntity(<EntityMemleakCard />);
    expect(await screen.findByText('No trace yet.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Trace heap' })).toBeEnabled();
    expect(screen.getByLabelText('Trace duration')).toHaveValue('120');
  });

  it('shows the server message and retries after a backend error', async () => {
    let calls = 0;
    server.use(
      http.get('*/api/memleak/report', () => {
        calls++;
        return calls === 1
          ? backstageError(500, 'Error', 'catalog unreachable: ECONNREFUSED')
          : HttpResponse.json(aReport());
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);
    expect(
      await screen.findByText('catalog unreachable: ECONNREFUSED'),
    ).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Retry loading the memory report' }),
    );
    expect(await screen.findByText('No trace yet.')).toBeInTheDocument();
    expect(calls).toBe(2);
  });

  it('says the backend is not installed when the route answers a bare 404', async () => {
    server.use(
      http.get(
        '*/api/memleak/report',
        () => new HttpResponse(null, { status: 404 }),
      ),
    );
    await renderWithEntity(<EntityMemleakCard />);
    expect(
      await screen.findByText(/The memleak backend is not installed/),
    ).toBeInTheDocument();
  });

  it('explains why tracing is unavailable and disables the action', async () => {
    serveReports(
      aReport({
        capability: {
          available: false,
          reason:
            'The backend lacks CAP_BPF and CAP_PERFMON: run it as root or grant them.',
          defaultDurationSec: 120,
          maxDurationSec: 900,
          minDurationSec: 32,
        },
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);
    expect(
      await screen.findByText(/run it as root or grant them/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Trace heap' })).toBeDisabled();
  });

  it('asks for the trace permission on this entity and explains a denial', async () => {
    serveReports(aReport());
    const permission = permissionAnswering('DENY');
    await renderWithEntity(<EntityMemleakCard />, {
      entity: anEntity(undefined, 'leaker-denied'),
      permissionApi: permission.api,
    });
    expect(
      await screen.findByText(/not allowed to start or stop heap traces/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Trace heap' })).toBeDisabled();
    expect(permission.requests).toContainEqual(
      expect.objectContaining({
        permission: expect.objectContaining({ name: 'memleak.trace.run' }),
        resourceRef: 'component:default/leaker-denied',
      }),
    );
  });

  it('starts a trace with the chosen duration and shows its progress', async () => {
    const running = aTrace({
      status: 'running',
      durationSec: 300,
      elapsedSec: 4,
      endedAt: undefined,
      verdict: 'inconclusive',
      snapshots: [],
      stacks: [],
    });
    let started = false;
    const bodies: StartTraceRequest[] = [];
    server.use(
      http.get('*/api/memleak/report', () =>
        HttpResponse.json(
          started ? aReport({ latestTrace: running }) : aReport(),
        ),
      ),
      http.post('*/api/memleak/traces', async ({ request }) => {
        bodies.push((await request.json()) as StartTraceRequest);
        started = true;
        return HttpResponse.json(running, { status: 201 });
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);

    await userEvent.selectOptions(
      await screen.findByLabelText('Trace duration'),
      '300',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Trace heap' }));

    expect(
      await screen.findByText('Tracing pid 4242 (leaker): 4 s of 5 min'),
    ).toBeInTheDocument();
    expect(bodies).toEqual([{ entityRef: ENTITY_REF, durationSec: 300 }]);
    expect(screen.getByRole('progressbar')).toHaveAttribute(
      'aria-valuenow',
      String(Math.round((4 / 300) * 100)),
    );
    expect(screen.getByRole('button', { name: 'Stop trace' })).toBeEnabled();
  });

  it('shows why a start was refused', async () => {
    serveReports(aReport());
    server.use(
      http.post('*/api/memleak/traces', () =>
        backstageError(
          409,
          'ConflictError',
          'A trace is already running for component:default/leaker-c',
        ),
      ),
    );
    await renderWithEntity(<EntityMemleakCard />);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Trace heap' }),
    );
    expect(
      await screen.findByText(
        'A trace is already running for component:default/leaker-c',
      ),
    ).toBeInTheDocument();
  });

  it('stops a running trace', async () => {
    const running = aTrace({
      status: 'running',
      elapsedSec: 30,
      endedAt: undefined,
    });
    let stopped = false;
    const stopCalls: string[] = [];
    server.use(
      http.get('*/api/memleak/report', () =>
        HttpResponse.json(
          aReport({
            latestTrace: stopped ? { ...running, status: 'stopped' } : running,
          }),
        ),
      ),
      http.post('*/api/memleak/traces/:id/stop', ({ params }) => {
        stopCalls.push(params.id as string);
        stopped = true;
        return HttpResponse.json({ ...running, status: 'stopped' });
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Stop trace' }),
    );
    expect(
      await screen.findByRole('button', { name: 'Trace heap' }),
    ).toBeInTheDocument();
    expect(stopCalls).toEqual([running.id]);
    expect(screen.getByText(/^Stopped, 30 s of pid 4242/)).toBeInTheDocument();
  });

  it('polls while a trace runs and stops polling once it ends', async () => {
    const running = (elapsedSec: number) =>
      aTrace({ status: 'running', elapsedSec, endedAt: undefined });
    const seen = serveReports(
      aReport({ latestTrace: running(10) }),
      aReport({ latestTrace: running(12) }),
      aReport({ latestTrace: aTrace({ status: 'completed' }) }),
    );
    await renderWithEntity(<EntityMemleakCard />);
    expect(
      await screen.findByText(/Tracing pid 4242 \(leaker\): 10 s of/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        /Tracing pid 4242 \(leaker\): 12 s of/,
        undefined,
        {
          timeout: 4000,
        },
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole(
        'button',
        { name: 'Trace heap' },
        { timeout: 4000 },
      ),
    ).toBeInTheDocument();
    expect(seen).toHaveLength(3);

    // Longer than one poll interval: no further request may arrive.
    await new Promise(resolve => setTimeout(resolve, 2500));
    expect(seen).toHaveLength(3);
  }, 15000);

  it.each([
    ['interrupted', /The backend stopped while this trace ran/],
    ['failed', /The tracer could not run/],
    ['target_exited', /The traced process went away/],
  ] as const)('explains a trace that ended as %s', async (status, text) => {
    serveReports(
      aReport({
        latestTrace: aTrace({
          status,
          verdict: 'inconclusive',
          notices: [
            {
              level: 'warning',
              code: 'lost_events',
              message: '312 events were lost; the verdict stays inconclusive',
              at: '2025-01-01T12:01:00.000Z',
            },
          ],
        }),
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);
    expect(await screen.findByText(text)).toBeInTheDocument();
    expect(
      screen.getByText('312 events were lost; the verdict stays inconclusive'),
    ).toBeInTheDocument();
    expect(screen.getByText('Inconclusive')).toBeInTheDocument();
  });

  it('does not call the biggest stack leaking when it is not', async () => {
    const [, steady] = aTrace().stacks;
    serveReports(
      aReport({
        latestTrace: aTrace({ verdict: 'stable', stacks: [steady] }),
      }),
    );
    await renderWithEntity(<EntityMemleakCard />);
    expect(await screen.findByText('Largest live stack')).toBeInTheDocument();
    expect(screen.queryByText('Top leaking frame')).not.toBeInTheDocument();
    expect(screen.getByText('handle_request+0xc (leaker)')).toBeInTheDocument();
  });
});
