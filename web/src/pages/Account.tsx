/** The signed-in user's account: second factors (authenticator app, passkeys) and recovery codes. */
import { Alert, Badge, Card, Group, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { api, type Enrolled, ok, type User } from '../api';
import { PasskeySetup, RecoveryCodes, TotpSetup } from '../factors';
import { t, words } from '../i18n';
import { ConfirmButton, ErrorNote, Loading, useLoad } from '../ui';

const day = (iso: string) => new Date(iso).toLocaleString();

export function Account({ user }: { user: User }) {
  const status = useLoad(() => ok(api.GET('/api/v1/auth/mfa')), []);
  const [codes, setCodes] = useState<string[] | null>(null);

  const enrolled = (e: Enrolled) => {
    if (e.recoveryCodes?.length) setCodes(e.recoveryCodes);
    status.reload();
  };

  if (codes)
    return (
      <Stack maw={640}>
        <Title order={2}>{t('recovery.title')}</Title>
        <RecoveryCodes codes={codes} account={user.email} onDone={() => setCodes(null)} />
      </Stack>
    );

  const s = status.data;
  const onlyFactor = s ? Number(s.totp) + s.passkeys.length <= 1 : false;
  const lastFactorWarning = s?.required && onlyFactor ? ` ${t('account.lastFactor')}` : '';
  return (
    <Stack maw={880}>
      <Title order={2}>{t('account.title')}</Title>
      <Text>
        {t('account.who', {
          name: user.name,
          email: user.email,
          roles: user.roles.map(words).join(', '),
          party: user.party,
        })}
      </Text>
      {status.error ? <ErrorNote error={status.error} /> : null}
      {!s ? (
        status.loading ? (
          <Loading />
        ) : null
      ) : (
        <>
          <Alert color={s.required ? 'blue' : 'orange'}>
            {s.required ? t('account.required') : t('account.demo')}
          </Alert>

          <Card withBorder component="section" aria-labelledby="account-app-h">
            <Stack gap="sm">
              <Group justify="space-between">
                <Title order={3} size="h4" id="account-app-h">
                  {t('enrol.app')}
                </Title>
                <Badge color={s.totp ? 'teal' : 'gray'} data-testid="totp-status">
                  {s.totp ? t('account.on') : t('account.off')}
                </Badge>
              </Group>
              {s.totp ? (
                <Group>
                  <ConfirmButton
                    label={t('account.app.remove')}
                    title={t('account.app.remove')}
                    message={`${t('account.app.removeConfirm')}${lastFactorWarning}`}
                    confirmLabel={t('common.remove')}
                    onConfirm={async () => {
                      await ok(api.DELETE('/api/v1/auth/mfa/totp'));
                      status.reload();
                    }}
                  />
                </Group>
              ) : (
                <>
                  <Text size="sm">{t('enrol.app.intro')}</Text>
                  <TotpSetup onEnrolled={enrolled} />
                </>
              )}
            </Stack>
          </Card>

          <Card withBorder component="section" aria-labelledby="account-passkeys-h">
            <Stack gap="sm">
              <Title order={3} size="h4" id="account-passkeys-h">
                {t('account.passkeys')}
              </Title>
              {s.passkeys.length ? (
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('passkey.name')}</Table.Th>
                      <Table.Th>{t('account.passkey.created')}</Table.Th>
                      <Table.Th>{t('account.passkey.used')}</Table.Th>
                      <Table.Th>
                        <VisuallyHidden>{t('users.col.actions')}</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {s.passkeys.map((k) => (
                      <Table.Tr key={k.id}>
                        <Table.Td>{k.name}</Table.Td>
                        <Table.Td>{day(k.createdAt)}</Table.Td>
                        <Table.Td>{k.lastUsedAt ? day(k.lastUsedAt) : t('account.passkey.never')}</Table.Td>
                        <Table.Td>
                          <ConfirmButton
                            size="xs"
                            label={t('common.remove')}
                            aria-label={t('account.passkey.remove', { name: k.name })}
                            title={t('account.passkey.remove', { name: k.name })}
                            message={`${t('account.passkey.removeConfirm')}${lastFactorWarning}`}
                            confirmLabel={t('common.remove')}
                            onConfirm={async () => {
                              await ok(
                                api.DELETE('/api/v1/auth/mfa/passkeys/{id}', {
                                  params: { path: { id: k.id } },
                                }),
                              );
                              status.reload();
                            }}
                          />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Text size="sm">{t('account.passkeys.none')}</Text>
              )}
              <Text size="sm">{t('enrol.passkey.intro')}</Text>
              <PasskeySetup onEnrolled={enrolled} />
            </Stack>
          </Card>

          <Card withBorder component="section" aria-labelledby="account-recovery-h">
            <Stack gap="sm">
              <Title order={3} size="h4" id="account-recovery-h">
                {t('recovery.title')}
              </Title>
              <Text size="sm" data-testid="recovery-left">
                {t('account.recovery.left', { n: s.recoveryCodesLeft })}
              </Text>
              <Group>
                <ConfirmButton
                  label={t('account.recovery.replace')}
                  title={t('account.recovery.replace')}
                  message={t('account.recovery.replaceConfirm')}
                  confirmLabel={t('account.recovery.replace')}
                  color="blue"
                  onConfirm={async () => {
                    const { recoveryCodes } = await ok(api.POST('/api/v1/auth/mfa/recovery-codes'));
                    setCodes(recoveryCodes);
                    status.reload();
                  }}
                />
              </Group>
            </Stack>
          </Card>
        </>
      )}
    </Stack>
  );
}
