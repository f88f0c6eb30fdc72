import { Content, Header, Page } from '@backstage/core-components';
import { FleetContent } from './FleetContent';

/**
 * The fleet page (legacy frontend system): every traceable entity's latest
 * verdict, growth and time to OOM, leaks first.
 * @public
 */
export const FleetPage = () => (
  <Page themeId="tool">
    <Header
      title="Memory across services"
      subtitle="What eBPF saw in each service's heap, leaks first"
    />
    <Content>
      <FleetContent />
    </Content>
  </Page>
);
