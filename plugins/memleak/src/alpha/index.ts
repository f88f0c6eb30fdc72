export { memleakPlugin } from './plugin';
export { memleakApi } from './apis';
export { memleakEntityCard } from './entityCards';
export { memleakEntityContent, memleakContentRouteRef } from './entityContents';
export { memleakFleetPage, memleakFleetRouteRef } from './pages';
