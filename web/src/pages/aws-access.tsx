import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Tiles from '@cloudscape-design/components/tiles';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, errorText, useApi, type UserInfo } from '../api.ts';
import { href } from '../routing.ts';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function WhoAmI({ info, error, loading }: { info?: UserInfo; error: unknown; loading: boolean }) {
  if (loading) return <Spinner />;
  if (error) {
    return (
      <Alert type="warning" header="dbroles has no working AWS credentials">
        {errorText(error)}
      </Alert>
    );
  }
  if (!info) return null;
  return (
    <KeyValuePairs
      columns={3}
      items={[
        { label: 'Account', value: info.account_id },
        { label: 'Identity', value: info.arn },
        { label: 'Region', value: info.region },
        { label: 'Credentials', value: info.credentials === 'access-keys' ? 'Access keys (stored encrypted)' : 'Instance or task role' },
      ]}
    />
  );
}

/** The seed's two options: access keys (checked with STS, never shown again) or the runtime's own role. */
export default function AwsAccessPage() {
  const api = useApi();
  const client = useQueryClient();
  const userInfo = useQuery({ queryKey: ['userinfo'], queryFn: api.userInfo });
  const instanceRoleAllowed = userInfo.data?.instance_role_allowed ?? (userInfo.error instanceof ApiError && userInfo.error.body.instance_role_allowed === true);
  const [chosenMode, setMode] = useState<'access-keys' | 'instance-role' | undefined>();
  const mode = chosenMode ?? userInfo.data?.credentials ?? 'access-keys';
  const [keys, setKeys] = useState({ access_key_id: '', secret_access_key: '', session_token: '' });
  const [region, setRegion] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  const effectiveRegion = region || userInfo.data?.region || 'us-east-1';
  const save = useMutation({
    mutationFn: () =>
      api.putAwsSettings(
        mode === 'instance-role'
          ? { region: effectiveRegion }
          : { region: effectiveRegion, access_key_id: keys.access_key_id.trim(), secret_access_key: keys.secret_access_key, session_token: keys.session_token || undefined },
      ),
    onSuccess: async () => {
      // The secret is never shown again, not even to the person who typed it.
      setKeys({ access_key_id: '', secret_access_key: '', session_token: '' });
      setSaved(mode === 'instance-role' ? 'dbroles now uses its instance or task role.' : 'The access keys work (checked with STS) and are stored encrypted.');
      await client.invalidateQueries();
    },
  });
  const remove = useMutation({
    mutationFn: api.deleteAccessKeys,
    onSuccess: async () => {
      setSaved('The stored access keys were deleted.');
      await client.invalidateQueries();
    },
  });
  const regionError = region && !REGION.test(region) ? 'must be an AWS region such as us-west-2' : undefined;
  const keysIncomplete = mode === 'access-keys' && (!keys.access_key_id.trim() || !keys.secret_access_key);
  return (
    <SpaceBetween size="l">
      <Header variant="h1" description="How dbroles reaches AWS to list accounts and databases and to take over master credentials.">
        AWS access
      </Header>
      <Container header={<Header variant="h2">Who dbroles is</Header>}>
        <WhoAmI info={userInfo.data} error={userInfo.error} loading={userInfo.isPending} />
      </Container>
      {saved ? (
        <Alert type="success" dismissible onDismiss={() => setSaved(undefined)}>
          {saved} Next: <a href={href('accounts')}>choose accounts</a>.
        </Alert>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(undefined);
          save.mutate();
        }}
      >
        <Form
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {userInfo.data?.credentials === 'access-keys' ? (
                <Button formAction="none" loading={remove.isPending} onClick={() => remove.mutate()}>
                  Delete stored access keys
                </Button>
              ) : null}
              <Button variant="primary" formAction="submit" loading={save.isPending} disabled={Boolean(regionError) || keysIncomplete}>
                {mode === 'instance-role' ? 'Use the instance role' : 'Check and save access keys'}
              </Button>
            </SpaceBetween>
          }
          errorText={save.error ? errorText(save.error) : remove.error ? errorText(remove.error) : undefined}
        >
          <Container header={<Header variant="h2">Credentials</Header>}>
            <SpaceBetween size="l">
              <Tiles
                value={mode}
                onChange={(e) => setMode(e.detail.value as typeof mode)}
                ariaLabel="Credentials"
                items={[
                  { value: 'access-keys', label: 'Access keys', description: 'An IAM user or role session. The secret is checked with STS, stored encrypted, and never shown again.' },
                  {
                    value: 'instance-role',
                    label: 'Instance role',
                    description: instanceRoleAllowed
                      ? "The role of the machine, task or function dbroles runs on."
                      : 'Not allowed by this server: it starts with INTEGRATION_AWS_INSTANCE_ROLE_ALLOW=true to offer it.',
                    disabled: !instanceRoleAllowed,
                  },
                ]}
              />
              {mode === 'access-keys' ? (
                <>
                  <FormField label="Access key id">
                    <Input value={keys.access_key_id} onChange={(e) => setKeys({ ...keys, access_key_id: e.detail.value })} placeholder="AKIA…" autoComplete={false} />
                  </FormField>
                  <FormField label="Secret access key">
                    <Input type="password" value={keys.secret_access_key} onChange={(e) => setKeys({ ...keys, secret_access_key: e.detail.value })} autoComplete={false} />
                  </FormField>
                  <FormField label={<span>Session token <Box variant="small" display="inline">optional</Box></span>} description="Only for temporary credentials.">
                    <Input type="password" value={keys.session_token} onChange={(e) => setKeys({ ...keys, session_token: e.detail.value })} autoComplete={false} />
                  </FormField>
                </>
              ) : null}
              <FormField label="Region" description="Where STS is called and discovery scans by default." errorText={regionError}>
                <Input value={region} placeholder={effectiveRegion} onChange={(e) => setRegion(e.detail.value.trim())} />
              </FormField>
            </SpaceBetween>
          </Container>
        </Form>
      </form>
    </SpaceBetween>
  );
}
