/** Restricting a case to the people who need to know it. */
import { Badge, Button, Group, MultiSelect, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { api, type Case, ok, type User } from '../../api';
import { t, words } from '../../i18n';
import { ErrorNote, useLoad } from '../../ui';
import { Section } from './Section';

export function NeedToKnow({ c, user, onDone }: { c: Case; user: User; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const may = user.roles.some((r) => r === 'officer' || r === 'reviewer' || r === 'admin');
  const restricted = c.restrictedTo ?? null;
  const candidates = useLoad(
    async () =>
      may
        ? (await ok(api.GET('/api/v1/cases/{id}/restriction/candidates', { params: { path: { id: c.id } } })))
            .items
        : [],
    [c.id, may],
  );
  const [chosen, setChosen] = useState<string[]>(restricted ?? [user.id]);
  if (!may && !restricted) return null;
  const nameOf = (id: string) => candidates.data?.find((u) => u.id === id)?.name ?? id;
  const set = async (users: string[] | null) => {
    setBusy(true);
    setError(null);
    try {
      await ok(
        api.PUT('/api/v1/cases/{id}/restriction', { params: { path: { id: c.id } }, body: { users } }),
      );
      if (!users) setChosen([user.id]);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const same =
    restricted !== null && restricted.length === chosen.length && chosen.every((u) => restricted.includes(u));
  return (
    <Section id="ntk" title={t('case.needToKnow')}>
      {error ? <ErrorNote error={error} /> : null}
      <Text size="sm" mb="xs">
        {restricted ? t('case.restrictedTo', { count: String(restricted.length) }) : t('case.unrestricted')}
      </Text>
      {restricted ? (
        <Group gap={4} mb="xs" data-testid="restricted-to">
          {restricted.map((id) => (
            <Badge key={id} variant="light">
              {nameOf(id)}
            </Badge>
          ))}
        </Group>
      ) : null}
      {may ? (
        <Stack gap="xs">
          {candidates.error ? <ErrorNote error={candidates.error} /> : null}
          <MultiSelect
            label={t('case.restrictUsers')}
            description={t('case.restrictUsers.hint')}
            searchable
            data={(candidates.data ?? []).map((u) => ({
              value: u.id,
              label: `${u.name} (${u.roles.map((r) => words(r)).join(', ')})`,
              disabled: u.id === user.id,
            }))}
            value={chosen}
            onChange={(v) => setChosen(v.includes(user.id) ? v : [user.id, ...v])}
          />
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              loading={busy}
              disabled={same}
              onClick={() => void set(chosen)}
            >
              {restricted ? t('case.changeRestriction') : t('case.restrict')}
            </Button>
            {restricted ? (
              <Button size="xs" variant="default" loading={busy} onClick={() => void set(null)}>
                {t('case.liftRestriction')}
              </Button>
            ) : null}
          </Group>
        </Stack>
      ) : null}
    </Section>
  );
}
