import { CheckIcon, MinusIcon } from 'lucide-react';
import { Checkbox as CheckboxPrimitive } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn';

export function Checkbox({ className, ...props }: ComponentProps<typeof CheckboxPrimitive.Root>) {
  return (
    <CheckboxPrimitive.Root
      className={cn(
        'peer inline-flex size-5 shrink-0 items-center justify-center rounded border border-slate-500 bg-white',
        'data-[state=checked]:border-blue-700 data-[state=checked]:bg-blue-700 data-[state=checked]:text-white',
        'data-[state=indeterminate]:border-blue-700 data-[state=indeterminate]:bg-blue-700 data-[state=indeterminate]:text-white',
        'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600',
        'dark:border-slate-400 dark:bg-slate-900 dark:data-[state=checked]:border-blue-400 dark:data-[state=checked]:bg-blue-400 dark:data-[state=checked]:text-slate-950 dark:focus-visible:outline-blue-300',
        className,
      )}
      {...props}
    >
      <CheckboxPrimitive.Indicator>
        {props.checked === 'indeterminate' ? (
          <MinusIcon className="size-4" aria-hidden />
        ) : (
          <CheckIcon className="size-4" aria-hidden />
        )}
      </CheckboxPrimitive.Indicator>
    </CheckboxPrimitive.Root>
  );
}
