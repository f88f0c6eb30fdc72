import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { FIXTURES } from '../../__testUtils__/backendFixtures';
import { ENTITY_REF } from '../../__testUtils__/fixtures';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { serveFixture } from '../../__testUtils__/serveFixture';
import { EntityMemleakCard } from './EntityMemleakCard';

/*
 * The card for entities that run as pods, on reports the backend produced
 * (scripts/ui-fixtures.ts): real report service, targets and trace runner
 * against fake clusters.
 */

const server = setupServer();
registerMswTestHooks(server);

const podsTable = () =>
  screen.findByRole('table', { name: 'Pods: reported vs. observed' });
const rowOf = (table: HTMLElement, pod: string) =>
  within(table).getByRole('row', { name: new RegExp(`^${pod} `) });
const minutes = (text: string) => Number(/~(\d+) min/.exec(text)![1]);

describe('EntityMemleakCard for a Kubernetes entity', () => {
  it('shows every pod: where it runs, how it fared, what it says next to what the kernel sees', async () => {
    serveFixture(server, FIXTURES.everyReplica);
    await renderWithEntity(<EntityMemleakCard />);
    const table = await podsTable();
    expect(within(table).getAllByRole('row')).toHaveLength(4);

    const b = rowOf(table, 'leaker-c-7d9c-b');
    expect(within(b).getByText('cluster dev, node node-b')).toBeInTheDocument();
    expect(
      within(b).getByText('Running, ready, 3 restarts'),
    ).toBeInTheDocument();
    // An OOM kill stands out: in bold, beside an error icon.
    expect(
      within(b).getByText('OOMKilled', { selector: 'strong' }),
    ).toBeInTheDocument();
    expect(within(b).getByText(/\(exit 137, .+\)$/)).toBeInTheDocument();
    expect(
      within(b).getByText('healthy (HTTP 200, says "healthy")'),
    ).toBeInTheDocument();
    expect(within(b).getByText('says it uses 4.0 MiB')).toBeInTheDocument();
    expect(
      within(b).getByText(/^working set \d+\.\d MiB of 256 MiB limit$/),
    ).toBeInTheDocument();
    expect(
      within(b).getByText(/^heap \+\d+\.\d MiB traced$/),
    ).toBeInTheDocument();
    expect(within(b).getByText('Leak confirmed')).toBeInTheDocument();

    const a = rowOf(table, 'leaker-c-7d9c-a');
    expect(
      within(a).getByText('Running, ready, 0 restarts'),
    ).toBeInTheDocument();
    expect(within(a).queryByText('OOMKilled')).not.toBeInTheDocument();
  });

  it('says the growth is in every replica, and when the first pod hits its limit', async () => {
    const requests = serveFixture(server, FIXTURES.everyReplica);
    await renderWithEntity(<EntityMemleakCard />);
    const across = await screen.findByRole('region', { name: 'Across pods' });
    expect(
      within(across).getByText(
        'Growing in every replica (3 of 3): a leak in the code they all run, so every pod is heading for its limit.',
      ),
    ).toBeInTheDocument();
    const oom = await within(across).findByText(
      /^At this rate, leaker-c-7d9c-[abc] hits its 256 MiB memory limit in ~\d+ min \(\d+ min–\d+ min\)\.$/,
    );
    // ~180 MiB of headroom at the demo's 1 MiB / 8 s: about 24 min
    expect(minutes(oom.textContent!)).toBeGreaterThanOrEqual(18);
    expect(minutes(oom.textContent!)).toBeLessThanOrEqual(30);

    // The rates come from each pod's own trace; the latest one came with the report.
    const { report } = FIXTURES.everyReplica;
    expect(requests.details.sort()).toEqual(
      report
        .latestGroup!.map(t => t.id)
        .filter(id => id !== report.latestTrace!.id)
        .sort(),
    );
    const table = await podsTable();
    for (const pod of ['a', 'b', 'c']) {
      expect(
        within(rowOf(table, `leaker-c-7d9c-${pod}`)).getByText(
          /^~\d+ min \(\d+ min–\d+ min\) to the 256 MiB limit$/,
        ),
      ).toBeInTheDocument();
    }
  });

  it('tells growth in one replica among stable ones apart', async () => {
    serveFixture(server, FIXTURES.oneReplica);
    await renderWithEntity(<EntityMemleakCard />);
    const across = await screen.findByRole('region', { name: 'Across pods' });
    expect(
      within(across).getByText(
        /^Growing in 1 of 3 replicas \(dev\/memleak-demo\/checkout-7d9c-a\) while the others are stable: look at what that pod gets/,
      ),
    ).toBeInTheDocument();
    const table = await podsTable();
    const b = rowOf(table, 'checkout-7d9c-b');
    expect(within(b).getByText('Stable')).toBeInTheDocument();
    expect(await within(b).findByText('not growing')).toBeInTheDocument();
  });

  it('traces one chosen pod, or all running pods as one group', async () => {
    const requests = serveFixture(server, FIXTURES.everyReplica);
    await renderWithEntity(<EntityMemleakCard />);
    const choice = await screen.findByLabelText('Pods to trace');
    expect(
      within(choice)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual([
      'All running pods (3)',
      'leaker-c-7d9c-a',
      'leaker-c-7d9c-b',
      'leaker-c-7d9c-c',
    ]);

    await userEvent.selectOptions(choice, 'leaker-c-7d9c-b');
    await userEvent.click(screen.getByRole('button', { name: 'Trace heap' }));
    await userEvent.selectOptions(
      await screen.findByLabelText('Pods to trace'),
      'All running pods (3)',
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Trace heap' }),
    );
    await waitFor(() => expect(requests.starts).toHaveLength(2));
    expect(requests.starts).toEqual([
      {
        entityRef: ENTITY_REF,
        durationSec: 120,
        target: 'dev/memleak-demo/leaker-c-7d9c-b',
      },
      { entityRef: ENTITY_REF, durationSec: 120 },
    ]);
  });

  it('shows each pod stream’s progress and what it costs, and stops the group', async () => {
    const { running } = FIXTURES;
    const requests = serveFixture(server, running);
    await renderWithEntity(<EntityMemleakCard />);
    const streams = await screen.findByRole('list', {
      name: 'Trace streams, one per pod',
    });
    expect(running.report.latestTrace!.status).toBe('running');
    expect(
      screen.getByText(new RegExp(`^Tracing 2 pods: \\d+ s of 5 min$`)),
    ).toBeInTheDocument();
    expect(within(streams).getAllByRole('progressbar')).toHaveLength(2);
    for (const pod of ['a', 'b']) {
      expect(
        within(streams).getByRole('progressbar', {
          name: new RegExp(
            `^dev/memleak-demo/cart-7d9c-${pod}: running, \\d+ s$`,
          ),
        }),
      ).toBeInTheDocument();
    }

    // pod b's ledger was too small for its heap: its stream lost events
    const b = running.traces.find(t => t.target.pod === 'cart-7d9c-b')!;
    const lost = b.snapshots[b.snapshots.length - 1].lostEvents;
    expect(lost).toBeGreaterThan(0);
    // The line's text runs through a <strong> when events were lost.
    const costs = await within(streams).findAllByText((_, el) =>
      Boolean(
        el?.tagName === 'P' &&
          /^[\d,]+ allocator calls\/s · .+ · est\. \+7\.4 µs per call \(.+ % of one CPU, from the overhead benchmark\)$/.test(
            el.textContent ?? '',
          ),
      ),
    );
    expect(costs).toHaveLength(2);
    expect(
      within(streams).getByText(`${lost.toLocaleString('en-US')} events lost`, {
        selector: 'strong',
      }),
    ).toBeInTheDocument();
    expect(within(streams).getByText(/no events lost/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Stop trace' }));
    await waitFor(() => expect(requests.stops).toHaveLength(1));
    expect(running.report.latestGroup!.map(t => t.id)).toContain(
      requests.stops[0],
    );
  });

  it('turns every reason it cannot see or trace into setup help, and still shows what it can', async () => {
    serveFixture(server, FIXTURES.setup);
    await renderWithEntity(<EntityMemleakCard />);
    const help = await screen.findByRole('region', { name: 'Setup help' });
    const titles = () =>
      within(help)
        .getAllByRole('alert')
        .map(a => a.querySelector('.MuiAlertTitle-root')?.textContent);
    expect(
      await within(help).findByText(
        'Inspektor Gadget is not running on node node-b (cluster payments-dev)',
      ),
    ).toBeInTheDocument();
    expect(titles()).toEqual([
      'Cluster payments-prod did not answer',
      'Kubernetes refused: list pods in namespace memleak-demo, cluster payments-staging',
      'Working set unavailable: the cluster serves no metrics.k8s.io',
      'Kubernetes refused: create pods/portforward in namespace gadget, cluster payments-dev',
      'Inspektor Gadget is not running on node node-b (cluster payments-dev)',
    ]);

    // The cluster that answered still shows its pods, without working sets.
    const table = await podsTable();
    const a = rowOf(table, 'payments-1a2b-a');
    expect(
      within(a).getByText('working set unknown of 256 MiB limit'),
    ).toBeInTheDocument();
    expect(
      within(a).getByText('healthy (HTTP 200, says "healthy")'),
    ).toBeInTheDocument();
    expect(
      within(rowOf(table, 'payments-1a2b-c')).getByText(
        'Pending, not ready, 0 restarts',
      ),
    ).toBeInTheDocument();
    // Readiness is the kubelet's probe result; a running pod that failed it
    // stands out beside a warning icon.
    const b = rowOf(table, 'payments-1a2b-b');
    const notReady = within(b).getByText('not ready');
    expect(notReady.closest('p')).toHaveTextContent(
      /^Running, not ready, 0 restarts$/,
    );
    expect(notReady.parentElement!.querySelector('svg')).not.toBeNull();
    // Each reason once: as setup help, not again as a plain notice.
    const missing = FIXTURES.setup.traces
      .flatMap(t => t.notices)
      .find(n => n.code === 'gadget_missing')!;
    expect(screen.getAllByText(missing.message)).toHaveLength(1);
    expect(
      screen.getByText(/^Trace failed\. The tracer could not run\./),
    ).toBeInTheDocument();
  });

  it('copies a setup command', async () => {
    // jsdom has no clipboard; copy-to-clipboard then offers the text in a prompt.
    const prompt = jest.spyOn(window, 'prompt').mockImplementation(() => null);
    serveFixture(server, FIXTURES.setup);
    await renderWithEntity(<EntityMemleakCard />);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Copy: kubectl auth can-i create pods/portforward -n gadget --as=system:serviceaccount:backstage:backstage',
      }),
    );
    expect(prompt).toHaveBeenCalledWith(
      expect.any(String),
      'kubectl auth can-i create pods/portforward -n gadget --as=system:serviceaccount:backstage:backstage',
    );
    prompt.mockRestore();
  });

  it('explains a version skew with both ways out', async () => {
    serveFixture(server, FIXTURES.versionSkew);
    await renderWithEntity(<EntityMemleakCard />);
    const help = await screen.findByRole('region', { name: 'Setup help' });
    expect(
      within(help).getByText(
        'Inspektor Gadget v0.54.0 on the node; memleak’s gadget is built for v0.55.0',
      ),
    ).toBeInTheDocument();
    expect(
      within(help).getByRole('button', {
        name: 'Copy: kubectl gadget version',
      }),
    ).toBeInTheDocument();
    expect(
      within(help).getByText(/image: trace_malloc:v0\.54\.0/, {
        selector: 'code',
      }),
    ).toBeInTheDocument();
    // The trace still ran: its verdict is shown.
    expect(
      within(await podsTable()).getByText('Growing (suspected leak)'),
    ).toBeInTheDocument();
  });
});
