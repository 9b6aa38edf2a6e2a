/** How this page reaches the API: written by `dbroles serve` locally, by CDK when deployed. */
export type WebConfig =
  | { auth: 'token' }
  | {
      auth: 'cognito';
      region: string;
      apiUrl: string;
      userPoolId: string;
      userPoolClientId: string;
      identityPoolId: string;
      /** The Cognito domain of the hosted sign-in page, e.g. https://dbroles-123.auth.us-east-1.amazoncognito.com */
      cognitoDomain: string;
    };

export async function loadConfig(): Promise<WebConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`this page's settings (/config.json) could not be read: ${response.statusText || 'no answer'}`);
  return (await response.json()) as WebConfig;
}
