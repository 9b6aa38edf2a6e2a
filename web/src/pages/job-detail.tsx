import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import { useQuery } from '@tanstack/react-query';
import { useApi, type Api, type DatabaseOutcomeItem, type Job, type PlanItem } from '../api.ts';
import { EmptyState, ErrorAlert } from '../components/query-states.tsx';
import { duration, formatTime, Status } from '../components/status.tsx';

const POLL_MS = 1500;
const running = (job?: Job) => job?.status.phase === 'running';

/** The Step Functions console page of a deployed execution; none for the local runner's. */
function executionLink(arn: string | null): string | undefined {
  const parts = arn?.split(':') ?? [];
  // The local runner's executions have no console page (region "local").
  if (parts[0] !== 'arn' || !parts[1]?.startsWith('aws') || parts[2] !== 'states' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(parts[3] ?? '')) return undefined;
  return `https://${parts[3]}.console.aws.amazon.com/states/home?region=${parts[3]}#/v2/executions/details/${arn}`;
}

/** Every page of a paged route, up to `max` items (a page is enough to show while a huge job loads). */
async function allPages<T>(read: (token?: string) => Promise<{ items: T[]; next_token: string | null }>, max: number): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    items.push(...page.items);
    token = page.next_token ?? undefined;
  } while (token && items.length < max);
  return items;
}

const allOutcomes = (api: Api, id: string): Promise<DatabaseOutcomeItem[]> => allPages((token) => api.jobDatabases(id, token), 20_000);

/** Roles × databases: one row per database, one column per user. */
function OutcomeGrid({ outcomes, loading }: { outcomes: DatabaseOutcomeItem[]; loading: boolean }) {
  const roles = [...new Set(outcomes.map((o) => o.user_role))].sort((a, b) => ['hoop_ro', 'hoop_rw', 'hoop_ddl'].indexOf(a) - ['hoop_ro', 'hoop_rw', 'hoop_ddl'].indexOf(b));
  const rows = [...new Set(outcomes.map((o) => o.database))].sort().map((database) => ({
    database,
    byRole: Object.fromEntries(outcomes.filter((o) => o.database === database).map((o) => [o.user_role, o])),
  }));
  return (
    <Table
      header={<Header counter={`(${rows.length})`} description="Each user in each database, as the job provisioned it.">Roles × databases</Header>}
      items={rows}
      trackBy="database"
      loading={loading}
      loadingText="Loading databases"
      wrapLines
      columnDefinitions={[
        { id: 'database', header: 'Database', cell: (r) => r.database },
        ...roles.map((role) => ({
          id: role,
          header: role,
          cell: (r: (typeof rows)[number]) => {
            const o = r.byRole[role];
            return o ? <Status status={o.status}>{o.status === 'failed' ? o.message : o.status}</Status> : '-';
          },
        })),
      ]}
      empty={<EmptyState title="No database yet">The users are provisioned after the master credentials are in hand.</EmptyState>}
    />
  );
}

/** A dry-run job's plan: every change it would make, in step order; the no-ops (already so) dimmed. */
function PlanTable({ api, id, summary }: { api: Api; id: string; summary: NonNullable<Job['plan']> }) {
  const plan = useQuery({
    queryKey: ['job-plan', id],
    queryFn: (): Promise<PlanItem[]> => allPages((token) => api.jobPlan(id, token), 50_000),
  });
  const kinds = Object.entries(summary.by_kind).map(([kind, n]) => `${n} ${kind}`).join(', ');
  return (
    <>
      <Table
        header={
          <Header variant="h2" counter={`(${summary.changes} change${summary.changes === 1 ? '' : 's'})`} description={`Plan only: nothing was changed. ${summary.changes ? `Changes: ${kinds}. ` : ''}${summary.no_ops} already so.`}>
            Plan
          </Header>
        }
        items={plan.data ?? []}
        loading={plan.isPending}
        loadingText="Loading the plan"
        wrapLines
        columnDefinitions={[
          { id: 'change', header: 'Change', cell: (i) => (i.already_held ? <Box color="text-status-inactive">already so</Box> : <Status status="planned">to do</Status>), minWidth: 120 },
          { id: 'kind', header: 'Kind', cell: (i) => i.kind },
          { id: 'database', header: 'Database', cell: (i) => i.database ?? '-' },
          { id: 'user', header: 'User', cell: (i) => i.user ?? '-' },
          { id: 'action', header: 'What', cell: (i) => <Box variant="code">{i.action}</Box> },
        ]}
        empty={<EmptyState title="Nothing to do">The plan holds no change.</EmptyState>}
      />
      <ErrorAlert error={plan.error} header="The plan could not be read" />
    </>
  );
}

