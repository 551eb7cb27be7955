// The log fields of a failure: the stable code always; for an unexpected error its name and a bounded message,
// never the text a JSON.parse failed on.
import { DETAIL_MAX_CHARS, ServiceError, failureFields } from '../../lambda/shared/errors';

it('a ServiceError logs its code only', () => {
  expect(failureFields(new ServiceError('invalid_state', 'the state is unknown'))).toEqual({
    error: 'invalid_state',
  });
});

it('an unexpected error logs internal_error, its name and its message', () => {
  const error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  expect(failureFields(error)).toEqual({
    error: 'internal_error',
    cause: 'ThrottlingException',
    detail: 'Rate exceeded',
  });
});

it('a JSON.parse failure logs no detail: its message quotes the text it could not parse', () => {
  const secret = 'ya29.a0AfB_byC-secret-access-token-value';
  let thrown: unknown;
  try {
    // A body that is a bare token rather than JSON: the message quotes its first characters.
    JSON.parse(secret);
  } catch (error) {
    thrown = error;
  }
  expect((thrown as Error).message).toContain('ya29.a0AfB');
  const fields = failureFields(thrown);
  expect(fields).toEqual({ error: 'internal_error', cause: 'SyntaxError', detail: undefined });
  expect(JSON.stringify(fields)).not.toContain('ya29');
});

it('a long message is cut to DETAIL_MAX_CHARS', () => {
  const fields = failureFields(new Error('x'.repeat(5000)));
  expect(fields.detail).toHaveLength(DETAIL_MAX_CHARS);
});
