import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useApi } from '../api.ts';
import { EmptyState, ErrorAlert } from '../components/query-states.tsx';
import { formatTime, Status } from '../components/status.tsx';
import { href } from '../routing.ts';

/** Every job, newest first; refreshed while one is running. */
export default function JobsPage() {
  const api = useApi();
  const jobs = useInfiniteQuery({
    queryKey: ['jobs'],
    queryFn: ({ pageParam }) => api.jobs(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_token ?? undefined,
    refetchInterval: (query) => (query.state.data?.pages.some((p) => p.items.some((j) => j.status.phase === 'running')) ? 2000 : false),
  });
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <SpaceBetween size="l">
      <ErrorAlert error={jobs.error} header="The jobs could not be listed" />
      <Table
        header={
          <Header
            variant="h1"
            counter={jobs.data ? `(${items.length}${jobs.hasNextPage ? '+' : ''})` : undefined}
            description="One job provisions hoop_ro, hoop_rw and hoop_ddl in every database of one server."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh jobs" loading={jobs.isFetching && !jobs.isFetchingNextPage} onClick={() => void jobs.refetch()} />
                <Button href={href('direct')}>Database given directly</Button>
                <Button variant="primary" href={href('accounts')}>
                  Provision from AWS
                </Button>
              </SpaceBetween>
            }
          >
            Jobs
          </Header>
        }
        loading={jobs.isPending}
        loadingText="Loading jobs"
        items={items}
        trackBy="id"
        columnDefinitions={[
          { id: 'id', header: 'Job', cell: (j) => <Link href={href('jobs', j.id)}>{j.id}</Link> },
          { id: 'db', header: 'Database', cell: (j) => j.spec.db_name || j.spec.db_arn },
          { id: 'engine', header: 'Engine', cell: (j) => j.spec.db_engine || '-' },
          { id: 'phase', header: 'Status', cell: (j) => <Status status={j.status.phase} /> },
          { id: 'message', header: 'Message', cell: (j) => j.status.message || '-', maxWidth: 420 },
          { id: 'created', header: 'Started', cell: (j) => formatTime(j.created_at) },
        ]}
        wrapLines
        empty={
          <EmptyState
            title="No jobs yet"
            action={
              <SpaceBetween direction="horizontal" size="xs">
                <Button href={href('direct')}>Provision a database given directly</Button>
                <Button href={href('accounts')}>Find databases in AWS</Button>
              </SpaceBetween>
            }
          >
            Start one: give a database directly (the PostgreSQL on this machine, say), or find databases in your AWS accounts.
          </EmptyState>
        }
        footer={
          jobs.hasNextPage ? (
            <Button onClick={() => void jobs.fetchNextPage()} loading={jobs.isFetchingNextPage}>
              Load more jobs
            </Button>
          ) : undefined
        }
      />
    </SpaceBetween>
  );
}
