import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, useApi, type Connection } from '../api.ts';
import { EmptyState, ErrorAlert } from '../components/query-states.tsx';
import { href } from '../routing.ts';

const literal = (c: Connection, key: string) => {
  const entry = c.env[key];
  return entry && 'value' in entry ? entry.value : undefined;
};
const storeOf = (c: Connection) => {
  const pass = c.env.PASS;
  return pass && 'secret_ref' in pass ? pass.secret_ref.provider : 'none';
};

/** The credentials of one connection: read once when asked (the read is logged), the password hidden until revealed. */
function CredentialsModal({ name, onClose }: { name: string; onClose: () => void }) {
  const api = useApi();
  const [revealed, setRevealed] = useState(false);
  const read = useQuery({ queryKey: ['credentials', name], queryFn: () => api.credentials(name), gcTime: 0, staleTime: Infinity });
  const forbidden = read.error instanceof ApiError && read.error.status === 403;
  const c = read.data;
  return (
    <Modal visible onDismiss={onClose} header={`Credentials of ${name}`} footer={<Box float="right"><Button onClick={onClose}>Close</Button></Box>}>
      {read.isPending ? <Spinner /> : null}
      {forbidden ? (
        <Alert type="error" header="Not permitted">
          Your role may read jobs and connections but not credentials (the auditor policy). Ask for the credentials reader policy.
        </Alert>
      ) : (
        <ErrorAlert error={read.error} header="The credentials could not be read" />
      )}
      {c ? (
        <KeyValuePairs
          columns={2}
          items={[
            { label: 'Host', value: `${c.host}:${c.port}` },
            { label: 'User', value: c.user },
            { label: 'Database', value: c.database || '-' },
            { label: 'Stored in', value: `${c.provider}: ${c.secret_id}` },
            {
              label: 'Password',
              // One toggle button that stays where it is, so the keyboard focus stays in the dialog.
              value: (
                <SpaceBetween size="xs" direction="horizontal" alignItems="center">
                  {revealed ? <CopyToClipboard variant="inline" textToCopy={c.password} copySuccessText="Password copied" copyErrorText="The password could not be copied" /> : <Box>••••••••••••</Box>}
                  <Button variant="inline-link" onClick={() => setRevealed(!revealed)}>
                    {revealed ? 'Hide password' : 'Reveal password'}
                  </Button>
                </SpaceBetween>
              ),
            },
          ]}
        />
      ) : null}
    </Modal>
  );
}

/** The resource roles dbroles published: which user, which database, where the password is kept. */
export default function ConnectionsPage() {
  const api = useApi();
  const connections = useQuery({ queryKey: ['connections'], queryFn: api.connections });
  const [selected, setSelected] = useState<Connection[]>([]);
  const [open, setOpen] = useState<string | undefined>();
  return (
    <SpaceBetween size="l">
      <ErrorAlert error={connections.error} header="The connections could not be listed" />
      <Table
        header={
          <Header
            variant="h1"
            counter={connections.data ? `(${connections.data.items.length})` : undefined}
            description="Resource roles: one per user and server. Reading credentials is logged."
            actions={
              <Button variant="primary" disabled={selected.length !== 1} onClick={() => setOpen(selected[0]?.name)}>
                Show credentials
              </Button>
            }
          >
            Connections
          </Header>
        }
        loading={connections.isPending}
        loadingText="Loading connections"
        items={connections.data?.items ?? []}
        trackBy="name"
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        ariaLabels={{ itemSelectionLabel: (_, c) => `connection ${c.name}`, allItemsSelectionLabel: () => 'all', selectionGroupLabel: 'Connections' }}
        wrapLines
        columnDefinitions={[
          { id: 'name', header: 'Name', cell: (c) => c.name },
          { id: 'engine', header: 'Engine', cell: (c) => c.subtype },
          { id: 'user', header: 'User', cell: (c) => literal(c, 'USER') ?? `hoop_${c.role_suffix_name}` },
          { id: 'host', header: 'Host', cell: (c) => `${literal(c, 'HOST') ?? '-'}:${literal(c, 'PORT') ?? '-'}` },
          { id: 'store', header: 'Password in', cell: storeOf },
          { id: 'db', header: 'Database', cell: (c) => c.db_arn },
        ]}
        empty={
          <EmptyState title="No connections" action={<Button href={href('direct')}>Provision a database</Button>}>
            A job with the step “create connections” publishes three.
          </EmptyState>
        }
      />
      {open ? <CredentialsModal name={open} onClose={() => setOpen(undefined)} /> : null}
    </SpaceBetween>
  );
}
