import '@cloudscape-design/global-styles/index.css';
import Alert from '@cloudscape-design/components/alert';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Root } from './root.tsx';
import { loadConfig } from './auth/config.ts';

const root = createRoot(document.getElementById('root') as HTMLElement);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <Root config={config} />
      </StrictMode>,
    ),
  (error: Error) =>
    root.render(
      <Alert type="error" header="The dbroles console could not start">
        {error.message}
      </Alert>,
    ),
);
