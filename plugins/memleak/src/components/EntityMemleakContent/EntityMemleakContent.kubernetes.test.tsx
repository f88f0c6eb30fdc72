import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { FIXTURES } from '../../__testUtils__/backendFixtures';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { serveFixture } from '../../__testUtils__/serveFixture';
import { EntityMemleakContent } from './EntityMemleakContent';

/* The Memory tab for entities that run as pods, on backend-made reports. */

const server = setupServer();
registerMswTestHooks(server);

const chart = () =>
  screen.findByRole('img', { name: 'Heap and memory over the trace' });

describe('EntityMemleakContent for a Kubernetes entity', () => {
  it('draws the pod’s limit on the timeline and says when this rate reaches it', async () => {
    serveFixture(server, FIXTURES.everyReplica);
    await renderWithEntity(<EntityMemleakContent />);
    const description = (await chart()).getAttribute('aria-describedby')!;
    const caption = document.getElementById(description)!.textContent!;
    expect(caption).toMatch(
      /; container working set went from \d+\.\d MiB to \d+\.\d MiB; /,
    );
    expect(caption).toMatch(
      /At this rate, the 256 MiB memory limit is hit in ~\d+ min \(\d+ min–\d+ min\)\.$/,
    );
  });

  it('lists the pods and shows the trace of the one picked', async () => {
    const { report } = FIXTURES.everyReplica;
    serveFixture(server, FIXTURES.everyReplica);
    await renderWithEntity(<EntityMemleakContent />);
    const pods = await screen.findByRole('table', {
      name: 'Pods: reported vs. observed',
    });
    const latestPod = report.latestTrace!.target.pod!;
    expect(
      within(pods).getByRole('button', {
        name: `View the trace of ${latestPod}`,
      }),
    ).toHaveAttribute('aria-pressed', 'true');
    const other = [
      'leaker-c-7d9c-a',
      'leaker-c-7d9c-b',
      'leaker-c-7d9c-c',
    ].find(p => p !== latestPod)!;
    await userEvent.click(
      await within(pods).findByRole('button', {
        name: `View the trace of ${other}`,
      }),
    );
    expect(
      await screen.findByText(`Completed trace of dev/memleak-demo/${other}`),
    ).toBeInTheDocument();
    // One of the latest group: live, not a "past trace".
    expect(screen.queryByText('Showing a past trace.')).not.toBeInTheDocument();
  });

  it('puts the verdict across pods next to the trace controls', async () => {
    serveFixture(server, FIXTURES.oneReplica);
    await renderWithEntity(<EntityMemleakContent />);
    const across = await screen.findByRole('region', { name: 'Across pods' });
    expect(
      within(across).getByText(/^Growing in 1 of 3 replicas/),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Pods to trace')).toBeInTheDocument();
  });

  it('shows setup help above everything, the failed trace, and each trace’s pod in the history', async () => {
    serveFixture(server, FIXTURES.setup);
    await renderWithEntity(<EntityMemleakContent />);
    const help = await screen.findByRole('region', { name: 'Setup help' });
    expect(
      await within(help).findByText(
        'Kubernetes refused: create pods/portforward in namespace gadget, cluster payments-dev',
      ),
    ).toBeInTheDocument();
    expect(
      within(help).getByText('Cluster payments-prod did not answer'),
    ).toBeInTheDocument();
    const history = await screen.findByRole('table', { name: 'Trace history' });
    expect(
      await within(history).findByText(
        'payments-dev/memleak-demo/payments-1a2b-b',
      ),
    ).toBeInTheDocument();
    expect(within(history).getAllByText('Failed')).toHaveLength(2);
  });
});
