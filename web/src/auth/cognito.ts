import type { WebConfig } from './config.ts';

type CognitoConfig = Extract<WebConfig, { auth: 'cognito' }>;

// Deployed, people sign in with Cognito's hosted page (authorization code + PKCE). The ID token is
// exchanged with the identity pool for AWS credentials of the role mapped to the user's group, and
// every API call is signed with SigV4: the API keeps IAM authorization and the same policies.
const ID_TOKEN = 'dbroles.idToken';
const VERIFIER = 'dbroles.pkceVerifier';
const STATE = 'dbroles.pkceState';

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}/`;

/** The hosted sign-in page's URL, with a fresh PKCE verifier and state kept for the callback. */
export async function signInUrl(config: CognitoConfig): Promise<string> {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.userPoolClientId,
    redirect_uri: redirectUri(),
    scope: 'openid email',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${config.cognitoDomain}/oauth2/authorize?${query.toString()}`;
}

/** On return from the sign-in page: trades the code for an ID token, and takes the code out of the URL. */
export async function completeSignIn(config: CognitoConfig): Promise<void> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return;
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  if (params.get('state') !== sessionStorage.getItem(STATE)) throw new Error('the sign-in answer does not belong to this tab; sign in again');
  const response = await fetch(`${config.cognitoDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.userPoolClientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: sessionStorage.getItem(VERIFIER) ?? '',
    }),
  });
  sessionStorage.removeItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  if (!response.ok) throw new Error('Cognito did not accept the sign-in; sign in again');
  const tokens = (await response.json()) as { id_token?: string };
  if (tokens.id_token) sessionStorage.setItem(ID_TOKEN, tokens.id_token);
}

export const signedIn = (): boolean => sessionStorage.getItem(ID_TOKEN) !== null;
export const signOut = (): void => sessionStorage.removeItem(ID_TOKEN);

interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

/** A fetch that signs each call with the signed-in user's identity-pool credentials, renewed before they expire. */
export async function signedFetch(config: CognitoConfig): Promise<(path: string, init: RequestInit) => Promise<Response>> {
  const [{ AwsClient }, identity] = await Promise.all([import('aws4fetch'), import('@aws-sdk/client-cognito-identity')]);
  const client = new identity.CognitoIdentityClient({ region: config.region });
  let current: TemporaryCredentials | undefined;
  const credentials = async (): Promise<TemporaryCredentials> => {
    if (current && current.expiresAt - Date.now() > 60_000) return current;
    const idToken = sessionStorage.getItem(ID_TOKEN);
    if (!idToken) throw new Error('signed out: sign in again');
    const logins = { [`cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`]: idToken };
    const { IdentityId } = await client.send(new identity.GetIdCommand({ IdentityPoolId: config.identityPoolId, Logins: logins }));
    const out = await client.send(new identity.GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretKey || !c.SessionToken) throw new Error('the identity pool gave no credentials: is your user in dbroles-admins or dbroles-auditors?');
    current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken, expiresAt: c.Expiration?.getTime() ?? Date.now() + 900_000 };
    return current;
  };
  return async (path, init) => {
    const c = await credentials();
    const aws = new AwsClient({ ...c, service: 'execute-api', region: config.region });
    return aws.fetch(`${config.apiUrl.replace(/\/$/, '')}${path}`, init);
  };
}
