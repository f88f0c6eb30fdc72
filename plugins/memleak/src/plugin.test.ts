import {
  EntityMemleakCard,
  EntityMemleakContent,
  isMemleakAvailable,
  memleakApiRef,
  memleakFleetRouteRef,
  memleakPlugin,
  memleakRouteRef,
  MemleakFleetPage,
} from './index';

describe('memleakPlugin', () => {
  it('provides the memleak API, both entity extensions and the fleet page', () => {
    expect(memleakPlugin.getId()).toBe('memleak');
    expect([...memleakPlugin.getApis()].map(f => f.api.id)).toEqual([
      memleakApiRef.id,
    ]);
    expect(EntityMemleakCard).toBeInstanceOf(Function);
    expect(EntityMemleakContent).toBeInstanceOf(Function);
    expect(MemleakFleetPage).toBeInstanceOf(Function);
    expect(memleakPlugin.routes).toEqual({
      root: memleakRouteRef,
      fleet: memleakFleetRouteRef,
    });
  });
});

describe('isMemleakAvailable', () => {
  const entity = (annotations: Record<string, string>) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'x', annotations },
  });

  it('accepts the kubernetes plugin annotations', () => {
    expect(
      isMemleakAvailable(entity({ 'backstage.io/kubernetes-id': 'leaker-c' })),
    ).toBe(true);
    expect(
      isMemleakAvailable(
        entity({ 'backstage.io/kubernetes-label-selector': 'app=leaker' }),
      ),
    ).toBe(true);
  });

  it('rejects entities without them', () => {
    expect(isMemleakAvailable(entity({}))).toBe(false);
    expect(
      isMemleakAvailable(entity({ 'backstage.io/kubernetes-namespace': 'x' })),
    ).toBe(false);
  });
});
