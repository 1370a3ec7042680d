import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn';

export function Input({ className, ...props }: ComponentProps<'input'>) {
  return (
    <input
      className={cn(
        'block min-h-10 w-full rounded-md border border-slate-300 bg-white px-3 text-base text-slate-900',
        'placeholder:text-slate-500 aria-invalid:border-red-600',
        'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600',
        'dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:aria-invalid:border-red-400 dark:focus-visible:outline-blue-300',
        className,
      )}
      {...props}
    />
  );
}

export function Label({ className, ...props }: ComponentProps<'label'>) {
  return (
    // The caller passes htmlFor (or nests the control).
    <label
      className={cn('block text-sm font-medium text-slate-800 dark:text-slate-200', className)}
      {...props}
    />
  );
}
