/**
 * Sign-in: e-mail and password (a cookie session), then, for accounts that need one, the second factor: a code
 * from the authenticator app, a passkey, or a one-time recovery code.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Divider,
  Fieldset,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { api, ok, type SecondFactorMethod, type Session } from '../api';
import { CodeInput, PasskeyProblem, verifyWithPasskey } from '../factors';
import { t } from '../i18n';
import { ErrorNote } from '../ui';

const DEMO = ['officer', 'reviewer', 'contact', 'executor', 'oversight', 'admin'];

/** The card every sign-in step shows in, alone on the page. */
export function AuthFrame({
  title,
  children,
  width = 420,
}: {
  title: string;
  children: ReactNode;
  width?: number;
}) {
  return (
    <Center mih="100vh" p="md">
      <Card withBorder w={width} maw="100%" padding="lg" component="main">
        <Stack>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Card>
    </Center>
  );
}

export function Login({ onSession, notice }: { onSession: (s: Session) => void; notice?: unknown }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(notice ?? null);
  const [busy, setBusy] = useState(false);
  const [health, setHealth] = useState<{ party: string; name: string; demo?: boolean } | null>(null);

  useState(() => {
    fetch('/api/v1/health')
      .then((r) => r.json())
      .then(setHealth, () => {});
  });

  const signIn = async (e: string, p: string) => {
    setBusy(true);
    setError(null);
    try {
      onSession(
        await ok(api.POST('/api/v1/auth/login', { body: { email: e, password: p, session: 'cookie' } })),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const domain = health?.demo ? `${health.party.toLowerCase()}.example` : null;
  return (
    <AuthFrame title={`${t('auth.title')}${health ? ` — ${health.name} (${health.party})` : ''}`}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void signIn(email, password);
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            {t('app.tagline')}
          </Text>
          {error ? <ErrorNote error={error} /> : null}
          <TextInput
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label={t('auth.password')}
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={busy}>
            {t('auth.submit')}
          </Button>
        </Stack>
      </form>
      {domain ? (
        <Fieldset
          legend={
            <Group gap="xs">
              {t('auth.demoQuick')} <Badge color="orange">{t('common.demo')}</Badge>
            </Group>
          }
        >
          <Stack gap="xs">
            <Text size="sm">{t('auth.demoHint')}</Text>
            <Group gap={4}>
              {DEMO.map((d) => (
                <Button
                  key={d}
                  size="compact-xs"
                  variant="light"
                  color="orange"
                  aria-label={t('auth.demoAs', { account: `${d}@${domain}` })}
                  onClick={() => void signIn(`${d}@${domain}`, 'comity-demo')}
                >
                  {d}
                </Button>
              ))}
            </Group>
          </Stack>
        </Fieldset>
      ) : null}
    </AuthFrame>
  );
}

/**
 * The second step. `methods` comes with the password step, or from /me after a reload; when unknown, every way
 * is offered.
 */
export function SecondFactor({
  email,
  methods,
  onSession,
  onCancel,
}: {
  email: string;
  methods: SecondFactorMethod[] | undefined;
  onSession: (s: Session) => void;
  onCancel: () => void;
}) {
  const has = (m: SecondFactorMethod) => !methods || methods.includes(m);
  // Without an app, a passkey is the way in and the code form opens only for a recovery code.
  const [mode, setMode] = useState<'totp' | 'recovery' | null>(has('totp') ? 'totp' : null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'code' | 'passkey' | null>(null);

  const attempt = async (kind: 'code' | 'passkey', fn: () => Promise<Session>) => {
    setBusy(kind);
    setError(null);
    try {
      onSession(await fn());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const switchTo = (m: 'totp' | 'recovery') => {
    setMode(m);
    setCode('');
  };
  const submitCode = () =>
    attempt('code', () =>
      ok(
        mode === 'totp'
          ? api.POST('/api/v1/auth/verify/totp', { body: { code } })
          : api.POST('/api/v1/auth/verify/recovery-code', { body: { code } }),
      ),
    );

  return (
    <AuthFrame title={t('mfa.title')}>
      <Text size="sm">{t('mfa.intro', { email })}</Text>
      {error ? <PasskeyProblem error={error} /> : null}
      {mode === null ? null : (
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void submitCode();
          }}
        >
          <Stack gap="sm">
            {mode === 'totp' ? (
              <CodeInput value={code} onChange={setCode} />
            ) : (
              <TextInput
                label={t('mfa.recoveryCode')}
                description={t('mfa.recoveryHint')}
                autoComplete="off"
                spellCheck={false}
                required
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
              />
            )}
            <Button type="submit" loading={busy === 'code'}>
              {t('mfa.verify')}
            </Button>
          </Stack>
        </form>
      )}
      {has('passkey') ? (
        <Button
          variant={mode === null ? 'filled' : 'default'}
          loading={busy === 'passkey'}
          onClick={() => void attempt('passkey', verifyWithPasskey)}
        >
          {t('mfa.usePasskey')}
        </Button>
      ) : null}
      <Divider />
      <Group justify="space-between">
        {mode !== 'recovery' ? (
          <Anchor component="button" type="button" size="sm" onClick={() => switchTo('recovery')}>
            {t('mfa.useRecovery')}
          </Anchor>
        ) : has('totp') ? (
          <Anchor component="button" type="button" size="sm" onClick={() => switchTo('totp')}>
            {t('mfa.useApp')}
          </Anchor>
        ) : (
          <span />
        )}
        <Anchor component="button" type="button" size="sm" onClick={onCancel}>
          {t('mfa.cancel')}
        </Anchor>
      </Group>
    </AuthFrame>
  );
}
