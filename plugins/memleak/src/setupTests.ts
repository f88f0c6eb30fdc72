import '@testing-library/jest-dom';

// jsdom does no layout and has no ResizeObserver; recharts' ResponsiveContainer
// needs the constructor to exist (it then renders at zero size, which is fine:
// tests read the chart's text summary, not its pixels).
class NoLayoutResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (!('ResizeObserver' in globalThis)) {
  Object.assign(globalThis, { ResizeObserver: NoLayoutResizeObserver });
}
