// Help (PRODUCT.md §8): pick a category, optionally add a note and the locker number, send.
// The request goes through the HelpQueue, so without a connection it is kept and sent later.

import { useState } from 'react';
import type { HelpQueue, SendResult } from './helpQueue';
import { MAX_NOTE } from './helpQueue';
import { useI18n, type KioskKey } from './i18n';
import { CardIcon, CheckIcon, LockerIcon, OtherIcon, PaymentIcon } from './icons';
import { HELP_CATEGORIES, type HelpCategory } from './types';
import { Button, Screen } from './ui';

const ICONS: Record<HelpCategory, typeof LockerIcon> = {
  access_issue: LockerIcon,
  card_issue: CardIcon,
  payment_issue: PaymentIcon,
  other: OtherIcon,
};
const LABELS: Record<HelpCategory, KioskKey> = {
  access_issue: 'help.category.access_issue',
  card_issue: 'help.category.card_issue',
  payment_issue: 'help.category.payment_issue',
  other: 'help.category.other',
};

export function HelpScreen({
  queue,
  knownLocker,
  onBack,
  onCancel,
}: {
  queue: HelpQueue;
  knownLocker: number | undefined;
  onBack: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [category, setCategory] = useState<HelpCategory | undefined>();
  const [note, setNote] = useState('');
  const [locker, setLocker] = useState(knownLocker === undefined ? '' : String(knownLocker));
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<SendResult | undefined>();

  const send = async () => {
    if (!category || sending) return;
    setSending(true);
    const number = Number(locker);
    const outcome = await queue.submit({
      category,
      note,
      locker: locker.trim() !== '' && Number.isInteger(number) ? number : undefined,
    });
    setSending(false);
    setResult(outcome);
  };

  if (result && result.kind !== 'rejected') {
    const text =
      result.kind === 'queued'
        ? t('help.queued')
        : result.id === null
          ? t('help.sent_no_id')
          : t('help.sent', { id: result.id });
    return (
      <Screen testId="kiosk-help" title={t('help.title')} nav={{ onBack: onCancel, onCancel }}>
        <div className="flex flex-1 flex-col items-center justify-center gap-6 text-center">
          <CheckIcon className="size-24 text-ok" />
          <p className="max-w-3xl text-3xl font-semibold" role="status" data-testid={`help-${result.kind}`}>
            {text}
          </p>
          <Button tone="primary" className="min-w-64 text-2xl" onClick={onCancel}>
            {t('common.done')}
          </Button>
        </div>
      </Screen>
    );
  }

  if (!category) {
    return (
      <Screen testId="kiosk-help" title={t('help.title')} nav={{ onBack, onCancel }}>
        <p className="mt-2 text-2xl text-muted">{t('help.choose')}</p>
        <div className="mt-6 grid flex-1 content-start gap-4 sm:grid-cols-2">
          {HELP_CATEGORIES.map((c) => {
            const Icon = ICONS[c];
            return (
              <Button
                key={c}
                className="min-h-32 justify-start text-left text-2xl"
                onClick={() => {
                  setCategory(c);
                }}
                data-testid={`help-category-${c}`}
              >
                <Icon className="size-14 shrink-0 text-accent" />
                {t(LABELS[c])}
              </Button>
            );
          })}
        </div>
      </Screen>
    );
  }

  const Icon = ICONS[category];
  return (
    <Screen
      testId="kiosk-help"
      title={t('help.title')}
      nav={{
        onBack: () => {
          setCategory(undefined);
          setResult(undefined);
        },
        onCancel,
      }}
    >
      <p className="mt-4 flex items-center gap-4 text-2xl font-semibold" data-testid="help-chosen">
        <Icon className="size-12 text-accent" />
        {t(LABELS[category])}
      </p>
      <div className="mt-6 grid gap-6 md:grid-cols-[1fr_16rem]">
        <div className="flex flex-col gap-2">
          <label htmlFor="help-note" className="text-xl font-semibold">
            {t('help.note_label')}
          </label>
          <textarea
            id="help-note"
            value={note}
            maxLength={MAX_NOTE}
            rows={4}
            onChange={(event) => {
              setNote(event.target.value);
            }}
            className="min-h-32 rounded-2xl border-2 border-line bg-card p-4 text-2xl text-ink select-text"
          />
          <span className="self-end text-lg text-muted">{t('help.note_count', { count: note.length })}</span>
        </div>
        <div className="flex flex-col gap-2">
          <label htmlFor="help-locker" className="text-xl font-semibold">
            {t('help.locker_label')}
          </label>
          <input
            id="help-locker"
            inputMode="numeric"
            value={locker}
            onChange={(event) => {
              setLocker(event.target.value.replace(/\D/g, '').slice(0, 5));
            }}
            className="min-h-[60px] rounded-2xl border-2 border-line bg-card px-4 text-3xl text-ink tabular-nums"
          />
        </div>
      </div>
      {result?.kind === 'rejected' && (
        <p role="alert" className="mt-4 rounded-2xl bg-bad px-6 py-4 text-2xl text-on-bad">
          {t('help.rejected', { message: result.error.message })}
        </p>
      )}
      <Button
        tone="primary"
        className="mt-6 self-end text-2xl"
        disabled={sending}
        onClick={() => void send()}
        data-testid="help-send"
      >
        {sending ? t('help.sending') : t('help.send')}
      </Button>
    </Screen>
  );
}
