/**
 * memleak backend plugin: eBPF heap traces and leak verdicts for catalog entities.
 * @packageDocumentation
 */
export { memleakPlugin as default } from './plugin';
