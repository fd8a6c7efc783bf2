/**
 * The administrator's accounts page: who can sign in to this node, with which roles and whether they have a
 * second factor; create an account, change its name and roles, disable or enable one (its sessions end at
 * once), reset second factors.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { vouches } from '../../../src/domain/roles.ts';
import { type Account, api, ok, type User } from '../api';
import { t, words } from '../i18n';
import { ConfirmButton, ErrorNote, Loading, useLoad } from '../ui';

type Role = Account['roles'][number];
/** Every role, in the node's order; a role added to the API breaks the build here until it is listed. */
const ROLES = [
  'officer',
  'reviewer',
  'contact-24-7',
  'executor',
  'oversight',
  'admin',
] as const satisfies readonly Role[];
const MIN_PASSWORD = 12;

export function Users({ user }: { user: User }) {
  const list = useLoad(() => ok(api.GET('/api/v1/users')), []);
  const [created, setCreated] = useState<string | null>(null);
  return (
    <Stack>
      <Title order={2}>{t('users.title')}</Title>
      {list.error ? <ErrorNote error={list.error} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <Table.ScrollContainer minWidth={800}>
          <Table striped data-testid="accounts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('users.col.email')}</Table.Th>
                <Table.Th>{t('users.col.name')}</Table.Th>
                <Table.Th>{t('users.col.roles')}</Table.Th>
                <Table.Th>{t('users.col.secondFactor')}</Table.Th>
                <Table.Th>{t('users.col.status')}</Table.Th>
                <Table.Th>
                  <VisuallyHidden>{t('users.col.actions')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((a) => (
                <AccountRow key={a.id} account={a} self={a.id === user.id} onChange={list.reload} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {created ? (
        <Alert color="green" role="status">
          {t('users.created', { email: created })}
        </Alert>
      ) : null}
      <CreateAccount
        onCreated={(a) => {
          setCreated(a.email);
          list.reload();
        }}
      />
    </Stack>
  );
}

function AccountRow({
  account: a,
  self,
  onChange,
}: {
  account: Account;
  self: boolean;
  onChange: () => void;
}) {
  const patch = async (disabled: boolean) => {
    await ok(api.PATCH('/api/v1/users/{id}', { params: { path: { id: a.id } }, body: { disabled } }));
    onChange();
  };
  return (
    <Table.Tr data-testid={`account-${a.email}`}>
      <Table.Td>
        {a.email} {self ? <Badge variant="outline">{t('users.you')}</Badge> : null}
      </Table.Td>
      <Table.Td>{a.name}</Table.Td>
      <Table.Td>
        <Group gap={4}>
          {a.roles.map((r) => (
            <Badge key={r} variant="light">
              {words(r)}
            </Badge>
          ))}
        </Group>
      </Table.Td>
      <Table.Td>
        {a.secondFactor ? t('common.yes') : t('common.no')}{' '}
        {a.demo ? <Badge color="orange">{t('common.demo')}</Badge> : null}
        {a.officerKey ? (
          <Text size="xs" c="dimmed" title={JSON.stringify(a.officerKey.jwk)}>
            {t(a.officerKey.inTrustList ? 'users.officerKey.listed' : 'users.officerKey.unlisted', {
              kid: a.officerKey.kid,
            })}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        {a.disabled ? (
          <Badge color="red">{t('users.disabled')}</Badge>
        ) : (
          <Text size="sm">{t('users.active')}</Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <EditAccount account={a} self={self} onSaved={onChange} />
          {self ? null : a.disabled ? (
            <ConfirmButton
              size="xs"
              color="blue"
              label={t('users.enable')}
              aria-label={t('users.enableTitle', { email: a.email })}
              title={t('users.enableTitle', { email: a.email })}
              message={t('users.enableConfirm')}
              confirmLabel={t('users.enable')}
              onConfirm={() => patch(false)}
            />
          ) : (
            <ConfirmButton
              size="xs"
              label={t('users.disable')}
              aria-label={t('users.disableTitle', { email: a.email })}
              title={t('users.disableTitle', { email: a.email })}
              message={t('users.disableConfirm')}
              confirmLabel={t('users.disable')}
              onConfirm={() => patch(true)}
            />
          )}
          {a.secondFactor ? (
            <ConfirmButton
              size="xs"
              label={t('users.reset')}
              aria-label={t('users.resetTitle', { email: a.email })}
              title={t('users.resetTitle', { email: a.email })}
              message={t('users.resetConfirm')}
              confirmLabel={t('users.reset')}
              onConfirm={async () => {
                await ok(
                  api.POST('/api/v1/users/{id}/reset-second-factors', { params: { path: { id: a.id } } }),
                );
                onChange();
              }}
            />
          ) : null}
          {vouches(a.roles) && !a.demo ? (
            <ConfirmButton
              size="xs"
              label={t('users.renewKey')}
              aria-label={t('users.renewKeyTitle', { email: a.email })}
              title={t('users.renewKeyTitle', { email: a.email })}
              message={t('users.renewKeyConfirm', { kid: a.officerKey?.kid ?? '-' })}
              confirmLabel={t('users.renewKey')}
              onConfirm={async () => {
                await ok(api.POST('/api/v1/users/{id}/officer-key', { params: { path: { id: a.id } } }));
                onChange();
              }}
            />
          ) : null}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/**
 * Name and roles of an account. A change of roles ends the account's sessions (the node does that), so its next
 * sign-in starts with the new rights; administrators keep their own roles (the node refuses to let them drop
 * `admin` or sign themselves out this way).
 */
function EditAccount({
  account: a,
  self,
  onSaved,
}: {
  account: Account;
  self: boolean;
  onSaved: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(a.name);
  const [roles, setRoles] = useState<Role[]>(a.roles);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const sameRoles = roles.length === a.roles.length && roles.every((r) => a.roles.includes(r));
  const body = {
    ...(name.trim() !== a.name ? { name: name.trim() } : {}),
    ...(!self && !sameRoles ? { roles } : {}),
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await ok(api.PATCH('/api/v1/users/{id}', { params: { path: { id: a.id } }, body }));
      setOpen(false);
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button
        size="xs"
        variant="default"
        aria-label={t('users.editTitle', { email: a.email })}
        title={t('users.editTitle', { email: a.email })}
        onClick={() => {
          setName(a.name);
          setRoles(a.roles);
          setError(null);
          setOpen(true);
        }}
      >
        {t('users.edit')}
      </Button>
      <Modal
        opened={open}
        onClose={() => setOpen(false)}
        title={t('users.editTitle', { email: a.email })}
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void save();
          }}
        >
          <Stack gap="sm">
            <TextInput
              label={t('users.name')}
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            <MultiSelect
              label={t('users.roles')}
              data={ROLES.map((r) => ({ value: r, label: words(r) }))}
              value={roles}
              disabled={self}
              description={self ? t('users.roles.self') : t('users.roles.change')}
              onChange={(v) => setRoles(v as Role[])}
              error={!roles.length ? t('users.roles.none') : undefined}
            />
            {error ? <ErrorNote error={error} /> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                {t('common.cancel')}
              </Button>
              <Button
                type="submit"
                loading={busy}
                disabled={!roles.length || !name.trim() || !Object.keys(body).length}
              >
                {t('users.save')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

function CreateAccount({ onCreated }: { onCreated: (a: Account) => void }) {
  const empty = { email: '', name: '', roles: [] as Role[], password: '' };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const short = form.password.length < MIN_PASSWORD;
  const submit = async () => {
    setTried(true);
    if (short || !form.roles.length) return;
    setBusy(true);
    setError(null);
    try {
      const account = await ok(api.POST('/api/v1/users', { body: form }));
      setForm(empty);
      setTried(false);
      onCreated(account);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder component="section" aria-labelledby="create-account-h" maw={640}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void submit();
        }}
      >
        <Stack gap="sm">
          <Title order={3} size="h4" id="create-account-h">
            {t('users.create')}
          </Title>
          <TextInput
            label={t('users.email')}
            type="email"
            autoComplete="off"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
          />
          <TextInput
            label={t('users.name')}
            autoComplete="off"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          />
          <MultiSelect
            label={t('users.roles')}
            required
            data={ROLES.map((r) => ({ value: r, label: words(r) }))}
            value={form.roles}
            onChange={(v) => setForm({ ...form, roles: v as Role[] })}
            error={tried && !form.roles.length ? t('users.roles.none') : undefined}
          />
          <PasswordInput
            label={t('users.password')}
            description={t('users.password.hint')}
            autoComplete="new-password"
            required
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
            error={tried && short ? t('users.password.short', { n: MIN_PASSWORD }) : undefined}
          />
          {error ? <ErrorNote error={error} /> : null}
          <Text size="sm" c="dimmed">
            {t('users.create.hint')}
          </Text>
          <Group>
            <Button type="submit" loading={busy}>
              {t('users.create.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
