import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { anEntity } from '../__testUtils__/fixtures';
import memleakPluginDefault, {
  memleakApi,
  memleakEntityCard,
  memleakEntityContent,
  memleakFleetPage,
  memleakFleetRouteRef,
  memleakPlugin,
} from '../alpha';
import { memleakApiRef } from '../api';

describe('memleak plugin for the new frontend system', () => {
  it('is the default export and carries the memleak id', () => {
    expect(memleakPluginDefault).toBe(memleakPlugin);
    expect(memleakPlugin.pluginId).toBe('memleak');
    expect(memleakPlugin.getExtension('api:memleak')).toBeDefined();
    expect(memleakPlugin.getExtension('entity-card:memleak')).toBeDefined();
    expect(memleakPlugin.getExtension('entity-content:memleak')).toBeDefined();
    expect(memleakPlugin.getExtension('page:memleak')).toBeDefined();
  });

  it('adds the fleet page at /memleak', () => {
    const tester = createExtensionTester(memleakFleetPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/memleak');
    expect(tester.get(coreExtensionData.routeRef)).toBe(memleakFleetRouteRef);
    expect(tester.get(coreExtensionData.title)).toBe('Memory across services');
  });

  it('provides the memleak API', () => {
    const factory = createExtensionTester(memleakApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api.id).toBe(memleakApiRef.id);
  });

  it('adds a Memory tab at memleak for annotated entities only', () => {
    const tester = createExtensionTester(memleakEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('memleak');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Memory');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(anEntity())).toBe(true);
    expect(filter(anEntity({}))).toBe(false);
  });

  it('adds the Overview card for annotated entities only', () => {
    const tester = createExtensionTester(memleakEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(filter(anEntity())).toBe(true);
    expect(filter(anEntity({}))).toBe(false);
  });
});
