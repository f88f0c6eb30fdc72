/**
 * The memleak plugin for Backstage's new frontend system.
 * @packageDocumentation
 */
import { memleakPlugin } from './alpha/index';

export * from './alpha/index';
export default memleakPlugin;
