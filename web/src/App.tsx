/** The frame: sign-in (password, second factor or its enrolment), then the navigation, who is signed in (party, role, node), and the page. */
import { Anchor, AppShell, Badge, Burger, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, ok, type SecondFactorMethod, type Session, session, type User } from './api';
import { type MessageKey, t, words } from './i18n';
import { Account } from './pages/Account';
import { CaseList } from './pages/CaseList';
import { Contact247 } from './pages/Contact247';
import { CaseView } from './pages/case/CaseView';
import { Enrol } from './pages/Enrol';
import { LedgerPage } from './pages/Ledger';
import { Login, SecondFactor } from './pages/Login';
import { NewRequest } from './pages/NewRequest';
import { Oversight } from './pages/Oversight';
import { Parties } from './pages/Parties';
import { Users } from './pages/Users';
import { Link, match, navigate, usePath } from './router';
import { ErrorNote, Loading } from './ui';

const NAV: { to: string; label: MessageKey; role?: User['roles'][number] }[] = [
  { to: '/inbox', label: 'nav.inbox' },
  { to: '/outbox', label: 'nav.outbox' },
  { to: '/new', label: 'nav.new' },
  { to: '/contact', label: 'nav.contact' },
  { to: '/parties', label: 'nav.parties' },
  { to: '/ledger', label: 'nav.ledger' },
  { to: '/oversight', label: 'nav.oversight' },
  { to: '/users', label: 'nav.users', role: 'admin' },
  { to: '/account', label: 'nav.account' },
];

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
    case '/account':
      return <Account user={user} />;
    case '/users':
      return user.roles.includes('admin') ? (
        <Users user={user} />
      ) : (
        <ErrorNote error={new Error(`No page ${path}`)} />
      );
    default:
      return <ErrorNote error={new Error(`No page ${path}`)} />;
  }
}

/**
 * Where the session stands. The cookie may outlive a reload, so the frame starts by asking the node
 * (/api/v1/auth/me) rather than by looking for a token of its own.
 */
type Auth =
  | { stage: 'loading' }
  | { stage: 'out'; notice?: unknown }
  | { stage: 'mfa'; user: User; methods?: SecondFactorMethod[] }
  | { stage: 'enrol'; user: User }
  | { stage: 'full'; user: User };

const landing = (u: User) => (u.roles.includes('officer') ? '/outbox' : '/inbox');

export function App() {
  const { path } = usePath();
  const [auth, setAuth] = useState<Auth>({ stage: 'loading' });
  const [menuOpen, setMenuOpen] = useState(false);

  const check = useCallback(() => {
    ok(api.GET('/api/v1/auth/me')).then(
      (me) => {
        const { stage, demo: _demo, methods, ...user } = me;
        // Without the cookie's CSRF token (storage cleared) nothing could be changed: sign in afresh.
        if (!session.csrfToken())
          setAuth({
            stage: 'out',
            notice: new ApiError({ title: t('auth.sessionLost.title'), detail: t('auth.sessionLost') }),
          });
        else setAuth(stage === 'mfa' ? { stage, user, ...(methods ? { methods } : {}) } : { stage, user });
      },
      (e) => {
        if (!(e instanceof ApiError && e.problem.status === 401)) setAuth({ stage: 'out', notice: e });
      },
    );
  }, []);
  useEffect(check, [check]);
  useEffect(() => {
    const out = (e: Event) => {
      session.clear();
      const detail = (e as CustomEvent<unknown>).detail;
      setAuth((prev) => ({
        stage: 'out',
        notice:
          detail ??
          (prev.stage === 'full'
            ? new ApiError({ title: t('auth.expired.title'), detail: t('auth.expired') })
            : undefined),
      }));
    };
    window.addEventListener('comity:signed-out', out);
    window.addEventListener('comity:recheck', check);
    return () => {
      window.removeEventListener('comity:signed-out', out);
      window.removeEventListener('comity:recheck', check);
    };
  }, [check]);

  const onSession = (s: Session) => {
    session.set(s);
    if (s.stage === 'full') {
      setAuth({ stage: 'full', user: s.user });
      if (path === '/' || path === '/login') navigate(landing(s.user));
    } else
      setAuth(
        s.stage === 'mfa'
          ? { stage: 'mfa', user: s.user, methods: s.methods }
          : { stage: 'enrol', user: s.user },
      );
  };
  const signOut = async () => {
    await api.POST('/api/v1/auth/logout').catch(() => {});
    session.clear();
    setAuth({ stage: 'out' });
    navigate('/');
  };

  if (auth.stage === 'loading') return <Loading />;
  if (auth.stage === 'out') return <Login notice={auth.notice} onSession={onSession} />;
  if (auth.stage === 'mfa')
    return (
      <SecondFactor
        email={auth.user.email}
        methods={auth.methods}
        onSession={onSession}
        onCancel={() => void signOut()}
      />
    );
  if (auth.stage === 'enrol') {
    const user = auth.user;
    return (
      <Enrol
        user={user}
        onSession={session.set}
        onDone={() => {
          setAuth({ stage: 'full', user });
          if (path === '/' || path === '/login') navigate(landing(user));
        }}
        onSignOut={() => void signOut()}
      />
    );
  }
  const { user } = auth;

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
          {NAV.filter((n) => !n.role || user.roles.includes(n.role)).map((n) => (
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
