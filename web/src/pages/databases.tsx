import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useQuery } from '@tanstack/react-query';
import { useApi, type InstanceItem } from '../api.ts';
import { EmptyState, ErrorAlert } from '../components/query-states.tsx';
import { href, navigate } from '../routing.ts';
import { useSelection } from '../selection.tsx';

/** Why a row cannot be provisioned, or undefined when it can. */
export function whyNotSelectable(item: InstanceItem): string | undefined {
  if (item.error) return `this account and region could not be read: ${item.error}`;
  if (item.role === 'reader' || item.role === 'replica') return `a ${item.role}: provision the writer of its ${item.role === 'reader' ? 'cluster' : 'source'}`;
  if (!item.supported) return `engine ${item.engine} is not supported`;
  return undefined;
}

const rowKey = (item: InstanceItem) => item.arn || `error:${item.account_id}:${item.region}`;
const tagText = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** Every database of the chosen accounts and regions: filter, sort, choose the ones to provision. */
export default function DatabasesPage() {
  const api = useApi();
  const selection = useSelection();
  const body = {
    ...(selection.accountIds.length > 0 ? { account_ids: selection.accountIds } : {}),
    ...(selection.regions.length > 0 ? { regions: selection.regions } : {}),
  };
  const databases = useQuery({ queryKey: ['databases', body], queryFn: () => api.databases(body) });
  const all = databases.data?.items ?? [];
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(all, {
    filtering: {
      filteringFunction: (item, text) => {
        const t = text.toLowerCase();
        return [item.name, item.account_id, item.account_name, item.region, item.engine, item.status, item.role ?? '', item.error ?? '', tagText(item.tags)].some((v) =>
          v.toLowerCase().includes(t),
        );
      },
      empty: (
        <EmptyState title="No databases" action={<Button href={href('accounts')}>Choose other accounts or regions</Button>}>
          No RDS or Aurora instance in the chosen accounts and regions.
        </EmptyState>
      ),
      noMatch: <EmptyState title="No match">No database matches the filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: 'name' } } },
    pagination: { pageSize: 25 },
    selection: { trackBy: rowKey, keepSelection: true },
  });
  const chosen = (collectionProps.selectedItems ?? []).filter((i) => !whyNotSelectable(i));
  const failing = all.filter((i) => i.error).length;
  return (
    <SpaceBetween size="l">
      <ErrorAlert error={databases.error} header="The databases could not be listed">
        Check <a href={href('aws')}>AWS access</a> and the <a href={href('accounts')}>chosen accounts</a>.
      </ErrorAlert>
      <Table
        {...collectionProps}
        header={
          <Header
            variant="h1"
            counter={databases.data ? `(${all.length - failing})` : undefined}
            description={`${selection.accountIds.length || 'All active'} account(s), ${selection.regions.length ? selection.regions.join(', ') : 'default regions'}${failing ? `; ${failing} account/region pair(s) could not be read` : ''}.`}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh" loading={databases.isFetching} onClick={() => void databases.refetch()} />
                <Button
                  variant="primary"
                  disabled={chosen.length === 0}
                  onClick={() => {
                    selection.setDatabases(chosen);
                    navigate('review');
                  }}
                >
                  Review ({chosen.length})
                </Button>
              </SpaceBetween>
            }
          >
            Databases
          </Header>
        }
        filter={<TextFilter {...filterProps} filteringPlaceholder="Find databases" countText={`${filteredItemsCount ?? 0} matches`} />}
        pagination={<Pagination {...paginationProps} />}
        loading={databases.isPending}
        loadingText="Reading every account and region"
        items={items}
        trackBy={rowKey}
        selectionType="multi"
        isItemDisabled={(item) => Boolean(whyNotSelectable(item))}
        ariaLabels={{ itemSelectionLabel: (_, i) => `database ${i.name || i.account_id}`, allItemsSelectionLabel: () => 'all databases', selectionGroupLabel: 'Databases' }}
        columnDefinitions={[
          {
            id: 'name',
            header: 'Name',
            sortingField: 'name',
            width: 170,
            cell: (i) => (i.error ? <StatusIndicator type="error">{`${i.account_id} ${i.region}`}</StatusIndicator> : i.name),
          },
          { id: 'account', header: 'Account', sortingField: 'account_id', width: 170, cell: (i) => (i.account_name ? `${i.account_name} (${i.account_id})` : i.account_id) },
          { id: 'region', header: 'Region', sortingField: 'region', width: 120, cell: (i) => i.region },
          { id: 'engine', header: 'Engine', sortingField: 'engine', width: 130, cell: (i) => i.engine || '-' },
          { id: 'role', header: 'Role', sortingField: 'role', width: 90, cell: (i) => i.role ?? '-' },
          { id: 'status', header: 'Status', sortingField: 'status', width: 130, cell: (i) => (i.error ? '-' : <StatusIndicator type={i.status === 'available' ? 'success' : 'pending'}>{i.status}</StatusIndicator>) },
          {
            id: 'provisioned',
            header: 'Provisioned',
            width: 120,
            sortingComparator: (a, b) => Number(a.provisioned) - Number(b.provisioned),
            cell: (i) => (i.error ? '-' : i.provisioned ? `Yes${i.connection_resources.length ? ` (${i.connection_resources.length} connections)` : ''}` : 'No'),
          },
          { id: 'tags', header: 'Tags', cell: (i) => <Box variant="small">{tagText(i.tags) || '-'}</Box>, width: 170 },
          { id: 'why', header: 'Can be provisioned', cell: (i) => whyNotSelectable(i) ?? 'Yes', minWidth: 240 },
        ]}
        wrapLines
        resizableColumns
      />
    </SpaceBetween>
  );
}
