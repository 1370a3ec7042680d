import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn';

/** The platform's own select, styled: accessible and right on phones without extra code. */
export function Select({ className, ...props }: ComponentProps<'select'>) {
  return (
    <select
      className={cn(
        'block min-h-10 rounded-md border border-slate-300 bg-white px-3 text-sm text-slate-900',
        'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600',
        'dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:focus-visible:outline-blue-300',
        className,
      )}
      {...props}
    />
  );
}
