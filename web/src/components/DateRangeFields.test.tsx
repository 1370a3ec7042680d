import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { DateRangeFields } from './DateRangeFields';

/** The fields inside a form that keeps the range, as the filter forms do. */
function Form({ changes }: { changes: string[] }) {
  const [range, setRange] = useState({ from: '', to: '' });
  return (
    <form>
      <DateRangeFields
        id="range"
        from={range.from}
        to={range.to}
        onChange={(key, day) => {
          changes.push(`${key}=${day}`);
          setRange((r) => ({ ...r, [key]: day }));
        }}
      />
    </form>
  );
}

afterEach(() => {
  setLang('en');
});

describe('DateRangeFields', () => {
  it('labels both days and leaves the pickers open while the range is empty', () => {
    setLang('en');
    render(<Form changes={[]} />);
    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    expect(from).toHaveAttribute('type', 'date');
    expect(from).toHaveAttribute('id', 'range-from');
    expect(to).toHaveAttribute('id', 'range-to');
    expect(from).not.toHaveAttribute('max');
    expect(to).not.toHaveAttribute('min');
  });

  it('bounds each picker by the other day, so a range cannot be chosen backwards', () => {
    const changes: string[] = [];
    render(<Form changes={changes} />);
    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    fireEvent.change(from, { target: { value: '2026-03-01' } });
    expect(to).toHaveAttribute('min', '2026-03-01');
    expect(from).not.toHaveAttribute('max');
    fireEvent.change(to, { target: { value: '2026-03-09' } });
    expect(from).toHaveAttribute('max', '2026-03-09');
    fireEvent.change(from, { target: { value: '' } });
    expect(to).not.toHaveAttribute('min');
    expect(changes).toEqual(['from=2026-03-01', 'to=2026-03-09', 'from=']);
  });

  it('speaks the panel language', () => {
    setLang('tr');
    render(<Form changes={[]} />);
    expect(screen.getByLabelText('Başlangıç')).toHaveAttribute('id', 'range-from');
    expect(screen.getByLabelText('Bitiş')).toHaveAttribute('id', 'range-to');
  });
});
