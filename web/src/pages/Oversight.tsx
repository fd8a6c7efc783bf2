/** The oversight dashboard: requests by type, party, offence, outcome and month, refusal grounds, time to decision. */
import { BarChart } from '@mantine/charts';
import { Anchor, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { api, ok } from '../api';
import { type MessageKey, t, words } from '../i18n';
import { csvHref, ErrorNote, Loading, useLoad } from '../ui';

interface Count {
  key: string;
  incoming: number;
  outgoing: number;
}

function Chart({ title, counts, file }: { title: MessageKey; counts: Count[]; file: string }) {
  const data = counts.map((c) => ({ key: words(c.key), incoming: c.incoming, outgoing: c.outgoing }));
  return (
    <Card withBorder component="figure" m={0}>
      <Title order={3} size="h5" mb="xs" component="figcaption">
        {t(title)}
      </Title>
      {data.length ? (
        <BarChart
          h={220}
          data={data}
          dataKey="key"
          type="stacked"
          series={[
            { name: 'incoming', color: 'blue.6' },
            { name: 'outgoing', color: 'teal.6' },
          ]}
          withLegend
        />
      ) : (
        <Text size="sm">{t('common.none')}</Text>
      )}
      <Anchor
        size="sm"
        href={csvHref([
          ['key', 'incoming', 'outgoing'],
          ...counts.map((c) => [c.key, c.incoming, c.outgoing]),
        ])}
        download={`${file}.csv`}
      >
        {t('common.downloadCsv')}
      </Anchor>
    </Card>
  );
}

export function Oversight() {
  const stats = useLoad(() => ok(api.GET('/api/v1/statistics')), []);
  if (stats.error) return <ErrorNote error={stats.error} />;
  if (!stats.data) return <Loading />;
  const s = stats.data;
  return (
    <Stack>
      <Title order={2}>{t('oversight.title')}</Title>
      <Text data-testid="median">
        {t('oversight.median', {
          hours: s.decisionHours.median === null ? '—' : s.decisionHours.median.toFixed(1),
          n: s.decisionHours.decisions,
        })}
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Chart title="oversight.byType" counts={s.byType} file="requests-by-type" />
        <Chart title="oversight.byParty" counts={s.byParty} file="requests-by-party" />
        <Chart title="oversight.byOutcome" counts={s.byOutcome} file="outcomes" />
        <Chart title="oversight.grounds" counts={s.refusalGrounds} file="refusal-grounds" />
        <Chart title="oversight.offences" counts={s.byOffence} file="offences" />
        <Chart title="oversight.months" counts={s.byMonth} file="requests-by-month" />
      </SimpleGrid>
    </Stack>
  );
}
