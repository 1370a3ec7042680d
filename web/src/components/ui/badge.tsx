import { cva, type VariantProps } from 'class-variance-authority';
import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn';

// Text and background pairs meet WCAG AA contrast in both themes.
export const badgeVariants = cva(
  'inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap [&_svg]:size-3',
  {
    variants: {
      tone: {
        neutral: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
        info: 'bg-blue-100 text-blue-900 dark:bg-blue-900 dark:text-blue-100',
        success: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100',
        warning: 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100',
        danger: 'bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100',
      },
    },
    defaultVariants: { tone: 'neutral' },
  },
);

export type BadgeProps = ComponentProps<'span'> & VariantProps<typeof badgeVariants>;

export function Badge({ tone, className, ...props }: BadgeProps) {
  return <span className={cn(badgeVariants({ tone }), className)} {...props} />;
}