/** One job, refreshed every 1.5 s while it runs. */
export default function JobDetailPage({ id }: { id: string }) {
  const api = useApi();
  const job = useQuery({ queryKey: ['job', id], queryFn: () => api.job(id), refetchInterval: (q) => (running(q.state.data) ? POLL_MS : false) });
  // Keyed by the phase too: the last poll may come just before the job ends, so the ended job's outcomes are read once more.
  const outcomes = useQuery({
    queryKey: ['job-databases', id, job.data?.status.phase],
    queryFn: () => allOutcomes(api, id),
    enabled: job.isSuccess,
    refetchInterval: running(job.data) ? POLL_MS : false,
  });
  if (job.isPending) return <Spinner size="large" />;
  if (!job.data) return <ErrorAlert error={job.error} header={`Job ${id} could not be read`} />;
  const j = job.data;
  // In the order they started; steps that never started (skipped) last.
  const steps = Object.entries(j.steps).sort(([, a], [, b]) => (a.started_at ?? '\uffff').localeCompare(b.started_at ?? '\uffff'));
  const console = executionLink(j.execution_arn);
  return (
    <SpaceBetween size="l">
      <Header variant="h1" description={j.spec.db_arn}>
        Job {j.id} <Status status={j.status.phase} />
      </Header>
      <Container header={<Header variant="h2">Job</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Status', value: <Status status={j.status.phase} /> },
            { label: 'Message', value: j.status.message || (running(j) ? 'running…' : '-') },
            { label: 'Started', value: formatTime(j.created_at) },
            { label: 'Completed', value: formatTime(j.completed_at) },
            { label: 'Duration', value: duration(j.created_at, j.completed_at) },
            { label: 'Database', value: j.spec.db_name || '-' },
            { label: 'Engine', value: j.spec.db_engine || '-' },
            { label: 'Database ARN', value: j.spec.db_arn },
            { label: 'Account', value: j.spec.account_arn || '-' },
            { label: 'Tags', value: j.spec.db_tags.map((t) => `${t.key}=${t.value}`).join(', ') || '-' },
            { label: 'Webhook', value: j.webhook ? `${j.webhook.sent ? 'sent' : 'not sent'}: ${j.webhook.message}` : '-' },
            { label: 'Master password', value: j.master_source ?? '-' },
            { label: 'Verify', value: j.verify ? `${j.verify.status}: ${j.verify.summary.missing} missing, ${j.verify.summary.login_failed} login failed, ${j.verify.summary.extra} extra` : '-' },
            { label: 'Execution', value: console ? <Link external href={console}>{j.execution_arn}</Link> : (j.execution_arn ?? '-') },
          ]}
        />
      </Container>
      <Table
        header={<Header variant="h2">Steps</Header>}
        items={steps}
        trackBy={([name]) => name}
        wrapLines
        columnDefinitions={[
          { id: 'step', header: 'Step', cell: ([name]) => name },
          { id: 'status', header: 'Status', cell: ([, s]) => <Status status={s.status} />, minWidth: 140 },
          { id: 'started', header: 'Started', cell: ([, s]) => formatTime(s.started_at), minWidth: 200 },
          { id: 'time', header: 'Time', cell: ([, s]) => duration(s.started_at, s.finished_at) },
          { id: 'message', header: 'Message', cell: ([, s]) => s.message ?? '-' },
        ]}
        empty={<EmptyState title="No step has started yet">The workflow records each step as it starts.</EmptyState>}
      />
      <Table
        header={<Header variant="h2">Roles</Header>}
        items={j.status.result}
        trackBy="user_role"
        wrapLines
        columnDefinitions={[
          { id: 'user', header: 'User', cell: (r) => r.user_role },
          { id: 'status', header: 'Status', cell: (r) => <Status status={r.status} />, minWidth: 140 },
          { id: 'dbs', header: 'Databases', cell: (r) => `${r.database_counts.completed}/${r.database_counts.total}${r.database_counts.failed ? `, ${r.database_counts.failed} failed` : ''}` },
          { id: 'store', header: 'Credentials', cell: (r) => (r.credentials_info ? `${r.credentials_info.secrets_manager_provider}: ${r.credentials_info.secret_id}` : '-') },
          { id: 'message', header: 'Message', cell: (r) => r.message },
        ]}
        empty={<EmptyState title="No result yet">{running(j) ? 'The users are being provisioned.' : 'This job ended before provisioning.'}</EmptyState>}
      />
      {j.plan ? <PlanTable api={api} id={j.id} summary={j.plan} /> : null}
      {j.plan ? null : <OutcomeGrid outcomes={outcomes.data ?? []} loading={outcomes.isPending && job.isSuccess} />}
      <ErrorAlert error={outcomes.error} header="The per-database outcomes could not be read" />
      {j.hook_status ? (
        <Container header={<Header variant="h2" description={`exit code ${j.hook_status.exit_code}, ${j.hook_status.execution_time_sec.toFixed(1)} s`}>Runbook hook</Header>}>
          <Box variant="code">
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{j.hook_status.output || '(no output)'}</pre>
          </Box>
        </Container>
      ) : null}
    </SpaceBetween>
  );
}
