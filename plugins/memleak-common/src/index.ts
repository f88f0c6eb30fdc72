/**
 * Shared types, annotations, permissions and formatting of the memleak plugins.
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './types';
export * from './validation';
export * from './format';
export * from './cliReport';
export * from './oom';
export * from './traceCost';
export * from './replicas';
