import { createApp } from '@backstage/app-defaults';
import { defaultConfigLoader, FlatRoutes } from '@backstage/core-app-api';
import {
  AlertDisplay,
  OAuthRequestDialog,
  Sidebar,
  SidebarItem,
  SidebarPage,
  SidebarSpacer,
  SignInPage,
} from '@backstage/core-components';
import {
  configApiRef,
  createApiFactory,
  type BackstagePlugin,
} from '@backstage/core-plugin-api';
import {
  ScmIntegrationsApi,
  scmIntegrationsApiRef,
} from '@backstage/integration-react';
import {
  CatalogEntityPage,
  CatalogIndexPage,
  catalogPlugin,
  EntityAboutCard,
  EntityLayout,
} from '@backstage/plugin-catalog';
import {
  EntityKubernetesContent,
  isKubernetesAvailable,
  kubernetesPlugin,
} from '@backstage/plugin-kubernetes';
import {
  TechDocsIndexPage,
  TechDocsReaderPage,
  TechDocsReaderPageContent,
  TechDocsReaderPageHeader,
  techdocsPlugin,
} from '@backstage/plugin-techdocs';
import Grid from '@material-ui/core/Grid';
import CategoryIcon from '@material-ui/icons/Category';
import LibraryBooksIcon from '@material-ui/icons/LibraryBooks';
import MemoryIcon from '@material-ui/icons/Memory';
import ViewListIcon from '@material-ui/icons/ViewList';
import ReactDOM from 'react-dom/client';
// The catalog's cards use Backstage UI components, styled by this sheet. This
// file is the dev app, not the plugin (dev-utils' createDevApp imports it too).
// eslint-disable-next-line @backstage/no-ui-css-imports-in-non-frontend
import '@backstage/ui/css/styles.css';
import { Navigate, Route } from 'react-router-dom';
import {
  EntityMemleakCard,
  EntityMemleakContent,
  isMemleakAvailable,
  MemleakFleetPage,
  memleakPlugin,
} from '../src';

// The local portal. Everything on these pages comes from the dev backend
// (localhost:7007): the real catalog reading the repo's catalog-info.yaml,
// TechDocs built from docs/, and the memleak backend tracing the local
// leaker-c process — or, with `yarn dev --cluster`, leaker-c's pods on the
// test bed through the kubernetes backend plugin, whose tab is then shown too.
//
// A full app (createApp) rather than dev-utils' createDevApp: that one binds
// every external route to a placeholder page, and the About card's
// "View TechDocs" must lead to the TechDocs reader.

const LEAKER_PAGE = '/catalog/default/component/leaker-c';

// The dev backend has no auth backend and accepts requests without a token,
// which is what the sign-in page's legacy guest identity sends. Preselecting
// guest with that identity signs in without a click (these are the storage
// keys the sign-in page itself writes).
localStorage.setItem('enableLegacyGuestToken', 'true');
localStorage.setItem('@backstage/core:SignInPage:provider', 'guest');

/** Whether the dev backend runs the kubernetes plugin (`yarn dev --cluster`). */
async function backendHasKubernetes(): Promise<boolean> {
  const configs = await defaultConfigLoader();
  const backend = configs
    .map(c => (c.data.backend as { baseUrl?: string } | undefined)?.baseUrl)
    .filter(Boolean)
    .pop();
  try {
    const res = await fetch(`${backend}/api/kubernetes/clusters`);
    return res.ok;
  } catch {
    return false;
  }
}

function entityPage(withKubernetes: boolean) {
  // A table of pods needs the page's width; one local process fits beside About.
  return (
    <EntityLayout>
      <EntityLayout.Route path="/" title="Overview">
        <Grid container spacing={3} alignItems="stretch">
          <Grid item xs={12} md={withKubernetes ? 6 : 4}>
            <EntityAboutCard />
          </Grid>
          <Grid item xs={12} md={withKubernetes ? 12 : 8}>
            <EntityMemleakCard />
          </Grid>
        </Grid>
      </EntityLayout.Route>
      <EntityLayout.Route
        path="/memleak"
        title="Memory"
        if={isMemleakAvailable}
      >
        <EntityMemleakContent />
      </EntityLayout.Route>
      {withKubernetes && (
        <EntityLayout.Route
          path="/kubernetes"
          title="Kubernetes"
          if={isKubernetesAvailable}
        >
          <EntityKubernetesContent refreshIntervalMs={10_000} />
        </EntityLayout.Route>
      )}
    </EntityLayout>
  );
}

function buildApp(withKubernetes: boolean) {
  const plugins: BackstagePlugin[] = [catalogPlugin, techdocsPlugin];
  if (withKubernetes) plugins.push(kubernetesPlugin);
  plugins.push(memleakPlugin);

  const app = createApp({
    apis: [
      createApiFactory({
        api: scmIntegrationsApiRef,
        deps: { configApi: configApiRef },
        factory: ({ configApi }) => ScmIntegrationsApi.fromConfig(configApi),
      }),
    ],
    plugins,
    components: {
      SignInPage: props => (
        <SignInPage
          {...props}
          providers={['guest']}
          title="Select a sign-in method"
          align="center"
        />
      ),
    },
    bindRoutes({ bind }) {
      bind(catalogPlugin.externalRoutes, {
        viewTechDoc: techdocsPlugin.routes.docRoot,
      });
    },
  });

  const sidebar = (
    <Sidebar>
      <SidebarSpacer />
      <SidebarItem to={LEAKER_PAGE} text="leaker-c" icon={MemoryIcon} />
      <SidebarItem
        to="/memleak"
        text="Memory across services"
        icon={ViewListIcon}
      />
      <SidebarItem to="/catalog" text="Catalog" icon={CategoryIcon} />
      <SidebarItem to="/docs" text="Docs" icon={LibraryBooksIcon} />
    </Sidebar>
  );

  const AppProvider = app.getProvider();
  const AppRouter = app.getRouter();
  return () => (
    <AppProvider>
      <AlertDisplay />
      <OAuthRequestDialog />
      <AppRouter>
        <SidebarPage>
          {sidebar}
          <FlatRoutes>
            <Route path="/" element={<Navigate to={LEAKER_PAGE} replace />} />
            <Route path="/memleak" element={<MemleakFleetPage />} />
            <Route path="/catalog" element={<CatalogIndexPage />} />
            <Route
              path="/catalog/:namespace/:kind/:name"
              element={<CatalogEntityPage />}
            >
              {entityPage(withKubernetes)}
            </Route>
            <Route path="/docs" element={<TechDocsIndexPage />} />
            <Route
              path="/docs/:namespace/:kind/:name/*"
              element={
                <TechDocsReaderPage>
                  <TechDocsReaderPageHeader />
                  {/* No search backend in the dev portal. */}
                  <TechDocsReaderPageContent withSearch={false} />
                </TechDocsReaderPage>
              }
            />
          </FlatRoutes>
        </SidebarPage>
      </AppRouter>
    </AppProvider>
  );
}

backendHasKubernetes().then(withKubernetes => {
  const App = buildApp(withKubernetes);
  ReactDOM.createRoot(document.getElementById('root')!).render(<App />);
});
