import AppLayout from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { lazy, Suspense } from 'react';
import { href, useHashPath } from './routing.ts';
import { SelectionProvider } from './selection.tsx';

// One chunk per screen: Cloudscape is large, and a person who opens the jobs list needs no form code.
const AwsAccessPage = lazy(() => import('./pages/aws-access.tsx'));
const AccountsPage = lazy(() => import('./pages/accounts.tsx'));
const DatabasesPage = lazy(() => import('./pages/databases.tsx'));
const ReviewPage = lazy(() => import('./pages/review.tsx'));
const DirectTargetPage = lazy(() => import('./pages/direct-target.tsx'));
const JobsPage = lazy(() => import('./pages/jobs.tsx'));
const JobDetailPage = lazy(() => import('./pages/job-detail.tsx'));
const ConnectionsPage = lazy(() => import('./pages/connections.tsx'));

const TITLES: Record<string, string> = {
  aws: 'AWS access',
  accounts: 'Accounts',
  databases: 'Databases',
  review: 'Review and provision',
  direct: 'Database given directly',
  jobs: 'Jobs',
  connections: 'Connections',
};

function Page({ path }: { path: string[] }) {
  const [first, second] = path;
  switch (first) {
    case 'aws':
      return <AwsAccessPage />;
    case 'accounts':
      return <AccountsPage />;
    case 'databases':
      return <DatabasesPage />;
    case 'review':
      return <ReviewPage />;
    case 'direct':
      return <DirectTargetPage />;
    case 'connections':
      return <ConnectionsPage />;
    case 'jobs':
      return second ? <JobDetailPage id={second} /> : <JobsPage />;
    default:
      return <JobsPage />;
  }
}

export function App({ signOut }: { signOut: { label: string; run: () => void } }) {
  const path = useHashPath();
  const section = path[0] && TITLES[path[0]] ? path[0] : 'jobs';
  const crumbs = [
    { text: 'dbroles', href: href('jobs') },
    { text: TITLES[section] ?? 'Jobs', href: href(section) },
    ...(section === 'jobs' && path[1] ? [{ text: path[1], href: href('jobs', path[1]) }] : []),
  ];
  return (
    <SelectionProvider>
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: href('jobs'), title: 'dbroles' }}
          utilities={[{ type: 'button', text: signOut.label, onClick: signOut.run }]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        toolsHide
        breadcrumbs={<BreadcrumbGroup items={crumbs} ariaLabel="Breadcrumbs" />}
        navigation={
          <SideNavigation
            header={{ href: href('jobs'), text: 'dbroles' }}
            activeHref={href(section)}
            items={[
              { type: 'link', text: 'Jobs', href: href('jobs') },
              { type: 'link', text: 'Connections', href: href('connections') },
              { type: 'divider' },
              {
                type: 'section',
                text: 'Provision',
                items: [
                  { type: 'link', text: 'Database given directly', href: href('direct') },
                  { type: 'link', text: 'Accounts', href: href('accounts') },
                  { type: 'link', text: 'Databases', href: href('databases') },
                  { type: 'link', text: 'Review and provision', href: href('review') },
                ],
              },
              { type: 'divider' },
              { type: 'link', text: 'AWS access', href: href('aws') },
            ]}
          />
        }
        content={
          <Suspense fallback={<Spinner size="large" />}>
            <Page path={path} />
          </Suspense>
        }
      />
    </SelectionProvider>
  );
}
