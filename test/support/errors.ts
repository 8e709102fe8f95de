import { ValidationError } from '../../src/errors';

/** Runs `fn`, which must throw a ValidationError, and returns it; any other error is rethrown as is. */
export function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}
