// The local API's bearer token: kept in sessionStorage for this tab only, never in a URL.
const KEY = 'dbroles.token';

export const readToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);
