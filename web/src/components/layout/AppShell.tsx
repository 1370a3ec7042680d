import {
  BellRingIcon,
  CpuIcon,
  LayoutDashboardIcon,
  LifeBuoyIcon,
  LockKeyholeIcon,
  LogOutIcon,
  MonitorSmartphoneIcon,
  MoonIcon,
  ScrollTextIcon,
  SettingsIcon,
  SunIcon,
  SunMoonIcon,
  UsersIcon,
  type LucideIcon,
} from 'lucide-react';
import { useState } from 'react';
import { NavLink, Outlet } from 'react-router';
import type { User } from '../../api/types';
import { useAuth } from '../../auth/auth';
import { can, type Permission } from '../../auth/permissions';
import { LANGS, useI18n, type MessageKey } from '../../i18n';
import { cn } from '../../lib/cn';
import { HelpNavBadge } from '../../pages/help/HelpNavBadge';
import { useRealtime } from '../../realtime/useRealtime';
import { THEMES, useTheme, type Theme } from '../../theme/theme';
import { LiveStatus } from '../LiveStatus';
import { OfflineBanner } from './OfflineBanner';
import { Button } from '../ui/button';
import { Select } from '../ui/select';
import { Toaster } from '../ui/toaster';

interface NavItem {
  to: string;
  label: MessageKey;
  icon: LucideIcon;
  permission: Permission;
  badge?: () => React.ReactNode;
}

const NAV: NavItem[] = [
  { to: '/', label: 'nav.dashboard', icon: LayoutDashboardIcon, permission: 'lockers:view' },
  { to: '/lockers', label: 'nav.lockers', icon: LockKeyholeIcon, permission: 'lockers:view' },
  {
    to: '/help',
    label: 'nav.help',
    icon: LifeBuoyIcon,
    permission: 'help:view',
    badge: () => <HelpNavBadge />,
  },
  { to: '/kiosks', label: 'nav.kiosks', icon: MonitorSmartphoneIcon, permission: 'lockers:view' },
  { to: '/events', label: 'nav.events', icon: ScrollTextIcon, permission: 'lockers:view' },
  { to: '/users', label: 'nav.users', icon: UsersIcon, permission: 'system:users' },
  { to: '/settings', label: 'nav.settings', icon: SettingsIcon, permission: 'system:configure' },
  { to: '/hardware', label: 'nav.hardware', icon: CpuIcon, permission: 'lockers:view' },
];

const THEME_ICON: Record<Theme, LucideIcon> = { system: SunMoonIcon, light: SunIcon, dark: MoonIcon };

/** The signed-in panel: header with navigation, language, theme and the user; pages below. */
export function AppShell({ user }: { user: User }) {
  const { t } = useI18n();
  const { signOut, expire } = useAuth();
  const [signingOut, setSigningOut] = useState(false);
  // One connection for the whole panel; a 4401 close means the session ended.
  const { state: live } = useRealtime('lockers', { onSignedOut: expire });
  const items = NAV.filter((item) => can(user.role, item.permission));

  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900"
      >
        {t('nav.skip')}
      </a>
      <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/95 backdrop-blur dark:border-slate-800 dark:bg-slate-900/95">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-2">
          <p className="flex items-center gap-2 text-lg font-semibold tracking-tight">
            <BellRingIcon className="size-5 text-blue-700 dark:text-blue-300" aria-hidden />
            {t('app.name')}
          </p>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <LiveStatus state={live} />
            <LanguageSelect />
            <ThemeToggle />
            <p className="hidden items-center gap-2 sm:flex">
              <span data-testid="current-user" className="font-medium">
                {user.username}
              </span>
              <span
                data-testid="current-role"
                className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-800 dark:bg-slate-700 dark:text-slate-100"
              >
                {t(`role.${user.role}`)}
              </span>
            </p>
            <Button
              variant="secondary"
              size="sm"
              disabled={signingOut}
              onClick={() => {
                setSigningOut(true);
                void signOut();
              }}
            >
              <LogOutIcon aria-hidden />
              {t('panel.sign_out')}
            </Button>
          </div>
        </div>
        <nav aria-label={t('nav.label')} className="mx-auto max-w-7xl overflow-x-auto px-2">
          <ul className="flex gap-1">
            {items.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  end={item.to === '/'}
                  className={({ isActive }) =>
                    cn(
                      'flex min-h-10 items-center gap-2 border-b-2 px-3 text-sm font-medium whitespace-nowrap',
                      'focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-blue-600',
                      isActive
                        ? 'border-blue-700 text-blue-800 dark:border-blue-300 dark:text-blue-200'
                        : 'border-transparent text-slate-700 hover:text-slate-950 dark:text-slate-300 dark:hover:text-white',
                    )
                  }
                >
                  <item.icon className="size-4" aria-hidden />
                  {t(item.label)}
                  {item.badge?.()}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <OfflineBanner />
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none">
        <Outlet />
      </main>
      <Toaster />
    </div>
  );
}

function LanguageSelect() {
  const { t, lang, setLang } = useI18n();
  return (
    <Select
      aria-label={t('lang.label')}
      data-testid="language-select"
      value={lang}
      className="min-h-8 py-0"
      onChange={(e) => {
        const next = LANGS.find((l) => l === e.target.value);
        if (next) setLang(next);
      }}
    >
      {LANGS.map((l) => (
        <option key={l} value={l}>
          {t(`lang.${l}`)}
        </option>
      ))}
    </Select>
  );
}

/** Cycles system → light → dark; the label says what is in force. */
function ThemeToggle() {
  const { t } = useI18n();
  const { theme, setTheme } = useTheme();
  const Icon = THEME_ICON[theme];
  const next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length] ?? 'system';
  return (
    <Button
      variant="ghost"
      size="icon"
      data-testid="theme-toggle"
      data-theme={theme}
      aria-label={t('theme.toggle', { theme: t(`theme.${theme}`) })}
      title={t('theme.toggle', { theme: t(`theme.${theme}`) })}
      onClick={() => {
        setTheme(next);
      }}
    >
      <Icon aria-hidden />
    </Button>
  );
}
