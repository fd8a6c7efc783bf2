/** The frame: sign-in, then the navigation, who is signed in (party, role, node), and the page. */
import { Anchor, AppShell, Badge, Burger, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, ok, session, type User } from './api';
import { t, words } from './i18n';
import { CaseList } from './pages/CaseList';
import { CaseView } from './pages/CaseView';
import { Contact247 } from './pages/Contact247';
import { LedgerPage } from './pages/Ledger';
import { Login } from './pages/Login';
import { NewRequest } from './pages/NewRequest';
import { Oversight } from './pages/Oversight';
import { Parties } from './pages/Parties';
import { Link, match, navigate, usePath } from './router';
import { ErrorNote, Loading } from './ui';

const NAV = [
  { to: '/inbox', label: 'nav.inbox' },
  { to: '/outbox', label: 'nav.outbox' },
  { to: '/new', label: 'nav.new' },
  { to: '/contact', label: 'nav.contact' },
  { to: '/parties', label: 'nav.parties' },
  { to: '/ledger', label: 'nav.ledger' },
  { to: '/oversight', label: 'nav.oversight' },
] as const;

function Page({ path, user }: { path: string; user: User }) {
  const caseMatch = match('/cases/:id', path);
  if (caseMatch) return <CaseView id={caseMatch.id!} user={user} />;
  const draft = match('/new/:id', path);
  if (draft) return <NewRequest user={user} draftId={draft.id!} />;
  switch (path) {
    case '/':
    case '/inbox':
      return <CaseList direction="incoming" />;
    case '/outbox':
      return <CaseList direction="outgoing" />;
    case '/new':
      return <NewRequest user={user} />;
    case '/contact':
      return <Contact247 />;
    case '/parties':
      return <Parties user={user} />;
    case '/ledger':
      return <LedgerPage />;
    case '/oversight':
      return <Oversight />;
    default:
      return <ErrorNote error={new Error(`No page ${path}`)} />;
  }
}

export function App() {
  const { path } = usePath();
  const [user, setUser] = useState<User | null | undefined>(session.token() ? undefined : null);
  const [error, setError] = useState<unknown>(null);
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => {
    if (user !== undefined) return;
    ok(api.GET('/api/v1/auth/me')).then(
      (me) => setUser(me as User),
      (e) => {
        session.clear();
        setUser(null);
        setError(e);
      },
    );
  }, [user]);
  useEffect(() => {
    const out = () => {
      session.clear();
      setUser(null);
    };
    window.addEventListener('comity:signed-out', out);
    return () => window.removeEventListener('comity:signed-out', out);
  }, []);

  if (user === undefined) return <Loading />;
  if (user === null)
    return (
      <Login
        notice={error}
        onSignedIn={(u) => {
          setError(null);
          setUser(u);
          if (path === '/' || path === '/login') navigate(u.roles.includes('officer') ? '/outbox' : '/inbox');
        }}
      />
    );

  const signOut = async () => {
    await api.POST('/api/v1/auth/logout').catch(() => {});
    session.clear();
    setUser(null);
    navigate('/');
  };

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !menuOpen } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={menuOpen}
              onClick={() => setMenuOpen(!menuOpen)}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('nav.menu')}
            />
            <Title order={1} size="h3">
              <Anchor component={Link} to="/inbox" underline="never">
                {t('app.name')}
              </Anchor>
            </Title>
            <Badge size="lg" variant="outline" aria-label={t('header.node', { party: user.party })}>
              {t('header.node', { party: user.party })}
            </Badge>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" data-testid="who">
              {t('header.user', {
                name: user.name,
                roles: user.roles.map(words).join(', '),
                party: user.party,
              })}
            </Text>
            <Button variant="default" size="xs" onClick={signOut}>
              {t('auth.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        <Stack gap={2}>
          {NAV.map((n) => (
            <NavLink
              key={n.to}
              component={Link}
              to={n.to}
              label={t(n.label)}
              variant="filled"
              active={path === n.to || (n.to === '/inbox' && path === '/')}
              onClick={() => setMenuOpen(false)}
            />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <Page path={path} user={user} />
      </AppShell.Main>
    </AppShell>
  );
}
