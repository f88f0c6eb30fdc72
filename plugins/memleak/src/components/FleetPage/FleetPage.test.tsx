import { identityApiRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { FLEET } from '../../__testUtils__/backendFixtures';
import { WithRealClient } from '../../__testUtils__/renderWithEntity';
import { FleetPage } from './FleetPage';

/* The fleet page on the fleet the backend's FleetService produced. */

const server = setupServer();
registerMswTestHooks(server);

async function renderFleet(ownershipEntityRefs: string[]) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/guest',
            ownershipEntityRefs,
          }),
        ],
      ]}
    >
      <WithRealClient>
        <FleetPage />
      </WithRealClient>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

const serveFleet = () =>
  server.use(http.get('*/api/memleak/fleet', () => HttpResponse.json(FLEET)));

/** Entity names of the table's rows, top to bottom. */
const listed = async () => {
  const table = await screen.findByRole('table', {
    name: 'Traceable entities',
  });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map(row => within(row).getAllByRole('link')[0].textContent);
};

describe('FleetPage', () => {
  it('lists what the user’s groups own by default, leaks first', async () => {
    serveFleet();
    await renderFleet(['user:default/guest', 'group:default/team-a']);
    expect(
      screen.getByRole('heading', { name: 'Memory across services' }),
    ).toBeInTheDocument();
    expect(await listed()).toEqual(['leaker-c', 'cart']);
    expect(screen.getByLabelText('Owner')).toHaveValue('mine');

    const leaker = screen.getByRole('row', { name: /^leaker-c / });
    expect(within(leaker).getByText('Leak confirmed')).toBeInTheDocument();
    expect(
      within(leaker).getByText('growing in 3 of 3 pods'),
    ).toBeInTheDocument();
    expect(
      within(leaker).getByText(/^\+\d+\.\d MiB\/min$/),
    ).toBeInTheDocument();
    expect(
      within(leaker).getByText(/^~\d+ min \(\d+ min–\d+ min\)$/),
    ).toBeInTheDocument();
    // Its three pods grow alike: the soonest is whichever the backend found.
    const soonest = FLEET.items.find(
      i => i.entityRef === 'component:default/leaker-c',
    )?.oom?.pod;
    expect(soonest).toMatch(/^dev\/memleak-demo\/leaker-c-7d9c-[abc]$/);
    expect(
      within(leaker).getByText(`256 MiB limit of ${soonest}`),
    ).toBeInTheDocument();
    expect(
      within(leaker).getByRole('link', { name: 'leaker-c' }),
    ).toHaveAttribute('href', '/catalog/default/component/leaker-c');

    const cart = screen.getByRole('row', { name: /^cart / });
    expect(
      within(cart).getByText('growing in 0 of 2 pods; trace stopped'),
    ).toBeInTheDocument();
  });

  it('lists every owner’s entities on request, untraced ones last', async () => {
    serveFleet();
    await renderFleet(['user:default/guest', 'group:default/team-a']);
    await userEvent.selectOptions(
      await screen.findByLabelText('Owner'),
      'All owners',
    );
    const all = await listed();
    expect(all.slice(0, 2).sort()).toEqual(['checkout', 'leaker-c']);
    expect(all.slice(2)).toEqual(['search', 'cart', 'payments', 'inventory']);
    const inventory = screen.getByRole('row', { name: /^inventory / });
    expect(within(inventory).getByText('never traced')).toBeInTheDocument();
  });

  it('filters by one owner', async () => {
    serveFleet();
    await renderFleet(['user:default/guest']);
    await userEvent.selectOptions(
      await screen.findByLabelText('Owner'),
      'team-c',
    );
    expect(await listed()).toEqual(['payments', 'inventory']);
  });

  it('shows everyone’s entities to a user in no group, and says when an owner has none', async () => {
    serveFleet();
    await renderFleet([]);
    expect(await listed()).toHaveLength(6);
    const owner = screen.getByLabelText('Owner');
    expect(owner).toHaveValue('all');
    expect(
      within(owner).queryByRole('option', { name: 'My groups' }),
    ).not.toBeInTheDocument();
  });

  it('lists every owner’s entities when the user’s groups own none, and says so', async () => {
    serveFleet();
    await renderFleet(['group:default/team-z']);
    expect(await listed()).toHaveLength(6);
    expect(screen.getByLabelText('Owner')).toHaveValue('all');
    expect(
      screen.getByText(
        'Your groups own no entity this backend can trace, so every owner’s are listed.',
      ),
    ).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Owner'), 'My groups');
    expect(
      await screen.findByText(
        'No traceable entity has this owner. Choose “All owners” to see every one.',
      ),
    ).toBeInTheDocument();
  });

  it('offers Retry when the fleet cannot be loaded', async () => {
    let calls = 0;
    server.use(
      http.get('*/api/memleak/fleet', () => {
        calls++;
        return calls === 1
          ? HttpResponse.json(
              {
                error: { name: 'Error', message: 'catalog unreachable' },
                response: { statusCode: 500 },
              },
              { status: 500 },
            )
          : HttpResponse.json(FLEET);
      }),
    );
    await renderFleet([]);
    expect(await screen.findByText('catalog unreachable')).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Retry loading the fleet' }),
    );
    expect(await listed()).toHaveLength(6);
  });
});
