// Entry of the kiosk screen (`/kiosk`, kiosk.html): plain React and the kiosk's own stylesheet,
// nothing from the staff panel.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { kioskApi } from './api';
import { HelpQueue } from './helpQueue';
import { KioskApp } from './KioskApp';
import './kiosk.css';
import { registerServiceWorker } from '../lib/serviceWorker';

const root = document.getElementById('root');
if (!root) throw new Error('kiosk.html has no #root element');

// The screen and its dictionaries load from the service worker's cache when the hub is away.
registerServiceWorker();

const helpQueue = new HelpQueue(kioskApi.help, window.localStorage);

createRoot(root).render(
  <StrictMode>
    <KioskApp helpQueue={helpQueue} />
  </StrictMode>,
);
