import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

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

// findBy* waits for what the component does next, not for a deadline: on a
// loaded 2-core CI machine the first render of a file alone can take 1.5 s.
configure({ asyncUtilTimeout: 5000 });

// A first render takes over a second on a loaded 2-core CI machine; Jest's
// default 5 s per test is too close to it for the tests that render a page.
jest.setTimeout(30_000);
