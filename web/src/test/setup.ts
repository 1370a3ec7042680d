import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// The panel's pages load lazily, and the suite runs its files in parallel on a two-core machine:
// the first render of a page may take seconds there, so `findBy…` and `waitFor` wait up to 5 s.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
});
