import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { defaultConnectionPrefix } from '../../../lambdas/core/patterns.ts';
import { errorText, useApi, type InstanceItem } from '../api.ts';
import { JobOptionsForm } from '../components/job-options.tsx';
import { EmptyState } from '../components/query-states.tsx';
import { awsJobRequest, cidrError, DEFAULT_JOB_OPTIONS, optionErrors, prefixError } from '../job-request.ts';
import { href } from '../routing.ts';
import { useSelection } from '../selection.tsx';

const STEPS = 'Prepare → security group (when a CIDR is given) → master credentials → the three users in every database → finalize → runbook hook → webhook';

type Outcome = { jobId?: string; error?: string };

/** The chosen databases with their connection prefixes, the options, then one job per database. */
export default function ReviewPage() {
  const api = useApi();
  const client = useQueryClient();
  const { databases } = useSelection();
  const [prefixes, setPrefixes] = useState<Record<string, string>>({});
  const [cidr, setCidr] = useState('');
  const [options, setOptions] = useState(DEFAULT_JOB_OPTIONS);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [starting, setStarting] = useState(false);
  const prefixOf = (db: InstanceItem) => prefixes[db.arn] ?? (db.tags['dbroles:connection-prefix'] || defaultConnectionPrefix(db.name, db.account_id));
  const invalid = databases.some((db) => prefixError(prefixOf(db))) || Boolean(cidrError(cidr)) || Object.keys(optionErrors(options)).length > 0;
  const start = async () => {
    setStarting(true);
    for (const db of databases) {
      if (outcomes[db.arn]?.jobId) continue;
      const outcome: Outcome = await api.startJob(awsJobRequest(db.arn, prefixOf(db), cidr, options)).then(
        (r) => ({ jobId: r.job_id }),
        (error: unknown) => ({ error: errorText(error) }),
      );
      setOutcomes((o) => ({ ...o, [db.arn]: outcome }));
    }
    setStarting(false);
    await client.invalidateQueries({ queryKey: ['jobs'] });
  };
  if (databases.length === 0) {
    return (
      <Container header={<Header variant="h1">Review and provision</Header>}>
        <EmptyState title="No database chosen" action={<Button href={href('databases')}>Choose databases</Button>}>
          Choose the databases to provision on the Databases page, or provision a <Link href={href('direct')}>database given directly</Link>.
        </EmptyState>
      </Container>
    );
  }
  const started = Object.values(outcomes).filter((o) => o.jobId).length;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <Form
        header={<Header variant="h1" description={`Steps of each job: ${STEPS}.`}>Review and provision</Header>}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" href={href('databases')}>
              Back to databases
            </Button>
            <Button variant="primary" formAction="submit" loading={starting} disabled={invalid || started === databases.length}>
              Start {databases.length === 1 ? 'the job' : `${databases.length} jobs`}
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          {started > 0 ? (
            <Alert type="success">
              Started {started} of {databases.length} job(s). Follow them on the <Link href={href('jobs')}>Jobs</Link> page.
            </Alert>
          ) : null}
          <Table
            header={<Header counter={`(${databases.length})`} description="Each database gets one job. Connections are named <prefix>-ro, -rw and -ddl.">Databases</Header>}
            items={databases}
            trackBy="arn"
            submitEdit={(db, _column, value) => setPrefixes((p) => ({ ...p, [db.arn]: String(value).trim() }))}
            ariaLabels={{ activateEditLabel: (_, db) => `Edit the prefix of ${db.name}`, cancelEditLabel: () => 'Cancel', submitEditLabel: () => 'Save', tableLabel: 'Databases to provision' }}
            columnDefinitions={[
              { id: 'name', header: 'Database', cell: (db) => db.name },
              { id: 'account', header: 'Account', cell: (db) => db.account_id },
              { id: 'region', header: 'Region', cell: (db) => db.region },
              { id: 'engine', header: 'Engine', cell: (db) => db.engine },
              {
                id: 'prefix',
                header: 'Connection prefix',
                cell: (db) => prefixOf(db),
                editConfig: {
                  ariaLabel: 'Connection prefix',
                  errorIconAriaLabel: 'Prefix error',
                  validation: (_db, value) => (value === undefined ? undefined : prefixError(String(value).trim())),
                  editingCell: (db, { currentValue, setValue }) => <Input autoFocus value={String(currentValue ?? prefixOf(db))} onChange={(e) => setValue(e.detail.value)} />,
                },
              },
              {
                id: 'job',
                header: 'Job',
                cell: (db) => {
                  const o = outcomes[db.arn];
                  if (o?.jobId) return <Link href={href('jobs', o.jobId)}>{o.jobId}</Link>;
                  if (o?.error) return <StatusIndicator type="error">{o.error}</StatusIndicator>;
                  return '-';
                },
              },
            ]}
          />
          <Container header={<Header variant="h2">Network</Header>}>
            <FormField
              label="Security group CIDR"
              description="Optional: dbroles creates or reuses a security group that lets this range reach each database (where the hoop agent runs)."
              errorText={cidrError(cidr)}
            >
              <Input value={cidr} onChange={(e) => setCidr(e.detail.value.trim())} placeholder="10.10.10.10/32" />
            </FormField>
          </Container>
          <JobOptionsForm value={options} onChange={setOptions} postgres={databases.some((db) => db.engine.includes('postgres'))} />
        </SpaceBetween>
      </Form>
    </form>
  );
}
