import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { HOST, HOST_MESSAGE, TARGET_NAME, TARGET_NAME_MESSAGE } from '../../../lambdas/core/patterns.ts';
import { errorText, useApi, type JobRequestInput } from '../api.ts';
import { JobOptionsForm } from '../components/job-options.tsx';
import { DEFAULT_JOB_OPTIONS, optionErrors, optionFields, prefixError } from '../job-request.ts';
import { href, navigate } from '../routing.ts';

const ENGINES = [
  { value: 'postgres', label: 'PostgreSQL', port: 5432, user: 'postgres' },
  { value: 'mysql', label: 'MySQL', port: 3306, user: 'root' },
  { value: 'mariadb', label: 'MariaDB', port: 3306, user: 'root' },
  { value: 'sqlserver', label: 'SQL Server', port: 1433, user: 'sa' },
] as const;
type Engine = (typeof ENGINES)[number]['value'];

/** A database reached without AWS: how a newcomer provisions the PostgreSQL on this machine. */
export default function DirectTargetPage() {
  const api = useApi();
  const client = useQueryClient();
  const [engine, setEngine] = useState<Engine>('postgres');
  const spec = ENGINES.find((e) => e.value === engine) ?? ENGINES[0];
  const [form, setForm] = useState({ host: '127.0.0.1', port: '', masterUser: '', masterPassword: '', databases: '', name: 'local-postgres', prefix: 'local' });
  const [resetMaster, setResetMaster] = useState(false);
  const [options, setOptions] = useState(DEFAULT_JOB_OPTIONS);
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const port = Number(form.port || spec.port);
  const errors = {
    host: HOST.test(form.host) ? undefined : HOST_MESSAGE,
    port: Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'must be a port number',
    name: TARGET_NAME.test(form.name) ? undefined : TARGET_NAME_MESSAGE,
    prefix: prefixError(form.prefix),
    masterPassword: form.masterPassword === '' ? 'the master password is required; it is stored encrypted at once and never shown again' : undefined,
  };
  const invalid = Object.values(errors).some(Boolean) || Object.keys(optionErrors(options)).length > 0;
  const start = useMutation({
    mutationFn: () => {
      const databases = form.databases
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const request: JobRequestInput = {
        connection_prefix_name: form.prefix,
        ...optionFields(options),
        target: {
          engine,
          host: form.host,
          port,
          master_user: form.masterUser || spec.user,
          master_password: form.masterPassword,
          name: form.name,
          ...(databases.length > 0 ? { databases } : {}),
          ...(resetMaster ? { reset_master_password: true } : {}),
        },
      };
      return api.startJob(request);
    },
    onSuccess: async ({ job_id }) => {
      setForm((f) => ({ ...f, masterPassword: '' }));
      await client.invalidateQueries({ queryKey: ['jobs'] });
      navigate('jobs', job_id);
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate();
      }}
    >
      <Form
        header={
          <Header variant="h1" description="A database dbroles reaches directly, without AWS: on this machine, or anywhere its master login works.">
            Database given directly
          </Header>
        }
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" href={href('jobs')}>
              Cancel
            </Button>
            <Button variant="primary" formAction="submit" loading={start.isPending} disabled={invalid}>
              Provision database
            </Button>
          </SpaceBetween>
        }
        errorText={start.error ? errorText(start.error) : undefined}
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Database</Header>}>
            <SpaceBetween size="l">
              <ColumnLayout columns={3}>
                <FormField label="Engine">
                  <Select
                    selectedOption={{ value: spec.value, label: spec.label }}
                    onChange={(e) => {
                      const next = ENGINES.find((x) => x.value === e.detail.selectedOption.value) ?? ENGINES[0];
                      setEngine(next.value);
                      set({ port: '', name: form.name === `local-${engine}` ? `local-${next.value}` : form.name });
                    }}
                    options={ENGINES.map((e) => ({ value: e.value, label: e.label }))}
                    ariaLabel="Engine"
                  />
                </FormField>
                <FormField label="Host" errorText={errors.host}>
                  <Input value={form.host} onChange={(e) => set({ host: e.detail.value.trim() })} />
                </FormField>
                <FormField label="Port" errorText={errors.port}>
                  <Input value={form.port} placeholder={String(spec.port)} inputMode="numeric" onChange={(e) => set({ port: e.detail.value.trim() })} />
                </FormField>
              </ColumnLayout>
              <ColumnLayout columns={2}>
                <FormField label="Master user">
                  <Input value={form.masterUser} placeholder={spec.user} onChange={(e) => set({ masterUser: e.detail.value.trim() })} />
                </FormField>
                <FormField label="Master password" description="Stored encrypted at once; never shown again." errorText={form.masterPassword === '' ? undefined : errors.masterPassword}>
                  <Input type="password" value={form.masterPassword} onChange={(e) => set({ masterPassword: e.detail.value })} autoComplete={false} ariaLabel="Master password" />
                </FormField>
              </ColumnLayout>
              <FormField label="Databases" description="Comma-separated. Empty: every application database on the server.">
                <Input value={form.databases} placeholder="app, reporting" onChange={(e) => set({ databases: e.detail.value })} />
              </FormField>
              <ColumnLayout columns={2}>
                <FormField label="Name" description="Its jobs are for target:<name>." errorText={errors.name}>
                  <Input value={form.name} onChange={(e) => set({ name: e.detail.value.trim() })} />
                </FormField>
                <FormField label="Connection prefix" description="Connections are named <prefix>-ro, -rw and -ddl." errorText={errors.prefix}>
                  <Input value={form.prefix} onChange={(e) => set({ prefix: e.detail.value.trim() })} />
                </FormField>
              </ColumnLayout>
              <Checkbox checked={resetMaster} onChange={(e) => setResetMaster(e.detail.checked)} description="As a reset in RDS would: dbroles sets a new master password it keeps encrypted.">
                Reset the master password through the database
              </Checkbox>
            </SpaceBetween>
          </Container>
          <JobOptionsForm value={options} onChange={setOptions} postgres={engine === 'postgres'} />
        </SpaceBetween>
      </Form>
    </form>
  );
}
