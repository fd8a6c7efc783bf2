/** The wizard's subjects-and-data step: who the request concerns, and each item of data sought. */
import { Button, Card, Group, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { DATA_CATEGORIES, SUBJECT_ROLES } from '../../../../src/domain/request.ts';
import { t, words } from '../../i18n';
import { type Draft, type DraftDataItem, type DraftSubject, emptyDataItem, emptySubject } from './draft';

export function SubjectsStep({ d, set }: { d: Draft; set: (patch: Partial<Draft>) => void }) {
  const subject = (i: number, patch: Partial<DraftSubject>) =>
    set({ subjects: d.subjects.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  const item = (i: number, patch: Partial<DraftDataItem>) =>
    set({ data: d.data.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  return (
    <Stack>
      {d.subjects.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form have no identity but their place
        <Group key={`subject-${i}`} grow align="end">
          <TextInput
            label={t('wizard.subject.name')}
            value={s.name}
            onChange={(e) => subject(i, { name: e.currentTarget.value })}
          />
          <Select
            label={t('wizard.subject.role')}
            data={SUBJECT_ROLES.map((r) => ({ value: r, label: words(r) }))}
            value={s.role}
            onChange={(v) => subject(i, { role: v ?? s.role })}
          />
          <TextInput
            label={t('wizard.subject.nationality')}
            value={s.nationality}
            onChange={(e) => subject(i, { nationality: e.currentTarget.value })}
          />
          <TextInput
            label={t('wizard.subject.description')}
            value={s.description}
            onChange={(e) => subject(i, { description: e.currentTarget.value })}
          />
        </Group>
      ))}
      <Button variant="default" onClick={() => set({ subjects: [...d.subjects, emptySubject()] })}>
        {t('wizard.subject.add')}
      </Button>
      {d.data.map((x, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form have no identity but their place
        <Card withBorder key={`data-${i}`}>
          <Group grow align="end">
            <Select
              label={t('wizard.data.category')}
              data={DATA_CATEGORIES.map((c) => ({ value: c, label: c }))}
              value={x.category}
              onChange={(v) => item(i, { category: v ?? x.category })}
            />
            <TextInput
              label={t('wizard.data.provider')}
              value={x.provider}
              onChange={(e) => item(i, { provider: e.currentTarget.value })}
            />
            <TextInput
              type="date"
              label={t('wizard.data.from')}
              value={x.from}
              onChange={(e) => item(i, { from: e.currentTarget.value })}
            />
            <TextInput
              type="date"
              label={t('wizard.data.to')}
              value={x.to}
              onChange={(e) => item(i, { to: e.currentTarget.value })}
            />
          </Group>
          <Textarea
            label={t('wizard.data.identifiers')}
            value={x.identifiers.join('\n')}
            onChange={(e) => item(i, { identifiers: e.currentTarget.value.split('\n') })}
            autosize
            minRows={2}
          />
          <Textarea
            label={t('wizard.data.description')}
            value={x.description}
            onChange={(e) => item(i, { description: e.currentTarget.value })}
            autosize
            minRows={1}
          />
        </Card>
      ))}
      <Button variant="default" onClick={() => set({ data: [...d.data, emptyDataItem()] })}>
        {t('wizard.data.add')}
      </Button>
    </Stack>
  );
}
