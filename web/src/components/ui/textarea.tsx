import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn';

export function Textarea({ className, ...props }: ComponentProps<'textarea'>) {
  return (
    <textarea
      className={cn(
        'block min-h-20 w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base text-slate-900',
        'placeholder:text-slate-500 aria-invalid:border-red-600',
        'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600',
        'dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:focus-visible:outline-blue-300',
        className,
      )}
      {...props}
    />
  );
}
