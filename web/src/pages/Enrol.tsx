/**
 * The enrolment screen: an account that needs a second factor and has none may do nothing else until it
 * enrols one, an authenticator app or a passkey. Then its recovery codes are shown, once.
 */
import { Anchor, Card, Grid, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { Enrolled, Session, User } from '../api';
import { PasskeySetup, RecoveryCodes, TotpSetup } from '../factors';
import { t } from '../i18n';
import { AuthFrame } from './Login';

export function Enrol({
  user,
  onSession,
  onDone,
  onSignOut,
}: {
  user: User;
  /** The full session that replaces the enrolment one: its CSRF token must be kept at once. */
  onSession: (s: Session) => void;
  onDone: () => void;
  onSignOut: () => void;
}) {
  const [codes, setCodes] = useState<string[] | null>(null);
  const enrolled = (e: Enrolled) => {
    if (e.session) onSession(e.session);
    if (e.recoveryCodes?.length) setCodes(e.recoveryCodes);
    else onDone();
  };

  if (codes)
    return (
      <AuthFrame title={t('recovery.title')} width={560}>
        <RecoveryCodes codes={codes} account={user.email} onDone={onDone} />
      </AuthFrame>
    );
  return (
    <AuthFrame title={t('enrol.title')} width={880}>
      <Text>{t('enrol.why')}</Text>
      <Text size="sm" c="dimmed">
        {t('enrol.who', { email: user.email })}
      </Text>
      <Grid>
        <Grid.Col span={{ base: 12, sm: 6 }}>
          <Card withBorder h="100%" component="section" aria-labelledby="enrol-app-h">
            <Stack gap="sm">
              <Title order={2} size="h4" id="enrol-app-h">
                {t('enrol.app')}
              </Title>
              <Text size="sm">{t('enrol.app.intro')}</Text>
              <TotpSetup onEnrolled={enrolled} />
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6 }}>
          <Card withBorder h="100%" component="section" aria-labelledby="enrol-passkey-h">
            <Stack gap="sm">
              <Title order={2} size="h4" id="enrol-passkey-h">
                {t('enrol.passkey')}
              </Title>
              <Text size="sm">{t('enrol.passkey.intro')}</Text>
              <PasskeySetup onEnrolled={enrolled} />
            </Stack>
          </Card>
        </Grid.Col>
      </Grid>
      <Group justify="flex-end">
        <Anchor component="button" type="button" size="sm" onClick={onSignOut}>
          {t('auth.signOut')}
        </Anchor>
      </Group>
    </AuthFrame>
  );
}
