export { memleakApiRef } from './MemleakApi';
export type { MemleakApi } from './MemleakApi';
export { MemleakClient, describeMemleakError } from './MemleakClient';
