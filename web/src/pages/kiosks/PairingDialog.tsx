import { CheckIcon, CopyIcon } from 'lucide-react';
import { useState, useSyncExternalStore } from 'react';
import type { Pairing } from '../../api/kiosks';
import { Button } from '../../components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '../../components/ui/dialog';
import { Input, Label } from '../../components/ui/input';
import { toast } from '../../components/ui/toaster';
import { useI18n } from '../../i18n';

/** Whole seconds since the epoch, ticking once a second while someone watches. */
function subscribeClock(onChange: () => void): () => void {
  const timer = setInterval(onChange, 1_000);
  return () => {
    clearInterval(timer);
  };
}
const nowSeconds = () => Math.floor(Date.now() / 1_000);

/** "9:58" until the code expires. */
export function useCountdown(expiresAt: string): number {
  const now = useSyncExternalStore(subscribeClock, nowSeconds, nowSeconds);
  return Math.max(0, Math.floor(Date.parse(expiresAt) / 1_000) - now);
}

/** A fresh pairing code: the code in large type, its countdown, and the URL to open on the kiosk. */
export function PairingDialog({
  pairing,
  kioskName,
  onClose,
}: {
  pairing: Pairing;
  kioskName: string;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const left = useCountdown(pairing.expires_at);
  const [copied, setCopied] = useState(false);
  const url = new URL(pairing.url, window.location.origin).toString();
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, '0');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      toast.success(t('kiosks.pairing.copied'));
    } catch {
      toast.error(t('kiosks.pairing.copy_failed'));
    }
  };

  return (
    <Dialog
      open
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      <DialogContent data-testid="pairing-dialog">
        <DialogHeader>
          <DialogTitle>{t('kiosks.pairing.title', { kiosk: kioskName })}</DialogTitle>
          <DialogDescription>{t('kiosks.pairing.description')}</DialogDescription>
        </DialogHeader>
        <p
          data-testid="pairing-code"
          className="text-center font-mono text-4xl font-bold tracking-widest select-all"
        >
          {pairing.code}
        </p>
        <p data-testid="pairing-expiry" role="timer" aria-live="off" className="text-center text-sm">
          {left > 0
            ? t('kiosks.pairing.expires_in', { time: `${String(minutes)}:${seconds}` })
            : t('kiosks.pairing.expired')}
        </p>
        <div className="space-y-1">
          <Label htmlFor="pairing-url">{t('kiosks.pairing.url')}</Label>
          <div className="flex gap-2">
            <Input
              id="pairing-url"
              data-testid="pairing-url"
              readOnly
              value={url}
              className="font-mono text-sm"
              onFocus={(e) => {
                e.currentTarget.select();
              }}
            />
            <Button variant="secondary" onClick={() => void copy()} aria-label={t('kiosks.pairing.copy')}>
              {copied ? <CheckIcon aria-hidden /> : <CopyIcon aria-hidden />}
              <span className="hidden sm:inline">{t('kiosks.pairing.copy')}</span>
            </Button>
          </div>
        </div>
        <DialogFooter>
          <Button variant="secondary" onClick={onClose}>
            {t('common.close')}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
