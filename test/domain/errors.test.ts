import { describe, expect, it } from 'vitest';
import { AppError, namingFields, problemOf } from '../../src/domain/errors.ts';

describe('a problem detail', () => {
  it('names each offending field that the sentence does not name yet', () => {
    const error = new AppError('bad-request', 'The details of "refuse" are not valid.', {
      errors: [
        { field: 'grounds', message: 'Too small: expected array to have >=1 items' },
        { field: 'note', message: 'Required' },
      ],
    });
    expect(problemOf(error).detail).toBe(
      'The details of "refuse" are not valid: grounds: Too small: expected array to have >=1 items; note: Required.',
    );
    expect(problemOf(error).errors).toHaveLength(2);
  });

  it('is left as it is when it already names the fields, or has none', () => {
    expect(
      namingFields('The request body is not valid: to: Required', [{ field: 'to', message: 'Required' }]),
    ).toBe('The request body is not valid: to: Required');
    expect(namingFields('Not found.', undefined)).toBe('Not found.');
  });

  it('names at most five and counts the rest', () => {
    const errors = Array.from({ length: 8 }, (_, i) => ({ field: `data[${i}].to`, message: 'Invalid date' }));
    const detail = namingFields('The request is not valid.', errors);
    expect(detail).toContain('data[4].to: Invalid date; and 3 more.');
    expect(detail).not.toContain('data[5]');
  });
});
