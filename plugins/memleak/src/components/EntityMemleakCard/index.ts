export { EntityMemleakCard } from './EntityMemleakCard';
