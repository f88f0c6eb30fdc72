import { SidebarItem } from '@backstage/core-components';
import { createDevApp } from '@backstage/dev-utils';
import {
  CatalogEntityPage,
  CatalogIndexPage,
  catalogPlugin,
  EntityAboutCard,
  EntityLayout,
} from '@backstage/plugin-catalog';
import Grid from '@material-ui/core/Grid';
import MemoryIcon from '@material-ui/icons/Memory';
import { Navigate } from 'react-router-dom';
import {
  EntityMemleakCard,
  EntityMemleakContent,
  isMemleakAvailable,
  MemleakFleetPage,
  memleakPlugin,
} from '../src';

// The local portal. Everything on these pages comes from the dev backend
// (localhost:7007): the real catalog reading the repo's catalog-info.yaml,
// and the memleak backend tracing the local leaker-c process.

const LEAKER_PAGE = '/catalog/default/component/leaker-c';

// The dev backend has no auth backend and accepts requests without a token,
// which is what the sign-in page's legacy guest identity sends. Preselecting
// guest with that identity signs in without a click (these are the storage
// keys the sign-in page itself writes).
localStorage.setItem('enableLegacyGuestToken', 'true');
localStorage.setItem('@backstage/core:SignInPage:provider', 'guest');

const overviewContent = (
  <Grid container spacing={3} alignItems="stretch">
    <Grid item xs={12} md={4}>
      <EntityAboutCard />
    </Grid>
    <Grid item xs={12} md={8}>
      <EntityMemleakCard />
    </Grid>
  </Grid>
);

const entityPage = (
  <EntityLayout>
    <EntityLayout.Route path="/" title="Overview">
      {overviewContent}
    </EntityLayout.Route>
    <EntityLayout.Route path="/memleak" title="Memory" if={isMemleakAvailable}>
      <EntityMemleakContent />
    </EntityLayout.Route>
  </EntityLayout>
);

createDevApp()
  .registerPlugin(catalogPlugin)
  .registerPlugin(memleakPlugin)
  .addPage({ path: '/', element: <Navigate to={LEAKER_PAGE} replace /> })
  .addSidebarItem(
    <SidebarItem
      key="leaker-c"
      to={LEAKER_PAGE}
      text="leaker-c"
      icon={MemoryIcon}
    />,
  )
  .addPage({
    path: '/memleak',
    title: 'Memory across services',
    element: <MemleakFleetPage />,
  })
  .addPage({
    path: '/catalog',
    title: 'Catalog',
    element: <CatalogIndexPage />,
  })
  .addPage({
    path: '/catalog/:namespace/:kind/:name',
    element: <CatalogEntityPage />,
    children: entityPage,
  })
  .render();
