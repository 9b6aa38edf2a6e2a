import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Multiselect from '@cloudscape-design/components/multiselect';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi, type AccountItem } from '../api.ts';
import { EmptyState, ErrorAlert } from '../components/query-states.tsx';
import { href, navigate } from '../routing.ts';
import { useSelection } from '../selection.tsx';
import { REGIONS } from '../regions.ts';

/** The Organization's accounts (or dbroles' own when there is none): choose where to look for databases. */
export default function AccountsPage() {
  const api = useApi();
  const selection = useSelection();
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: api.accounts });
  const [chosen, setChosen] = useState<AccountItem[] | undefined>();
  const [regions, setRegions] = useState<string[]>(selection.regions);
  const items = accounts.data?.items ?? [];
  const selected = chosen ?? items.filter((a) => selection.accountIds.includes(a.account_id) || (selection.accountIds.length === 0 && a.status === 'ACTIVE'));
  return (
    <SpaceBetween size="l">
      <ErrorAlert error={accounts.error} header="The accounts could not be listed">
        Check <a href={href('aws')}>AWS access</a>.
      </ErrorAlert>
      <Table
        header={
          <Header
            variant="h1"
            counter={accounts.data ? `(${selected.length}/${items.length})` : undefined}
            description="From the AWS Organization, or dbroles' own account when there is none."
            actions={
              <Button
                variant="primary"
                disabled={selected.length === 0}
                onClick={() => {
                  selection.setScan(
                    selected.map((a) => a.account_id),
                    regions,
                  );
                  navigate('databases');
                }}
              >
                Find databases
              </Button>
            }
          >
            Accounts
          </Header>
        }
        filter={
          <FormField label="Regions" description="None chosen: the regions the server scans by default. 'All enabled regions' asks EC2 which are enabled.">
            <Multiselect
              selectedOptions={regions.map((r) => ({ value: r, label: r === 'all' ? 'All enabled regions' : r }))}
              onChange={(e) => setRegions(e.detail.selectedOptions.map((o) => o.value ?? ''))}
              options={[{ value: 'all', label: 'All enabled regions' }, ...REGIONS.map((r) => ({ value: r, label: r }))]}
              placeholder="Default regions"
              filteringType="auto"
              ariaLabel="Regions"
            />
          </FormField>
        }
        loading={accounts.isPending}
        loadingText="Listing accounts"
        items={items}
        trackBy="account_id"
        selectionType="multi"
        selectedItems={selected}
        onSelectionChange={(e) => setChosen(e.detail.selectedItems)}
        isItemDisabled={(a) => a.status !== 'ACTIVE'}
        ariaLabels={{ itemSelectionLabel: (_, a) => `account ${a.account_id}`, allItemsSelectionLabel: () => 'all accounts', selectionGroupLabel: 'Accounts' }}
        columnDefinitions={[
          { id: 'id', header: 'Account', cell: (a) => a.account_id },
          { id: 'name', header: 'Name', cell: (a) => a.name || (a.self ? 'this account (no Organization)' : '-') },
          { id: 'status', header: 'Status', cell: (a) => <StatusIndicator type={a.status === 'ACTIVE' ? 'success' : 'stopped'}>{a.status}</StatusIndicator> },
          { id: 'joined', header: 'Joined', cell: (a) => a.joined_methods },
          { id: 'email', header: 'Email', cell: (a) => a.email || '-' },
        ]}
        empty={
          <EmptyState title="No accounts" action={<Button href={href('aws')}>Set up AWS access</Button>}>
            dbroles could not see any account. Give it credentials on the AWS access page.
          </EmptyState>
        }
      />
    </SpaceBetween>
  );
}
