/** Evidence packages on the case: attaching and sealing files, and opening what arrived. */
import { Badge, Button, Code, FileButton, Group, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { api, type Case, ok, type PackageView, raw, saveAs, type User } from '../../api';
import { t } from '../../i18n';
import { ErrorNote, useLoad } from '../../ui';
import { uploadFile } from '../../upload';
import { Section } from './Section';

export function Evidence({ c, user }: { c: Case; user: User }) {
  const caseId = c.id;
  const packages = useLoad(
    () => ok(api.GET('/api/v1/cases/{id}/evidence', { params: { path: { id: caseId } } })),
    [caseId],
  );
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const canAttach =
    c.state === 'executing' &&
    c.requested === user.party &&
    (user.roles.includes('executor') ||
      user.roles.includes('reviewer') ||
      (user.roles.includes('contact-24-7') && c.channel === '24-7'));
  const attach = async (files: File[]) => {
    setError(null);
    try {
      const open = packages.data?.items.find((p) => p.side === 'produced' && p.status === 'open');
      const pkg =
        open?.id ??
        (await ok(api.POST('/api/v1/cases/{id}/evidence', { params: { path: { id: caseId } } }))).id;
      for (const f of files)
        await uploadFile(pkg, f, (phase, done) =>
          setProgress(
            t('case.evidence.progress', { name: f.name, phase, percent: Math.floor((done / f.size) * 100) }),
          ),
        );
      setProgress(null);
      packages.reload();
    } catch (e) {
      setProgress(null);
      setError(e);
      packages.reload();
    }
  };
  const seal = async (pkg: string) => {
    setError(null);
    try {
      await ok(api.POST('/api/v1/evidence/{pkg}/seal', { params: { path: { pkg } }, body: {} }));
      packages.reload();
    } catch (e) {
      setError(e);
    }
  };
  const download = async (path: string, name: string) => {
    setError(null);
    try {
      await saveAs(await raw(path), name);
    } catch (e) {
      setError(e);
    }
  };
  const items: PackageView[] = packages.data?.items ?? [];
  return (
    <Section id="evidence" title={t('case.evidence')}>
      {packages.error ? <ErrorNote error={packages.error} /> : null}
      {error ? <ErrorNote error={error} /> : null}
      {packages.data && items.length === 0 ? <Text size="sm">{t('case.evidence.none')}</Text> : null}
      {canAttach ? (
        <Group mb="sm">
          <FileButton onChange={(files) => void attach(files)} multiple>
            {(props) => (
              <Button {...props} size="xs" disabled={progress !== null}>
                {t('case.evidence.attach')}
              </Button>
            )}
          </FileButton>
          {progress ? (
            <Text size="sm" role="status">
              {progress}
            </Text>
          ) : null}
        </Group>
      ) : null}
      {items.map((p) => (
        <Stack key={p.id} gap={4} mb="sm">
          <Group gap="xs">
            <Code>{p.id}</Code>
            <Badge>{p.status}</Badge>
            {p.retentionUntil ? (
              <Text size="xs">{t('case.evidence.retention', { date: p.retentionUntil })}</Text>
            ) : null}
            {p.side === 'produced' && p.status === 'open' && p.files.some((f) => f.status === 'sealed') ? (
              <Button size="compact-xs" onClick={() => void seal(p.id)}>
                {t('case.evidence.seal', { party: c.requesting })}
              </Button>
            ) : null}
          </Group>
          {p.manifestSha256 ? (
            <Text size="xs" ff="monospace">
              {t('case.evidence.manifest', { hash: p.manifestSha256 })}
            </Text>
          ) : null}
          <Table>
            <Table.Tbody>
              {p.files.map((f) => (
                <Table.Tr key={f.idx}>
                  <Table.Td>{f.name}</Table.Td>
                  <Table.Td>{(f.size / 1024).toFixed(1)} KiB</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {f.sha256.slice(0, 16)}…
                    </Text>
                  </Table.Td>
                  <Table.Td>{f.status}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {p.side === 'received' && p.status === 'received' ? (
                        <Button
                          size="compact-xs"
                          onClick={() =>
                            void download(`/api/v1/evidence/${p.id}/files/${f.idx}/content`, f.name)
                          }
                        >
                          {t('case.evidence.open')}
                        </Button>
                      ) : null}
                      {(p.side === 'received' && f.status === 'received') ||
                      (p.side === 'produced' && f.status !== 'uploading') ? (
                        <Button
                          size="compact-xs"
                          variant="default"
                          onClick={() =>
                            void download(`/api/v1/evidence/${p.id}/files/${f.idx}/sealed`, `${f.name}.age`)
                          }
                        >
                          {t('case.evidence.sealed')}
                        </Button>
                      ) : null}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      ))}
    </Section>
  );
}

/**
 * Need-to-know: the case can be closed to everyone else on this node (officers, reviewers and administrators
 * restrict; oversight still sees it redacted). The restriction stays on this node.
 */
/**
 * Need-to-know: restrict the case to named colleagues of this node (whoever restricts it stays among them), change
 * who they are, or lift the restriction. Everyone else here loses sight of the case; oversight sees it redacted.
 */
