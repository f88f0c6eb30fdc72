/**
 * Shows, on an entity page, what a service reports about its health and
 * memory next to the heap growth the kernel observes with eBPF.
 *
 * @packageDocumentation
 */
export {
  memleakPlugin,
  EntityMemleakCard,
  EntityMemleakContent,
  MemleakFleetPage,
} from './plugin';
export { isMemleakAvailable } from './isMemleakAvailable';
export { memleakApiRef, MemleakClient, describeMemleakError } from './api';
export type { MemleakApi } from './api';
export {
  rootRouteRef as memleakRouteRef,
  fleetRouteRef as memleakFleetRouteRef,
} from './routes';
