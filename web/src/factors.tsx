/**
 * The pieces of second factors shared by the enrolment screen, the sign-in and the Account page: setting up an
 * authenticator app, creating and using a passkey, showing recovery codes once.
 */
import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Code,
  Group,
  Image,
  List,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { useState } from 'react';
import { ApiError, api, type Enrolled, ok, type Session } from './api';
import { t } from './i18n';
import { ErrorNote } from './ui';

/** The TOTP code field: the browser and password managers fill it, phones show digits. */
export function CodeInput({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <TextInput
      label={t('mfa.code')}
      description={t('mfa.code.hint')}
      autoComplete="one-time-code"
      inputMode="numeric"
      pattern="[0-9 ]*"
      maxLength={8}
      required
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

/**
 * A problem of a passkey ceremony. Browsers refuse passkeys on an IP address, and the node says so (400): the
 * same page under http://localhost works, so the note links there.
 */
export function PasskeyProblem({ error }: { error: unknown }) {
  const onIp = /^[\d.]+$|^\[/.test(window.location.hostname);
  const there = `${window.location.protocol}//localhost${window.location.port ? `:${window.location.port}` : ''}${window.location.pathname}`;
  return (
    <Stack gap="xs">
      <ErrorNote error={error} />
      {onIp && error instanceof ApiError && error.problem.status === 400 ? (
        <Text size="sm">
          <Anchor href={there}>{t('passkey.openLocalhost', { url: there })}</Anchor>
        </Text>
      ) : null}
    </Stack>
  );
}

/** A browser's refusal (cancelled, timed out, no authenticator) in the shape ErrorNote shows. */
function ceremonyError(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  return new ApiError({ title: t('passkey.failed'), detail: e instanceof Error ? e.message : String(e) });
}

/** Signs in the second step with a passkey: the node's options, the authenticator's answer, a new session. */
export async function verifyWithPasskey(): Promise<Session> {
  const options = await ok(api.POST('/api/v1/auth/verify/passkey/options'));
  const response = await startAuthentication({
    optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
  }).catch((e: unknown) => {
    throw ceremonyError(e);
  });
  return ok(api.POST('/api/v1/auth/verify/passkey', { body: { response: response as never } }));
}

/** Enrols an authenticator app: a button, then the QR code, the key as text, and a code to confirm. */
export function TotpSetup({ onEnrolled }: { onEnrolled: (e: Enrolled) => void }) {
  const [setup, setSetup] = useState<{ secret: string; qrSvg: string } | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const start = () => run(async () => setSetup(await ok(api.POST('/api/v1/auth/mfa/totp/setup'))));
  const confirm = () =>
    run(async () => onEnrolled(await ok(api.POST('/api/v1/auth/mfa/totp/confirm', { body: { code } }))));

  if (!setup)
    return (
      <Stack gap="xs">
        {error ? <ErrorNote error={error} /> : null}
        <Group>
          <Button onClick={() => void start()} loading={busy}>
            {t('totp.start')}
          </Button>
        </Group>
      </Stack>
    );
  return (
    <form
      onSubmit={(ev) => {
        ev.preventDefault();
        void confirm();
      }}
    >
      <Stack gap="sm">
        <Text size="sm">{t('totp.scan')}</Text>
        {/* The node's SVG as an image: it never enters the page's DOM, so it cannot run anything (CSP). */}
        <Image
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`}
          alt={t('totp.qr')}
          w={200}
          h={200}
          bg="white"
          data-testid="totp-qr"
        />
        <Text size="sm">
          {t('totp.secret')}{' '}
          <Code fz="md" data-testid="totp-secret">
            {setup.secret.match(/.{1,4}/g)?.join(' ')}
          </Code>
        </Text>
        <CodeInput value={code} onChange={setCode} />
        {error ? <ErrorNote error={error} /> : null}
        <Group>
          <Button type="submit" loading={busy}>
            {t('totp.confirm')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Creates a passkey on this device or a security key, under a name the user chooses. */
export function PasskeySetup({ onEnrolled }: { onEnrolled: (e: Enrolled) => void }) {
  const [name, setName] = useState(t('passkey.defaultName'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const options = await ok(api.POST('/api/v1/auth/mfa/passkeys/options'));
      const response = await startRegistration({
        optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
      }).catch((e: unknown) => {
        throw ceremonyError(e);
      });
      onEnrolled(
        await ok(api.POST('/api/v1/auth/mfa/passkeys', { body: { response: response as never, name } })),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(ev) => {
        ev.preventDefault();
        void create();
      }}
    >
      <Stack gap="sm">
        <TextInput
          label={t('passkey.name')}
          description={t('passkey.name.hint')}
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        {error ? <PasskeyProblem error={error} /> : null}
        <Group>
          <Button type="submit" loading={busy}>
            {t('passkey.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Recovery codes, shown once: a list, a download as text, and a checkbox the user ticks before going on, so
 * nobody clicks past them by accident.
 */
export function RecoveryCodes({
  codes,
  account,
  onDone,
}: {
  codes: string[];
  account: string;
  onDone: () => void;
}) {
  const [saved, setSaved] = useState(false);
  const text = `${t('recovery.file', { account, date: new Date().toISOString().slice(0, 10) })}\n\n${codes.join('\n')}\n`;
  return (
    <Stack gap="sm" data-testid="recovery-codes">
      <Alert color="yellow" title={t('recovery.title')}>
        {t('recovery.intro')}
      </Alert>
      <List ff="monospace" fz="lg" spacing={2} aria-label={t('recovery.title')}>
        {codes.map((c) => (
          <List.Item key={c}>{c}</List.Item>
        ))}
      </List>
      <Group>
        <Button
          component="a"
          variant="default"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download={`comity-recovery-codes-${account.replace(/[^\w.@-]+/g, '_')}.txt`}
        >
          {t('recovery.download')}
        </Button>
      </Group>
      <Checkbox
        label={t('recovery.saved')}
        checked={saved}
        onChange={(e) => setSaved(e.currentTarget.checked)}
      />
      <Group>
        <Button disabled={!saved} onClick={onDone}>
          {t('recovery.continue')}
        </Button>
      </Group>
    </Stack>
  );
}
