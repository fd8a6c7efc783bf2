import {
  Badge,
  Button,
  Card,
  Center,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api, ok, session, type User } from '../api';
import { t } from '../i18n';
import { ErrorNote } from '../ui';

const DEMO = ['officer', 'reviewer', 'contact', 'executor', 'oversight', 'admin'];

export function Login({ onSignedIn, notice }: { onSignedIn: (u: User) => void; notice?: unknown }) {
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
      const res = await ok(api.POST('/api/v1/auth/login', { body: { email: e, password: p } }));
      session.set((res as { token: string }).token);
      onSignedIn((res as { user: User }).user);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const domain = health?.demo ? `${health.party.toLowerCase()}.example` : null;
  return (
    <Center mih="100vh" p="md">
      <Card withBorder w={420} padding="lg" component="main">
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void signIn(email, password);
          }}
        >
          <Stack>
            <Title order={1} size="h2">
              {t('auth.title')}
              {health ? ` — ${health.name} (${health.party})` : ''}
            </Title>
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
            {domain ? (
              <Stack gap={4}>
                <Text size="sm">{t('auth.demoHint')}</Text>
                <Text size="sm" fw={600}>
                  {t('auth.demoQuick')} — <Badge color="orange">{t('common.demo')}</Badge>
                </Text>
                <Group gap={4}>
                  {DEMO.map((d) => (
                    <Button
                      key={d}
                      size="compact-xs"
                      variant="light"
                      onClick={() => void signIn(`${d}@${domain}`, 'comity-demo')}
                    >
                      {d}
                    </Button>
                  ))}
                </Group>
              </Stack>
            ) : null}
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
