export { EntityMemleakContent } from './EntityMemleakContent';
