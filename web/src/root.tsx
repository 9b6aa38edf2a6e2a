import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Api, ApiContext, ApiError } from './api.ts';
import { App } from './app.tsx';
import type { WebConfig } from './auth/config.ts';
import { completeSignIn, signedFetch, signedIn, signInUrl, signOut } from './auth/cognito.ts';
import { forgetToken, readToken, saveToken } from './auth/token.ts';

const centered = (children: ReactNode) => (
  <Box padding={{ top: 'xxxl', horizontal: 'xxxl' }}>
    <div style={{ maxWidth: 560, margin: '0 auto' }}>{children}</div>
  </Box>
);

function queryClient(onUnauthorized: () => void): QueryClient {
  const unauthorized = (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) onUnauthorized();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError: unauthorized }),
    mutationCache: new MutationCache({ onError: unauthorized }),
    // A 4xx answer will not change by asking again.
    defaultOptions: { queries: { retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2 } },
  });
}

/** Asks for the local API's bearer token once per tab, and checks it before keeping it. */
function TokenGate({ notice, onToken }: { notice?: string; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);
  const submit = async () => {
    setChecking(true);
    setError(undefined);
    const response = await fetch('/api/dbroles/jobs?limit=1', { headers: { authorization: `Bearer ${value.trim()}` } }).catch(() => undefined);
    setChecking(false);
    if (!response) return setError('Cannot reach the dbroles API. Is "npm start" still running?');
    if (response.status === 401) return setError('This token was not accepted. Copy it from the "token" file in the data directory (.dbroles/token by default).');
    onToken(value.trim());
  };
  return centered(
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Form
        header={<Header variant="h1" description="The API on this machine answers only requests that carry its token.">Sign in to dbroles</Header>}
        actions={
          <Button variant="primary" formAction="submit" loading={checking} disabled={value.trim() === ''}>
            Continue
          </Button>
        }
        errorText={error}
      >
        <Container>
          <SpaceBetween size="m">
            {notice ? <Alert type="warning">{notice}</Alert> : null}
            <FormField
              label="Bearer token"
              description="npm start printed it once when it created it; it is also in .dbroles/token. It is kept in this tab only, until you close it."
            >
              <Input type="password" value={value} onChange={(e) => setValue(e.detail.value)} autoFocus ariaLabel="Bearer token" autoComplete={false} />
            </FormField>
          </SpaceBetween>
        </Container>
      </Form>
    </form>,
  );
}

function LocalRoot() {
  const [token, setToken] = useState(readToken);
  const [notice, setNotice] = useState<string | undefined>();
  const client = useMemo(
    () =>
      queryClient(() => {
        forgetToken();
        setNotice('The API no longer accepts the token this tab had (the server may have a new one). Enter the current token.');
        setToken(null);
      }),
    [],
  );
  const api = useMemo(
    () => (token ? new Api((path, init) => fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } })) : null),
    [token],
  );
  if (!api) {
    return (
      <TokenGate
        notice={notice}
        onToken={(value) => {
          saveToken(value);
          client.clear();
          setNotice(undefined);
          setToken(value);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={client}>
        <App
          signOut={{
            label: 'Forget token',
            run: () => {
              forgetToken();
              client.clear();
              setToken(null);
            },
          }}
        />
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}

function CognitoRoot({ config }: { config: Extract<WebConfig, { auth: 'cognito' }> }) {
  const [state, setState] = useState<{ api?: Api; error?: string; ready: boolean }>({ ready: false });
  const client = useMemo(() => queryClient(() => setState({ ready: true, error: 'Your session has ended: sign in again.' })), []);
  useEffect(() => {
    completeSignIn(config)
      .then(async () => (signedIn() ? setState({ ready: true, api: new Api(await signedFetch(config)) }) : setState({ ready: true })))
      .catch((error: Error) => setState({ ready: true, error: error.message }));
  }, [config]);
  if (!state.ready) return centered(<Spinner size="large" />);
  if (!state.api) {
    return centered(
      <SpaceBetween size="m">
        <Header variant="h1" description="Sign in with your organization's dbroles account. Admins may provision; auditors may read.">
          dbroles
        </Header>
        {state.error ? <Alert type="error">{state.error}</Alert> : null}
        <Button variant="primary" onClick={() => void signInUrl(config).then((url) => location.assign(url))}>
          Sign in
        </Button>
      </SpaceBetween>,
    );
  }
  return (
    <ApiContext.Provider value={state.api}>
      <QueryClientProvider client={client}>
        <App
          signOut={{
            label: 'Sign out',
            run: () => {
              signOut();
              client.clear();
              setState({ ready: true });
            },
          }}
        />
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}

export function Root({ config }: { config: WebConfig }) {
  return config.auth === 'cognito' ? <CognitoRoot config={config} /> : <LocalRoot />;
}
