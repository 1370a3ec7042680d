import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiClient } from './api/client';
import { App } from './App';
import { getLang } from './i18n';
import './index.css';
import { registerServiceWorker } from './lib/serviceWorker';
import { applyTheme } from './theme/theme';

// Before the first paint, so a dark panel never flashes white.
applyTheme();
document.documentElement.lang = getLang();
registerServiceWorker();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <App client={new ApiClient()} />
    </BrowserRouter>
  </StrictMode>,
);
