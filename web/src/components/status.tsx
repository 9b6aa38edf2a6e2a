import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';

const TYPES: Record<string, StatusIndicatorProps.Type> = {
  running: 'in-progress',
  completed: 'success',
  failed: 'error',
  skipped: 'stopped',
};

/** A job, step or role status as the console shows statuses. */
export function Status({ status, children }: { status: string; children?: string }) {
  return <StatusIndicator type={TYPES[status] ?? 'info'}>{children ?? status}</StatusIndicator>;
}

export const formatTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '-');

/** "1.4 s", "3 min 2 s" between two times; to now while still running. */
export function duration(start?: string | null, end?: string | null): string {
  if (!start) return '-';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
