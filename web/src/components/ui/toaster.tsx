import { Toaster as Sonner } from 'sonner';
import { useTheme } from '../../theme/theme';

export { toast } from 'sonner';

/** Where toasts appear; follows the panel's theme. */
export function Toaster() {
  const { dark } = useTheme();
  return <Sonner theme={dark ? 'dark' : 'light'} position="top-right" richColors closeButton />;
}
