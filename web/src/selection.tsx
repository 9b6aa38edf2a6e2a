import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import type { InstanceItem } from './api.ts';

/** What the person chose on the way to a job: accounts and regions to scan, then databases to provision. */
export interface Selection {
  accountIds: string[];
  regions: string[];
  databases: InstanceItem[];
  setScan(accountIds: string[], regions: string[]): void;
  setDatabases(databases: InstanceItem[]): void;
}

const SelectionContext = createContext<Selection | null>(null);

export function SelectionProvider({ children }: { children: ReactNode }) {
  const [scan, setScanState] = useState<{ accountIds: string[]; regions: string[] }>({ accountIds: [], regions: [] });
  const [databases, setDatabases] = useState<InstanceItem[]>([]);
  const value = useMemo<Selection>(
    () => ({ ...scan, databases, setScan: (accountIds, regions) => setScanState({ accountIds, regions }), setDatabases }),
    [scan, databases],
  );
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

export function useSelection(): Selection {
  const selection = useContext(SelectionContext);
  if (!selection) throw new Error('useSelection outside SelectionProvider');
  return selection;
}
