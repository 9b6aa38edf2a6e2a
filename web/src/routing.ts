import { useEffect, useState } from 'react';

/** The page's location is its hash (#/jobs/abc): the server only ever serves index.html. */
export function useHashPath(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onChange = () => setPath(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

export const href = (...segments: string[]): string => `#/${segments.map(encodeURIComponent).join('/')}`;
export const navigate = (...segments: string[]): void => {
  location.hash = href(...segments);
};
