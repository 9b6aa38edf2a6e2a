import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { optionErrors, type JobOptions } from '../job-request.ts';

/** The job options a submission shares: steps, where the credentials go, rotation. */
export function JobOptionsForm({ value, onChange, postgres }: { value: JobOptions; onChange: (o: JobOptions) => void; postgres: boolean }) {
  const errors = optionErrors(value);
  const set = (patch: Partial<JobOptions>) => onChange({ ...value, ...patch });
  return (
    <Container header={<Header variant="h2" description="Every job of this submission runs with these.">Job options</Header>}>
      <SpaceBetween size="l">
        <FormField label="Steps" description="Provisioning the three users always runs; these run after it.">
          <SpaceBetween size="xxs">
            <Checkbox checked={value.createConnections} onChange={(e) => set({ createConnections: e.detail.checked })}>
              Create connections (resource roles for hoop_ro, hoop_rw, hoop_ddl)
            </Checkbox>
            <Checkbox checked={value.sendWebhook} onChange={(e) => set({ sendWebhook: e.detail.checked })}>
              Send the webhook (Svix) when the job ends
            </Checkbox>
          </SpaceBetween>
        </FormField>
        <FormField label="Credential store" description="Where the users' passwords are kept. The server refuses a store it is not set up for, and says so.">
          <RadioGroup
            value={value.store}
            onChange={(e) => set({ store: e.detail.value as JobOptions['store'] })}
            items={[
              { value: 'database', label: "dbroles' own store", description: 'Encrypted in dbroles’ table.' },
              { value: 'vault', label: 'HashiCorp Vault (KV v2)' },
              { value: 'aws-secrets-manager', label: 'AWS Secrets Manager' },
            ]}
          />
        </FormField>
        {value.store === 'vault' ? (
          <FormField label="Vault path" errorText={errors.vaultSecretId}>
            <Input value={value.vaultSecretId} onChange={(e) => set({ vaultSecretId: e.detail.value.trim() })} placeholder="dbroles/prod" />
          </FormField>
        ) : null}
        {value.store === 'aws-secrets-manager' ? (
          <SpaceBetween size="m">
            <FormField label="Secret name prefix" description="Optional: secrets are named <prefix><connection prefix>-<tier>." errorText={errors.secretNamePrefix}>
              <Input value={value.secretNamePrefix} onChange={(e) => set({ secretNamePrefix: e.detail.value.trim() })} placeholder="dbroles/" />
            </FormField>
            <FormField label="KMS key" description="Optional: a customer key whose policy lets dbroles' roles use it.">
              <Input value={value.kmsKeyId} onChange={(e) => set({ kmsKeyId: e.detail.value.trim() })} placeholder="alias/dbroles" />
            </FormField>
          </SpaceBetween>
        ) : null}
        <FormField label="Plan">
          <Checkbox checked={value.dryRun} onChange={(e) => set({ dryRun: e.detail.checked })} description="Read everything and list each change the job would make, on the job's page; change nothing.">
            Show the plan only (dry run)
          </Checkbox>
        </FormField>
        <FormField label="Passwords">
          <SpaceBetween size="xxs">
            <Checkbox checked={value.rotatePasswords} onChange={(e) => set({ rotatePasswords: e.detail.checked })} description="Otherwise stored passwords that still log in are kept.">
              Rotate the three users' passwords
            </Checkbox>
            {postgres ? (
              <Checkbox checked={value.hardenPublicSchema} onChange={(e) => set({ hardenPublicSchema: e.detail.checked })} description="Changes it for every user of the database.">
                PostgreSQL: revoke CREATE on schema public from PUBLIC
              </Checkbox>
            ) : null}
          </SpaceBetween>
        </FormField>
      </SpaceBetween>
    </Container>
  );
}

export const hasOptionErrors = (o: JobOptions): boolean => Object.keys(optionErrors(o)).length > 0;
