// Inline SVG icons (no icon library, no files): 24×24 strokes that take the text colour.

import type { ReactNode } from 'react';

function Svg({ children, className }: { children: ReactNode; className?: string | undefined }) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      className={className ?? 'size-8 shrink-0'}
    >
      {children}
    </svg>
  );
}

type IconProps = { className?: string | undefined };

export const HelpIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <circle cx="12" cy="12" r="10" />
    <path d="M9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3" />
    <path d="M12 17h.01" />
  </Svg>
);

export const BackIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <path d="M19 12H5" />
    <path d="m12 19-7-7 7-7" />
  </Svg>
);

export const CancelIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <path d="M18 6 6 18" />
    <path d="m6 6 12 12" />
  </Svg>
);

export const CheckIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <circle cx="12" cy="12" r="10" />
    <path d="m8 12 3 3 5-6" />
  </Svg>
);

export const AlertIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" />
    <path d="M12 9v4" />
    <path d="M12 17h.01" />
  </Svg>
);

/** A locker door with a lock: "my locker won't open". */
export const LockerIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <rect x="5" y="2" width="14" height="20" rx="2" />
    <path d="M9 6h6" />
    <rect x="10" y="11" width="4" height="4" rx="1" />
    <path d="M11 11v-1a1 1 0 0 1 2 0v1" />
  </Svg>
);

/** A card with a contactless wave. */
export const CardIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <rect x="2" y="5" width="20" height="14" rx="2" />
    <path d="M6 15h4" />
    <path d="M15 9.5a3 3 0 0 1 0 5" />
    <path d="M17.5 8a5.5 5.5 0 0 1 0 8" />
  </Svg>
);

/** A banknote: currency-neutral. */
export const PaymentIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <rect x="2" y="6" width="20" height="12" rx="2" />
    <circle cx="12" cy="12" r="2.5" />
    <path d="M6 12h.01" />
    <path d="M18 12h.01" />
  </Svg>
);

export const OtherIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2Z" />
    <path d="M8 10h.01" />
    <path d="M12 10h.01" />
    <path d="M16 10h.01" />
  </Svg>
);

export const StaffIcon = ({ className }: IconProps) => (
  <Svg className={className}>
    <circle cx="8" cy="15" r="4" />
    <path d="m10.8 12.2 9.2-9.2" />
    <path d="m18 5 3 3" />
    <path d="m15 8 2 2" />
  </Svg>
);
