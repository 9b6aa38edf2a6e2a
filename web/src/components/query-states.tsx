import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { errorText } from '../api.ts';

/** A table's empty state: what is missing, and what to do next. */
export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Box textAlign="center" color="inherit" padding="m">
      <SpaceBetween size="xs">
        <Box variant="strong" color="inherit">
          {title}
        </Box>
        <Box variant="p" color="inherit">
          {children}
        </Box>
        {action}
      </SpaceBetween>
    </Box>
  );
}

/** An API error in plain words, with a next step when there is one. */
export function ErrorAlert({ error, header, children }: { error: unknown; header?: string; children?: ReactNode }) {
  if (!error) return null;
  return (
    <Alert type="error" header={header}>
      {errorText(error)}
      {children ? <> {children}</> : null}
    </Alert>
  );
}
