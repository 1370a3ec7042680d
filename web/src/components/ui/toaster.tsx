import type { CSSProperties } from 'react';
import { Toaster as Sonner } from 'sonner';
import { useTheme } from '../../theme/theme';

export { toast } from 'sonner';

// Sonner's light rich colours put text at about 4.2:1 on their tinted backgrounds; these darker
// texts keep the backgrounds and pass WCAG AA (4.5:1). The dark theme's already pass.
const LIGHT_RICH_TEXT = {
  '--success-text': 'hsl(140, 100%, 20%)',
  '--info-text': 'hsl(210, 92%, 32%)',
  '--warning-text': 'hsl(31, 92%, 28%)',
  '--error-text': 'hsl(360, 100%, 35%)',
} as CSSProperties;

/** Where toasts appear; follows the panel's theme. */
export function Toaster() {
  const { dark } = useTheme();
  return (
    <Sonner
      theme={dark ? 'dark' : 'light'}
      position="top-right"
      richColors
      closeButton
      {...(dark ? {} : { style: LIGHT_RICH_TEXT })}
    />
  );
}
